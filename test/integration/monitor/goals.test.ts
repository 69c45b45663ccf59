import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { GoalConfig } from '../../../src/core/config/conveyorConfig';
import { GoalHistory } from '../../../src/monitor/goals/goalHistory';
import { GoalRunner } from '../../../src/monitor/goals/goalRunner';
import { measureHttpJson } from '../../../src/monitor/goals/httpJsonGoal';
import { resolveLighthouseCli, runLighthouse } from '../../../src/monitor/goals/lighthouse';
import { startProbeTargets, type ProbeTargets } from '../../support/probeTargets';
import { closedPort } from '../../support/stubServer';

const CHROMIUM = '/usr/bin/chromium';
/** Runs Lighthouse as the extension host would, until the test kills it. */
const LIGHTHOUSE_HOST = path.resolve(__dirname, '../../support/lighthouseHost.ts');

/** Running Lighthouse and Lighthouse-driven Chromium processes, as `pid command line`. */
function lighthouseProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const lighthouse = cmdline.includes('conveyor-lighthouse-') || cmdline.includes('--user-data-dir=/tmp/lighthouse.');
      if (lighthouse && !cmdline.includes('mocha')) found.push(`${pid} ${cmdline.slice(0, 120)}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Folders a Lighthouse run makes in the temporary folder: the run's own, and Chromium's profile (chrome-launcher's). */
function lighthouseFolders(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('conveyor-lighthouse-') || name.startsWith('lighthouse.'));
}

/**
 * Waits up to 5 s for the Lighthouse processes that were not running `before` to end (to prove a stopped run left
 * nothing behind; another run's leftovers are not this one's); returns those still running.
 */
async function lighthouseLeftovers(before: string[]): Promise<string[]> {
  const started = () => lighthouseProcesses().filter((p) => !before.includes(p));
  for (let i = 0; i < 50 && started().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  return started();
}

describe('goals against real servers (integration)', function () {
  let targets: ProbeTargets;
  let dir: string;
  const jsonGoal = (valuePath: string, extra: Partial<GoalConfig> = {}): GoalConfig => ({
    name: 'users',
    source: 'http-json',
    url: `${targets.url}/metrics.json`,
    valuePath,
    ...extra,
  });

  before(async () => {
    targets = await startProbeTargets();
  });
  after(() => targets.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'conveyor-goals-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('http-json', () => {
    it('reads a number at a dot path, with array indices and numeric strings', async () => {
      assert.equal(await measureHttpJson(jsonGoal('data.users.total')), 1234);
      assert.equal(await measureHttpJson(jsonGoal('data.users.active')), 87);
      assert.equal(await measureHttpJson(jsonGoal('items[0].value')), 3.5);
    });

    it('says which segment of the path is missing', async () => {
      await assert.rejects(measureHttpJson(jsonGoal('data.customers.total')), {
        message: `${targets.url}/metrics.json: valuePath "data.customers.total": "customers" is missing in data (keys: users).`,
      });
      await assert.rejects(measureHttpJson(jsonGoal('items[3].value')), /\[3\] is past the end of items \(1 items\)/);
      await assert.rejects(measureHttpJson(jsonGoal('data.users')), /valuePath "data.users" is an object, not a number/);
    });

    it('shows how an answer that is not JSON starts', async () => {
      await assert.rejects(measureHttpJson({ ...jsonGoal('a'), url: `${targets.url}/not-json` }), {
        message: `${targets.url}/not-json: the answer is not JSON (it starts with "<!DOCTYPE html><html><body>Sign in</body></html>").`,
      });
    });

    it('refuses an answer over the limit that gives no length (chunked) or only its compressed one (gzip)', async () => {
      const big = JSON.stringify({ value: 7, padding: 'x'.repeat(5_000_000) });
      const server = http.createServer((request, response) => {
        if (request.url === '/chunked') {
          response.writeHead(200, { 'content-type': 'application/json' });
          for (let at = 0; at < big.length; at += 65_536) response.write(big.slice(at, at + 65_536));
          response.end();
        } else {
          const small = request.url === '/small.gz';
          response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          response.end(zlib.gzipSync(small ? '{"value": 7}' : big));
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        for (const where of ['/chunked', '/big.gz']) {
          await assert.rejects(measureHttpJson({ ...jsonGoal('value'), url: `${base}${where}` }, { maxBytes: 1024 * 1024 }), {
            message: `${base}${where} answered more than 1048576 bytes, more than a goal reads.`,
          });
        }
        assert.equal(await measureHttpJson({ ...jsonGoal('value'), url: `${base}/small.gz` }, { maxBytes: 1024 * 1024 }), 7);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('reports HTTP errors and unreachable servers in one sentence', async () => {
      await assert.rejects(measureHttpJson({ ...jsonGoal('a'), url: `${targets.url}/unavailable` }), {
        message: `${targets.url}/unavailable answered 503 Service Unavailable.`,
      });
      const url = `http://127.0.0.1:${await closedPort()}/x`;
      await assert.rejects(measureHttpJson({ ...jsonGoal('a'), url }), { message: `${url} could not be reached: connection refused.` });
      await assert.rejects(measureHttpJson({ ...jsonGoal('a'), url: `${targets.url}/slow?ms=3000` }, { timeoutMs: 300 }), {
        message: `${targets.url}/slow?ms=3000 did not answer within 0.3 s.`,
      });
    });

    it('records measurements, keeps them across a reload and judges them against the target', async () => {
      const goal = jsonGoal('data.users.total', { target: 1000 });
      const history = new GoalHistory(dir, { debounceMs: 10 });
      await history.load([goal]);
      const runner = new GoalRunner([goal], { history });
      const seen: number[] = [];
      runner.onMeasurement((e) => seen.push(e.measurement.value ?? NaN));
      const first = runner.measureNow('users');
      assert.equal(runner.measureNow('users'), first, 'a second request joins the measurement in flight');
      assert.equal((await first!).value, 1234);
      await runner.measureAll();
      await history.flush();

      const reloaded = new GoalHistory(dir);
      await reloaded.load([goal]);
      assert.equal(reloaded.measurements(goal).length, 2);
      const progress = reloaded.progress(goal);
      assert.equal(progress.value, 1234);
      assert.equal(progress.met, true);
      assert.equal(progress.trend, 'flat');
      assert.deepEqual(progress.recent, [1234, 1234]);
      assert.equal(progress.series[0].length, 2);
      assert.deepEqual(seen, [1234, 1234]);
      assert.equal(reloaded.progress({ ...goal, target: 2000 }).met, false, 'a new target keeps the history');
    });
  });

  describe('lighthouse', function () {
    this.timeout(180_000);

    it('resolves the Lighthouse CLI from node_modules, else npx with the pinned version', () => {
      const installed = resolveLighthouseCli(undefined, [tmpdir(), process.cwd()]);
      assert.equal(installed.source, 'installed');
      assert.match(installed.args[0], /node_modules\/lighthouse\/cli\/index\.js$/);
      assert.deepEqual(resolveLighthouseCli(undefined, [tmpdir()]), {
        command: 'npx',
        args: ['--yes', 'lighthouse@12.2.3'],
        source: 'npx',
      });
      assert.equal(resolveLighthouseCli('/opt/lh/cli/index.js', []).command, process.execPath);
    });

    it('measures a local page with real Lighthouse 12.2.3 and Chromium', async () => {
      const foldersBefore = lighthouseFolders();
      const metrics = await runLighthouse(`${targets.url}/page`, { searchDirs: [process.cwd()], chromePath: CHROMIUM });
      assert.equal(metrics.lighthouseVersion, '12.2.3');
      assert.ok(metrics.performance >= 0 && metrics.performance <= 100, `score ${metrics.performance}`);
      assert.ok(metrics.lcpMs > 0, `LCP ${metrics.lcpMs}`);
      assert.ok(metrics.tbtMs >= 0);
      assert.ok(metrics.cls >= 0);
      assert.deepEqual(lighthouseFolders(), foldersBefore, 'the run removed its folder and Chromium profile');
    });

    it('measures a lighthouse goal through the runner and history', async () => {
      const goal: GoalConfig = { name: 'speed', source: 'lighthouse', url: `${targets.url}/page`, metric: 'lcp', target: 60_000 };
      const history = new GoalHistory(dir);
      const runner = new GoalRunner([goal], { history, lighthouse: { searchDirs: [process.cwd()], chromePath: CHROMIUM } });
      const measurement = await runner.measureNow('speed')!;
      assert.equal(measurement.error, undefined);
      assert.equal(measurement.value, measurement.lighthouse?.lcpMs);
      const progress = history.progress(goal);
      assert.equal(progress.direction, 'down', 'lower LCP is better');
      assert.equal(progress.met, true);
      await history.flush();
    });

    it('says the page could not be loaded, from the runtimeError in the report', async () => {
      const url = `http://127.0.0.1:${await closedPort()}/`;
      await assert.rejects(runLighthouse(url, { searchDirs: [process.cwd()], chromePath: CHROMIUM }), (error: Error) => {
        assert.match(error.message, new RegExp(`^Lighthouse could not load ${url.replace(/[.]/g, '\\.')} \\([A-Z_]+\\): .+\\.$`));
        return true;
      });
    });

    it('says Chromium is missing without starting anything', async () => {
      await assert.rejects(runLighthouse(`${targets.url}/page`, { chromePath: '/nonexistent/chromium' }), {
        message: 'Chromium was not found at /nonexistent/chromium; install chromium or set CHROME_PATH.',
      });
    });

    it('stops a run that outlasts its timeout, with its whole process group', async () => {
      const before = lighthouseProcesses();
      const foldersBefore = lighthouseFolders();
      // A page whose body never ends keeps Lighthouse (and its Chromium) busy until the timeout.
      const started = performance.now();
      await assert.rejects(
        runLighthouse(`${targets.url}/slow-body`, { searchDirs: [process.cwd()], chromePath: CHROMIUM, timeoutMs: 5000 }),
        {
          message: 'Lighthouse did not finish within 5 s and was stopped.',
        },
      );
      assert.ok(performance.now() - started < 9000);
      assert.deepEqual(await lighthouseLeftovers(before), [], 'neither Lighthouse nor the Chromium it started is left running');
      // chrome-launcher removes Chromium's profile only when Lighthouse ends on its own; here the run's removal does.
      assert.deepEqual(lighthouseFolders(), foldersBefore, 'the stopped run left no folder or Chromium profile behind');
    });

    it('stops a run whose host was killed (an extension host dropped with its window), Chromium included', async () => {
      const before = lighthouseProcesses();
      const dirsBefore = lighthouseFolders();
      const host = spawn(process.execPath, ['--import', 'tsx', LIGHTHOUSE_HOST, `${targets.url}/slow-body`, CHROMIUM], { stdio: 'ignore' });
      try {
        // Killed once Lighthouse has its Chromium running on the page.
        const chromium = () => lighthouseProcesses().filter((p) => !before.includes(p) && /chrom/.test(p));
        for (let i = 0; i < 300 && chromium().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
        assert.notDeepEqual(chromium(), [], 'Lighthouse started Chromium');
        host.kill('SIGKILL');
        assert.deepEqual(await lighthouseLeftovers(before), [], 'neither Lighthouse nor its Chromium outlives the host');
      } finally {
        host.kill('SIGKILL');
        // The killed host could not remove its run's folder.
        for (const name of lighthouseFolders())
          if (!dirsBefore.includes(name)) rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
      }
    });
  });
});
