import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { LoopTrace } from '../../../src/loop/trace/loopTrace';
import type { DeliveryMetricsReport } from '../../../src/loop/metrics/readDeliveryMetrics';
import { scriptedHistory, type ScriptedHistory } from '../../support/scriptedHistory';

const CLI = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

function conveyor(args: string[], cwd?: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('conveyor trace and conveyor metrics, the built dist/cli.js (integration)', () => {
  let h: ScriptedHistory;
  const sha: Record<string, string> = {};
  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run node esbuild.mjs`);
    h = await scriptedHistory();
    sha.c1 = await h.releasedCommit('feat: SHOP-1 cart', 4, 'run-1', '1.0.0');
    sha.c2 = h.commit('fix: SHOP-1 rounding', 2);
    await h.release('1.1.0', sha.c2, 'run-9');
    await h.error('TypeError', 'total is NaN', 'shop@1.1.0', 1);
  });
  after(() => h.ws.remove());

  it('prints an item trace stage by stage, with what the records miss (no belt records here)', () => {
    const { code, stdout } = conveyor(['trace', 'SHOP-1', h.ws.dir]);
    assert.equal(code, 0);
    assert.equal(
      stdout,
      [
        'Trace of work item SHOP-1',
        'Work items:',
        '  SHOP-1',
        'Commits:',
        `  ${sha.c2.slice(0, 7)}  fix: SHOP-1 rounding  → v1.1.0`,
        `  ${sha.c1.slice(0, 7)}  feat: SHOP-1 cart  → v1.0.0`,
        'Pipeline runs:',
        `  run-1  passed on ${sha.c1.slice(0, 7)}, marked ready`,
        'Releases:',
        `  v1.0.0  commit ${sha.c1.slice(0, 7)}  127.0.0.1:5000/shop@sha256:100eeeeeeeee…`,
        `  v1.1.0  commit ${sha.c2.slice(0, 7)}  127.0.0.1:5000/shop@sha256:110eeeeeeeee…`,
        'Environments:',
        '  none',
        'Errors:',
        `  LOCAL-1  TypeError: total is NaN  ×1 in shop@1.1.0, first seen ${h.at(1)}`,
        'Missing:',
        '  - No belt records (conveyor ship): where each release was deployed, and whether it was verified or rolled back, is unknown locally; the Deployments in the cluster say it in their conveyor.dev/release annotation.',
        "  - Pipeline run run-9, which found the release's commit ready, is no longer in the run history (it keeps the last 30 runs).",
        '',
      ].join('\n'),
    );
  });

  it('prints JSON for a release, an error id and a commit, run from inside the folder', () => {
    const release = JSON.parse(conveyor(['trace', 'v1.1.0', '--json'], h.ws.dir).stdout) as LoopTrace;
    assert.deepEqual(release.query, { kind: 'release', value: 'v1.1.0' });
    assert.deepEqual(
      release.commits.map((c) => c.sha),
      [sha.c2],
    );
    const error = JSON.parse(conveyor(['trace', 'LOCAL-1', '--json'], h.ws.dir).stdout) as LoopTrace;
    assert.deepEqual(
      error.releases.map((r) => r.tag),
      ['v1.1.0'],
    );
    const commit = JSON.parse(conveyor(['trace', sha.c1.slice(0, 10), '--json'], h.ws.dir).stdout) as LoopTrace;
    assert.deepEqual(
      commit.runs.map((r) => r.id),
      ['run-1'],
    );
  });

  it('exits 1 when nothing is known, 2 on usage errors', () => {
    const unknown = conveyor(['trace', 'SHOP-99', h.ws.dir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stdout, /^Nothing is known of work item SHOP-99/);
    assert.equal(conveyor(['trace'], h.ws.dir).code, 2);
    assert.equal(conveyor(['trace', 'SHOP-1', path.join(h.ws.dir, 'nope')]).code, 2);
    assert.equal(conveyor(['metrics', path.join(h.ws.dir, 'nope')]).code, 2);
  });

  it('prints the metrics: none without deployments (exit 1), then per environment once the belt shipped', async () => {
    const none = conveyor(['metrics', h.ws.dir]);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /No deployments on record\.\nMissing:\n {2}- No belt records/);

    await h.ship('belt-1', 3, '1.0.0', sha.c1, [{ name: 'staging' }]);
    await h.ship('belt-2', 1, '1.1.0', sha.c2, [{ name: 'staging', outcome: 'fails-verification' }]);
    const text = conveyor(['metrics', h.ws.dir]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^staging:$/m);
    assert.match(text.stdout, /deployment frequency {2}0\.03\/day \(1 of 2\)/);
    assert.match(text.stdout, /lead time for changes 1 d +\(before: –\)/);
    assert.match(text.stdout, /change failure rate {3}50% \(1 of 2\)/);
    assert.match(text.stdout, /time to restore {7}1 min 30 s/);

    const report = JSON.parse(conveyor(['metrics', h.ws.dir, '--json']).stdout) as DeliveryMetricsReport;
    assert.deepEqual(report.gaps, []);
    const [staging] = report.environments;
    assert.deepEqual(
      [
        staging.environment,
        staging.current.deployments,
        staging.current.failed,
        staging.current.leadTimeMs,
        staging.current.timeToRestoreMs,
      ],
      ['staging', 2, 1, 86_400_000 + 60_000, 90_000],
    );
  });
});
