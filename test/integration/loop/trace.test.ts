import * as assert from 'node:assert/strict';
import { readDeliveryMetrics } from '../../../src/loop/metrics/readDeliveryMetrics';
import type { LoopTrace } from '../../../src/loop/trace/loopTrace';
import { traceFrom } from '../../../src/loop/trace/traceFrom';
import { DAY, digestOf, scriptedHistory, type ScriptedHistory } from '../../support/scriptedHistory';

const MIN = 60_000;

/** What a trace links to, by the ids a person would look up. */
const linksOf = (trace: LoopTrace) => ({
  commits: trace.commits.map((c) => c.sha),
  items: trace.items.map((i) => i.key),
  runs: trace.runs.map((r) => r.id),
  releases: trace.releases.map((r) => r.tag),
  errors: trace.errors.map((e) => e.shortId),
});

describe('the loop trace and delivery metrics on a real repository (integration)', () => {
  let h: ScriptedHistory;
  const sha: Record<string, string> = {};
  before(async () => {
    h = await scriptedHistory();
    sha.c1 = h.commit('feat: SHOP-1 cart', 10);
    sha.c2 = await h.releasedCommit('feat: SHOP-2 search', 9, 'run-2', '1.0.0');
    sha.c3 = await h.releasedCommit('fix: SHOP-1 rounding', 6, 'run-3', '1.1.0');
    sha.c4 = await h.releasedCommit('feat: SHOP-3 wishlist', 3, 'run-4', '1.2.0');
    await h.ship('belt-1', 8, '1.0.0', sha.c2, [{ name: 'staging' }, { name: 'production' }]);
    await h.ship('belt-2', 5, '1.1.0', sha.c3, [{ name: 'staging' }, { name: 'production', outcome: 'fails-verification' }]);
    await h.ship('belt-3', 2, '1.2.0', sha.c4, [{ name: 'staging' }, { name: 'production' }]);
    await h.error('TypeError', 'total is NaN', 'shop@1.1.0', 4.5);
    await h.error('RangeError', 'page out of range', 'shop@1.2.0', 1.5);
  });
  after(() => h.ws.remove());

  it('traces a work item through its commits, runs, releases, environments and errors', async () => {
    const trace = await traceFrom(h.ws.dir, { item: 'SHOP-1' });
    assert.equal(trace.found, true);
    assert.deepEqual(trace.items, [{ key: 'SHOP-1', branches: [] }]);
    assert.deepEqual(
      trace.commits.map((c) => [c.sha, c.subject, c.release, c.authoredAt]),
      [
        [sha.c3, 'fix: SHOP-1 rounding', '1.1.0', h.at(6)],
        [sha.c1, 'feat: SHOP-1 cart', '1.0.0', h.at(10)],
      ],
    );
    assert.deepEqual(
      trace.runs.map((r) => [r.id, r.commit]),
      [
        ['run-3', sha.c3],
        ['run-2', sha.c2],
      ],
    );
    assert.deepEqual(
      trace.releases.map((r) => [r.tag, r.commit, r.readyRun, r.image, r.digest]),
      [
        ['v1.0.0', sha.c2, 'run-2', '127.0.0.1:5000/shop', digestOf('1.0.0')],
        ['v1.1.0', sha.c3, 'run-3', '127.0.0.1:5000/shop', digestOf('1.1.0')],
      ],
    );
    const after = (days: number, ms: number) => new Date(Date.parse(h.at(days)) + ms).toISOString();
    assert.deepEqual(
      trace.environments.map((e) => [e.name, e.version, e.outcome, e.since, e.rolledBackAt, e.current]),
      [
        ['staging', '1.0.0', 'verified', after(8, MIN), undefined, false],
        ['production', '1.0.0', 'verified', after(8, 3 * MIN), undefined, false],
        ['staging', '1.1.0', 'verified', after(5, MIN), undefined, false],
        ['production', '1.1.0', 'rolled-back', after(5, 3 * MIN), after(5, 4.5 * MIN), false],
      ],
    );
    assert.deepEqual(
      trace.errors.map((e) => [e.shortId, e.title, e.firstRelease, e.firstSeen]),
      [['LOCAL-1', 'TypeError: total is NaN', 'shop@1.1.0', h.at(4.5)]],
    );
    assert.deepEqual(trace.gaps, []);
  });

  it('traces a release, a commit and an error to the same links', async () => {
    const release = await traceFrom(h.ws.dir, { release: 'v1.2.0' });
    assert.deepEqual(linksOf(release), {
      commits: [sha.c4],
      items: ['SHOP-3'],
      runs: ['run-4'],
      releases: ['v1.2.0'],
      errors: ['LOCAL-2'],
    });
    assert.deepEqual(
      release.environments.map((e) => [e.name, e.outcome, e.current]),
      [
        ['staging', 'verified', true],
        ['production', 'verified', true],
      ],
    );
    const commit = await traceFrom(h.ws.dir, { commit: sha.c3.slice(0, 7) });
    assert.deepEqual(linksOf(commit), { commits: [sha.c3], items: ['SHOP-1'], runs: ['run-3'], releases: ['v1.1.0'], errors: ['LOCAL-1'] });
    const error = await traceFrom(h.ws.dir, { errorId: 'LOCAL-1' });
    assert.deepEqual(linksOf(error), linksOf(commit));
    assert.deepEqual(error.gaps, []);
  });

  it('computes the four keys per environment exactly', async () => {
    const report = await readDeliveryMetrics(h.ws.dir, { now: new Date(h.base), periodDays: 30 });
    assert.deepEqual(report.gaps, []);
    const [staging, production] = report.environments;
    assert.equal(staging.environment, 'staging');
    assert.deepEqual(
      [staging.current.deployments, staging.current.succeeded, staging.current.failed, staging.current.perDay],
      [3, 3, 0, 3 / 30],
    );
    // v1.0.0 reached staging 2 days after SHOP-1's first commit, v1.1.0 and v1.2.0 one day after theirs (+ the 60 s rollout).
    assert.equal(staging.current.leadTimeMs, DAY + MIN);
    assert.equal(staging.current.changeFailureRate, 0);
    assert.equal(staging.current.timeToRestoreMs, undefined);
    assert.equal(production.environment, 'production');
    assert.deepEqual(
      [production.current.deployments, production.current.succeeded, production.current.failed, production.current.perDay],
      [3, 2, 1, 2 / 30],
    );
    // v1.0.0: 2 days + 3 min; v1.2.0 also brings the rolled-back v1.1.0, first written 6 days before: 4 days + 3 min.
    assert.equal(production.current.leadTimeMs, 3 * DAY + 3 * MIN);
    assert.equal(production.current.changeFailureRate, 1 / 3);
    // 60 s of failed verification, then the 30 s rollback.
    assert.equal(production.current.timeToRestoreMs, 90_000);
    assert.deepEqual(production.trend, {
      deploymentFrequency: 'better',
      leadTime: 'unknown',
      changeFailureRate: 'unknown',
      timeToRestore: 'unknown',
    });
  });
});

describe('the loop trace on a history with gaps (integration)', () => {
  let h: ScriptedHistory;
  const sha: Record<string, string> = {};
  before(async () => {
    h = await scriptedHistory('gaps');
    sha.c1 = await h.releasedCommit('feat: SHOP-1 cart', 10, 'run-1', '1.0.0');
    sha.c2 = await h.releasedCommit('fix: SHOP-1 rounding', 6, 'run-2', '1.1.0');
    await h.ship('belt-1', 5, '1.1.0', sha.c2, [{ name: 'staging' }]);
    h.git('tag', '-d', 'v1.1.0');
    // A branch pushed, run, then force-pushed away: git forgets the commit, the run history does not.
    h.git('checkout', '-q', '-b', 'feat/SHOP-4-coupon');
    sha.c5 = h.commit('feat: SHOP-4 coupon', 1);
    await h.run('run-5', sha.c5);
    h.git('checkout', '-q', 'main');
    h.git('branch', '-q', '-D', 'feat/SHOP-4-coupon');
    h.git('reflog', 'expire', '--expire=now', '--all');
    h.git('gc', '-q', '--prune=now');
  });
  after(() => h.ws.remove());

  it('a deleted tag: the release from the belt, its run, and what is missing', async () => {
    const trace = await traceFrom(h.ws.dir, { release: 'v1.1.0' });
    assert.equal(trace.found, true);
    assert.deepEqual(trace.releases, [{ version: '1.1.0', tag: 'v1.1.0', tagMissing: true, commit: sha.c2, digest: digestOf('1.1.0') }]);
    assert.deepEqual(trace.commits, []);
    assert.deepEqual(
      trace.runs.map((r) => r.id),
      ['run-2'],
    );
    assert.deepEqual(
      trace.environments.map((e) => [e.name, e.outcome, e.current]),
      [['staging', 'verified', true]],
    );
    assert.deepEqual(trace.gaps, [
      `Tag v1.1.0 is not in this repository (deleted, or not fetched: git fetch --tags): its record and the commits it brought are unknown; the belt's records say it was built from ${sha.c2.slice(0, 7)}.`,
    ]);

    const item = await traceFrom(h.ws.dir, { item: 'SHOP-1' });
    assert.deepEqual(
      item.commits.map((c) => [c.sha, c.release]),
      [
        [sha.c2, undefined],
        [sha.c1, '1.0.0'],
      ],
    );
  });

  it('a force-pushed commit: the run that tested it, and what is missing', async () => {
    const trace = await traceFrom(h.ws.dir, { commit: sha.c5 });
    assert.equal(trace.found, true);
    assert.deepEqual(trace.commits, []);
    assert.deepEqual(
      trace.runs.map((r) => [r.id, r.commit]),
      [['run-5', sha.c5]],
    );
    assert.match(trace.gaps[0], new RegExp(`^Commit ${sha.c5.slice(0, 7)} is not in this repository \\(its branch was force-pushed`));
  });

  it('metrics with a deleted tag: the change is measured from the releases still known', async () => {
    const report = await readDeliveryMetrics(h.ws.dir, { now: new Date(h.base), periodDays: 30 });
    assert.equal(report.environments.length, 1);
    assert.equal(report.environments[0].current.leadTimeMs, 5 * DAY + MIN);
  });
});
