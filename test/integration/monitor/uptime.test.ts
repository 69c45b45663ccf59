import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { UptimeCheckConfig } from '../../../src/core/config/conveyorConfig';
import { probe } from '../../../src/monitor/uptime/probe';
import { UptimeHistory } from '../../../src/monitor/uptime/uptimeHistory';
import { resultCovers } from '../../../src/monitor/uptime/uptimeStats';
import { UptimeMonitor } from '../../../src/monitor/uptime/uptimeMonitor';
import type { UptimeTransition } from '../../../src/monitor/uptime/uptimeScheduler';
import { startProbeTargets, type ProbeTargets } from '../../support/probeTargets';
import { closedPort } from '../../support/stubServer';
import { VirtualClock } from '../../support/virtualClock';

describe('uptime probes against real HTTP servers (integration)', function () {
  let targets: ProbeTargets;
  let dir: string;
  const check = (pathname: string, extra: Partial<UptimeCheckConfig> = {}): UptimeCheckConfig => ({
    name: pathname,
    url: `${targets.url}${pathname}`,
    ...extra,
  });

  before(async () => {
    targets = await startProbeTargets();
  });
  after(() => targets.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'conveyor-uptime-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports an answering endpoint as up, with its status and latency', async () => {
    const result = await probe(check('/ok'));
    assert.equal(result.ok, true);
    assert.equal(result.status, 200);
    assert.equal(result.reason, undefined);
    assert.ok(result.latencyMs >= 0 && result.latencyMs < 2000);
    assert.ok(Math.abs(result.at - Date.now()) < 5000);
  });

  it('sends credentials written in the URL as Basic auth, and never shows the password', async () => {
    const url = targets.url.replace('http://', 'http://probe:s3cret@');
    const up = await probe({ name: 'private', url: `${url}/private` });
    assert.deepEqual([up.ok, up.status], [true, 200]);
    const wrong = await probe({ name: 'private', url: `${url.replace('s3cret', 'wrong-pass')}/private` });
    assert.deepEqual([wrong.ok, wrong.status], [false, 401]);
    assert.doesNotMatch(JSON.stringify(wrong), /wrong-pass/);
    const invalid = await probe({ name: 'broken', url: 'http://probe:s3cret@[bad/' });
    assert.equal(invalid.reason, '"http://[bad/" is not a valid URL');
  });

  it('reports a slow endpoint as down with a timeout reason, returning at the timeout', async () => {
    const started = performance.now();
    const result = await probe(check('/slow?ms=5000', { timeout: 0.5 }));
    const elapsed = performance.now() - started;
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'timed out after 0.5 s');
    assert.ok(elapsed >= 480 && elapsed < 800, `returned after ${Math.round(elapsed)} ms`);
  });

  it('times out a body that never ends, too', async () => {
    const started = performance.now();
    const result = await probe(check('/slow-body', { timeout: 0.4, keyword: 'done' }));
    assert.equal(result.reason, 'timed out after 0.4 s');
    assert.ok(performance.now() - started < 700);
  });

  it('reports a 503 as down, saying what was expected', async () => {
    assert.deepEqual(pick(await probe(check('/unavailable'))), { ok: false, status: 503, reason: 'unexpected status 503 (expected 2xx)' });
    assert.deepEqual(pick(await probe(check('/ok', { expectStatus: 204 }))), {
      ok: false,
      status: 200,
      reason: 'unexpected status 200 (expected 204)',
    });
    assert.deepEqual(pick(await probe(check('/unavailable', { expectStatus: 503 }))), { ok: true, status: 503, reason: undefined });
  });

  it('follows redirects and judges the final answer', async () => {
    assert.deepEqual(pick(await probe(check('/moved'))), { ok: true, status: 200, reason: undefined });
    assert.deepEqual(pick(await probe(check('/hop?n=4'))), { ok: true, status: 200, reason: undefined });
    assert.deepEqual(
      pick(await probe(check('/moved', { expectStatus: 301 }))),
      { ok: true, status: 301, reason: undefined },
      'a check that expects the redirect gets it',
    );
  });

  it('reports a redirect loop (or more than 5 hops) as down', async () => {
    assert.deepEqual(pick(await probe(check('/loop'))), { ok: false, status: undefined, reason: 'too many redirects (more than 5)' });
    assert.equal((await probe(check('/hop?n=5'))).reason, 'too many redirects (more than 5)');
  });

  it('reports a closed port as connection refused', async () => {
    const port = await closedPort();
    const result = await probe({ name: 'gone', url: `http://127.0.0.1:${port}/` });
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'connection refused');
  });

  it('checks the keyword in the body, within the first megabyte', async () => {
    assert.equal((await probe(check('/page', { keyword: 'in stock' }))).ok, true);
    const missing = await probe(check('/page', { keyword: 'sold out' }));
    assert.deepEqual(pick(missing), { ok: false, status: 200, reason: 'keyword "sold out" missing from the response' });
    assert.equal((await probe(check('/big', { keyword: 'needle' }))).ok, false, 'the word after 3 MB is not read');
  });

  it('keeps history across a reload, and moves a corrupt file aside', async () => {
    const ref = check('/ok');
    const history = new UptimeHistory(dir);
    await history.load([ref]);
    for (let i = 0; i < 3; i++) history.record(ref, await probe(ref));
    history.record(ref, await probe(check('/unavailable', { name: ref.name, url: ref.url, expectStatus: 418 })));
    await history.flush();

    const reloaded = new UptimeHistory(dir);
    assert.deepEqual(await reloaded.load([ref]), []);
    assert.deepEqual(reloaded.results(ref), history.results(ref));
    const stats = reloaded.stats(ref);
    // Three up, then one down: by time, the last stands for as long as the one before it (see uptimeStats).
    const results = reloaded.results(ref);
    const covers = resultCovers(results);
    const upShare = (covers.slice(0, 3).reduce((a, b) => a + b, 0) / covers.reduce((a, b) => a + b, 0)) * 100;
    assert.equal(stats.uptime24h, upShare);
    assert.ok(upShare > 0 && upShare < 100);
    assert.equal(stats.lastStatus, 'down');
    assert.equal(stats.probes24h, 4);
    assert.deepEqual(reloaded.series(ref).up, [1, 1, 1, 0]);

    const file = readdirSync(dir).find((f) => f.endsWith('.json'))!;
    writeFileSync(path.join(dir, file), '{"version":1,"results":');
    const problems: string[] = [];
    const fresh = new UptimeHistory(dir, { onProblem: (p) => problems.push(p) });
    const returned = await fresh.load([ref]);
    assert.equal(returned.length, 1);
    assert.deepEqual(problems, returned);
    assert.match(
      returned[0],
      /^Uptime history of "\/ok" was unreadable \(.+\); it was moved to .+\.corrupt-\d+ and history starts fresh\.$/,
    );
    assert.equal(fresh.results(ref).length, 0);
    assert.ok(readdirSync(dir).some((f) => f.includes('.corrupt-')));
  });

  it('notifies once per transition: up, down, down, up gives two notifications', async () => {
    targets.health.status = 200;
    const clock = new VirtualClock();
    const health = check('/health', { name: 'health', interval: 30, timeout: 2 });
    const monitor = await UptimeMonitor.open(dir, [health], { scheduler: { clock, random: () => 0.5 }, history: { debounceMs: 10 } });
    const transitions: UptimeTransition[] = [];
    monitor.scheduler.onTransition((t) => transitions.push(t));
    // Virtual time moves only once the real HTTP probe in flight has finished.
    const settle = async () => {
      await new Promise((r) => setImmediate(r));
      while (monitor.scheduler.isProbing('health')) await new Promise((r) => setTimeout(r, 5));
    };
    monitor.scheduler.start();
    const statuses: string[] = [];
    for (const status of [200, 503, 503, 200]) {
      targets.health.status = status;
      await clock.advance(30_000, settle);
      statuses.push(monitor.scheduler.status('health'));
    }
    assert.deepEqual(statuses, ['up', 'down', 'down', 'up']);
    assert.deepEqual(
      transitions.map((t) => `${t.from}→${t.to}`),
      ['up→down', 'down→up'],
    );
    assert.equal(transitions[0].result.reason, 'unexpected status 503 (expected 2xx)');
    assert.equal(targets.hits.get('/health'), 4);

    // After a reload the check is still known to be up: an up result is no news.
    await monitor.dispose();
    const reopened = await UptimeMonitor.open(dir, [health], { scheduler: { clock } });
    assert.equal(reopened.scheduler.status('health'), 'up');
    assert.equal(reopened.history.stats(health).uptime24h, 50);
    await reopened.dispose();
  });
});

function pick(result: { ok: boolean; status?: number; reason?: string }) {
  return { ok: result.ok, status: result.status, reason: result.reason };
}
