// bench/monitorProbes: CPU time of the uptime scheduler (with history recording) running 100 checks at a
// 1 s interval against a local server, against the same number of bare fetch calls made by a plain loop over
// the same duration. The server runs in a child process so only the prober's CPU is counted.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { UptimeCheckConfig } from '../src/core/config/conveyorConfig';
import { UptimeMonitor } from '../src/monitor/uptime/uptimeMonitor';

export interface ProbeSchedulerBench {
  schedulerCpuMs: number;
  baselineCpuMs: number;
  ratio: number;
  /** Probes the scheduler made (the baseline makes as many fetch calls). */
  probes: number;
  baselineFetches: number;
}

const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function benchProbeScheduler(
  options: { checks?: number; durationMs?: number; intervalS?: number } = {},
): Promise<ProbeSchedulerBench> {
  const checkCount = options.checks ?? 100;
  const durationMs = options.durationMs ?? 10_000;
  const intervalS = options.intervalS ?? 1;
  const server = await startServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'conveyor-bench-uptime-'));
  try {
    const checks: UptimeCheckConfig[] = Array.from({ length: checkCount }, (_, i) => ({
      name: `check ${i}`,
      url: `${server.url}/health/${i}`,
      interval: intervalS,
      timeout: 5,
    }));
    // Warm up fetch (undici's first request loads and compiles a lot) so neither side pays for it.
    for (let i = 0; i < 20; i++) await (await fetch(checks[i % checkCount].url)).arrayBuffer();

    const monitor = await UptimeMonitor.open(dir, checks, { history: { debounceMs: 5000 } });
    let probes = 0;
    monitor.scheduler.onResult(() => probes++);
    const schedulerStart = process.cpuUsage();
    monitor.scheduler.start();
    await sleep(durationMs);
    await monitor.dispose();
    const schedulerCpuMs = cpuMs(schedulerStart);

    // The baseline: as many fetch calls, paced over the same duration by one plain loop per check.
    const perCheck = Math.max(1, Math.round(probes / checkCount));
    let baselineFetches = 0;
    const baselineStart = process.cpuUsage();
    await Promise.all(
      checks.map(async (check, i) => {
        await sleep((i / checkCount) * (durationMs / perCheck));
        for (let n = 0; n < perCheck; n++) {
          const started = Date.now();
          await (await fetch(check.url)).arrayBuffer();
          baselineFetches++;
          await sleep(Math.max(0, durationMs / perCheck - (Date.now() - started)));
        }
      }),
    );
    const baselineCpuMs = cpuMs(baselineStart);
    const result = {
      schedulerCpuMs: Math.round(schedulerCpuMs),
      baselineCpuMs: Math.round(baselineCpuMs),
      ratio: schedulerCpuMs / baselineCpuMs,
      probes,
      baselineFetches,
    };
    console.log(`uptime scheduler: ${checkCount} checks every ${intervalS} s for ${durationMs / 1000} s against a local server`);
    console.log(`  scheduler + history : ${result.schedulerCpuMs} ms CPU for ${probes} probes`);
    console.log(`  bare fetch loop     : ${result.baselineCpuMs} ms CPU for ${baselineFetches} fetches`);
    console.log(`  ratio               : ${result.ratio.toFixed(2)}`);
    return result;
  } finally {
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void benchProbeScheduler();
