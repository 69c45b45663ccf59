// bench/pipeline: (1) the same stages run by Conveyor's engine and directly by `sh -c`, one after the
// other, in the same run: wall-time ratio (goal ≤ 1.05). Also against `sh -c` started in a session of its own, as
// a terminal or a VS Code task starts a command: with Linux's autogroup scheduling a process in another session than
// its reader's ran 1-10% longer here. The engine starts a stage in a process group of its own (what Stop and timeouts
// end) but, without a terminal, in the engine's session (src/core/processGroupStart.ts); (2) peak memory of the engine
// while a stage prints 100,000 and 1,000,000 lines: bounded, not growing with output.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPipeline } from '../src/pipeline/run/runPipeline';
import { RunHistory } from '../src/pipeline/run/runHistory';
import type { StageDefinition } from '../src/pipeline/stageDefinition';

// Eighteen (three times the six orders): with five, the median moved by ±1.5% from run to run, more than the difference it is read for.
const RUNS = Number(process.env.BENCH_RUNS ?? 18);
const WORK = 'let x=0;for(let i=0;i<3e7;i++)x+=i%7;';
const STAGES: StageDefinition[] = [
  { name: 'lint', run: `node -e "${WORK}console.log('lint ok')"`, source: 'bench' },
  { name: 'build', run: `node -e "${WORK}for(let i=0;i<20000;i++)console.log('compiled module '+i)"`, source: 'bench' },
  { name: 'test', run: `node -e "${WORK}for(let i=0;i<2000;i++)console.log('ok '+i+' test passes')"`, source: 'bench' },
];

const HOST_MB = 400;
const HOST_ROUNDS = 8;

/** Memory this process really holds (every page written), as a large extension host does. */
function hostSizedBallast(totalMb: number): Buffer[] {
  const missing = Math.max(0, totalMb - process.memoryUsage().rss / 1048576);
  return Array.from({ length: Math.round(missing / 16) }, () => Buffer.alloc(16 * 1048576, 1));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The baseline: each stage through `sh -c`, output read and discarded, stop at the first failure. */
async function runDirectly(folder: string, ownSession = false): Promise<number> {
  const started = performance.now();
  for (const stage of STAGES) {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('/bin/sh', ['-c', stage.run], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'], detached: ownSession });
      child.stdout.resume();
      child.stderr.resume();
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`${stage.name} failed directly`);
  }
  return performance.now() - started;
}

async function runWithConveyor(folder: string, history: RunHistory): Promise<number> {
  const started = performance.now();
  const run = await runPipeline({
    folder,
    definition: { source: 'conveyor.yml', stages: STAGES, security: false },
    history,
    trigger: 'cli',
  });
  if (run.result !== 'passed') throw new Error(`the pipeline ${run.result}`);
  return performance.now() - started;
}

function peakMemory(lines: number): { peakRssMb: number; baseRssMb: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'pipelineMemoryProbe.ts'), String(lines)], {
    cwd: path.resolve(__dirname, '..'),
    encoding: 'utf8',
  });
  return JSON.parse(out) as { peakRssMb: number; baseRssMb: number };
}

async function main(): Promise<void> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-pipeline-'));
  try {
    execFileSync('git', ['init', '-q'], { cwd: folder });
    writeFileSync(path.join(folder, 'README.md'), 'bench\n');
    const history = new RunHistory(path.join(folder, '.state'));
    const direct: number[] = [];
    const ownSession: number[] = [];
    const conveyor: number[] = [];
    // The engine's first run in a process also compiles its code (an editor's later runs do not): shown on its own,
    // not in the median. A second run of it and one of each baseline warm the file cache and the JIT for all three.
    const firstConveyor = await runWithConveyor(folder, history);
    await runWithConveyor(folder, history);
    await runDirectly(folder);
    await runDirectly(folder, true);
    // Each round takes the next of the six orders of the three kinds, so each kind follows each other about equally
    // often: a run right after one in its own session measured slower (the session's teardown), which a fixed order
    // charged to the same kind every time.
    const kinds = [
      async () => direct.push(await runDirectly(folder)),
      async () => ownSession.push(await runDirectly(folder, true)),
      async () => conveyor.push(await runWithConveyor(folder, history)),
    ];
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    for (let round = 0; round < RUNS; round++) for (const kind of orders[round % orders.length]) await kinds[kind]();
    const d = median(direct);
    const s = median(ownSession);
    const c = median(conveyor);
    console.log(`pipeline overhead (3 stages, 22,000 output lines, median of ${RUNS} rounds, in turn)`);
    console.log(`  sh -c directly                  : ${d.toFixed(0)} ms`);
    console.log(`  sh -c, each in its own session  : ${s.toFixed(0)} ms  (as a terminal starts it)`);
    console.log(`  conveyor                        : ${c.toFixed(0)} ms`);
    console.log(`  ratio                           : ${(c / d).toFixed(3)}  (goal ≤ 1.05)`);
    console.log(`  ratio to own-session sh -c      : ${(c / s).toFixed(3)}`);
    console.log(`  conveyor's first run (cold)     : ${firstConveyor.toFixed(0)} ms  (${(firstConveyor / d).toFixed(3)} of sh -c)`);

    // The extension host is several hundred MB, and Node starts a child by fork(), which copies the page tables of
    // the whole process (15 ms at 400 MB here, the event loop waiting). The engine starts stages from its launcher
    // (src/core/commandLauncher.ts), so its starts cost the same in a large process; `sh -c` from it pays each time.
    const ballast = hostSizedBallast(HOST_MB);
    const directInHost: number[] = [];
    const conveyorInHost: number[] = [];
    for (let round = 0; round < HOST_ROUNDS; round++) {
      if (round % 2) conveyorInHost.push(await runWithConveyor(folder, history));
      directInHost.push(await runDirectly(folder));
      if (!(round % 2)) conveyorInHost.push(await runWithConveyor(folder, history));
    }
    console.log(
      `the same from a process of ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB (an extension host's size), median of ${HOST_ROUNDS}`,
    );
    console.log(`  sh -c directly                  : ${median(directInHost).toFixed(0)} ms`);
    console.log(`  conveyor                        : ${median(conveyorInHost).toFixed(0)} ms`);
    console.log(`  ratio                           : ${(median(conveyorInHost) / median(directInHost)).toFixed(3)}`);
    ballast.length = 0;

    const small = peakMemory(100_000);
    const large = peakMemory(1_000_000);
    console.log('peak memory of the engine while a stage prints N lines (RSS of the engine process)');
    console.log(`  before the run     : ${large.baseRssMb.toFixed(0)} MB`);
    console.log(`  100,000 lines      : ${small.peakRssMb.toFixed(0)} MB`);
    console.log(`  1,000,000 lines    : ${large.peakRssMb.toFixed(0)} MB`);
    console.log(`  ratio 1M / 100k    : ${(large.peakRssMb / small.peakRssMb).toFixed(2)}  (10x the output; bounded means ≈ 1)`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

void main();
