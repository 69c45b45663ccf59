import * as assert from 'node:assert/strict';
import type { ReleaseToDeploy } from '../../../src/deploy/renderManifests';
import { deliveryMetrics, median } from '../../../src/loop/metrics/deliveryMetrics';
import { deploymentsFrom } from '../../../src/loop/metrics/deployments';
import { span } from '../../../src/loop/metrics/metricsText';
import { scriptedBeltRun, type ScriptedEnvironment } from '../../support/beltScript';

const DAY = 86_400_000;
const release = (version: string): ReleaseToDeploy => ({
  version: `v${version}`,
  commit: `${version.replace(/\./g, '')}`.padEnd(40, 'c'),
  image: '127.0.0.1:5000/shop',
  digest: `sha256:${'a'.repeat(64)}`,
});
const ship = (id: string, at: string, version: string, environments: ScriptedEnvironment[]) =>
  scriptedBeltRun({ id, at, release: release(version), environments });

/** Oldest commit each release brought. */
const RELEASES = [
  { version: '0.9.0', firstCommitAt: '2026-10-14T00:00:00.000Z' },
  { version: '1.0.0', firstCommitAt: '2026-11-20T00:00:00.000Z' },
  { version: '1.1.0', firstCommitAt: '2026-11-22T00:00:00.000Z' },
  { version: '1.2.0', firstCommitAt: '2026-11-25T00:00:00.000Z' },
];
const NOW = new Date('2026-12-01T00:00:00.000Z');

describe('delivery metrics (unit)', () => {
  it('reads deployments from the belt: verified, or rolled back (after failed verification or rollout) with the time of the rollback', async () => {
    const runs = [
      await ship('b2', '2026-11-23T00:00:00.000Z', '1.1.0', [{ name: 'staging', outcome: 'fails-verification' }]),
      await ship('b1', '2026-11-21T00:00:00.000Z', '1.0.0', [{ name: 'staging' }, { name: 'production' }]),
      await ship('b3', '2026-11-24T00:00:00.000Z', '1.1.1', [{ name: 'staging', outcome: 'fails-rollout' }]),
    ];
    const deployments = deploymentsFrom(runs);
    assert.deepEqual(
      deployments.map((d) => [d.beltRunId, d.environment, d.version, d.outcome, d.rolledOut, d.finishedAt, d.restoredAt]),
      [
        ['b1', 'staging', '1.0.0', 'verified', true, '2026-11-21T00:01:00.000Z', undefined],
        ['b1', 'production', '1.0.0', 'verified', true, '2026-11-21T00:03:00.000Z', undefined],
        ['b2', 'staging', '1.1.0', 'rolled-back', true, '2026-11-23T00:01:00.000Z', '2026-11-23T00:02:30.000Z'],
        ['b3', 'staging', '1.1.1', 'rolled-back', false, '2026-11-24T00:01:00.000Z', '2026-11-24T00:01:30.000Z'],
      ],
    );
  });

  it('computes the four keys per environment for this period and the one before, with the trend', async () => {
    const runs = [
      await ship('b0', '2026-10-15T00:00:00.000Z', '0.9.0', [{ name: 'staging' }]),
      await ship('b1', '2026-11-21T00:00:00.000Z', '1.0.0', [{ name: 'staging' }]),
      await ship('b2', '2026-11-23T00:00:00.000Z', '1.1.0', [{ name: 'staging', outcome: 'fails-verification' }]),
      await ship('b3', '2026-11-26T00:00:00.000Z', '1.2.0', [{ name: 'staging' }, { name: 'production' }]),
    ];
    const [staging, production] = deliveryMetrics(deploymentsFrom(runs), RELEASES, { now: NOW, periodDays: 30 });

    assert.equal(staging.environment, 'staging');
    const { from, to, ...current } = staging.current;
    assert.equal(from, '2026-11-01T00:00:00.000Z');
    assert.equal(to, '2026-12-01T00:00:00.000Z');
    assert.deepEqual(current, {
      deployments: 3,
      succeeded: 2,
      failed: 1,
      perDay: 2 / 30,
      // v1.0.0: 1 day + the 60 s rollout; v1.2.0 also brought v1.1.0 (rolled back), first written 4 days before.
      leadTimeMs: (DAY + 60_000 + 4 * DAY + 60_000) / 2,
      changeFailureRate: 1 / 3,
      // 60 s of verification, then 30 s of rollback.
      timeToRestoreMs: 90_000,
    });
    assert.deepEqual(staging.previous, {
      from: '2026-10-02T00:00:00.000Z',
      to: '2026-11-01T00:00:00.000Z',
      deployments: 1,
      succeeded: 1,
      failed: 0,
      perDay: 1 / 30,
      leadTimeMs: DAY + 60_000,
      changeFailureRate: 0,
    });
    assert.deepEqual(staging.trend, {
      deploymentFrequency: 'better',
      leadTime: 'worse',
      changeFailureRate: 'worse',
      timeToRestore: 'unknown',
    });

    // Production's first deployment brings every release up to v1.2.0, the oldest commit being v0.9.0's.
    assert.equal(production.environment, 'production');
    assert.equal(production.current.leadTimeMs, Date.parse('2026-11-26T00:03:00.000Z') - Date.parse('2026-10-14T00:00:00.000Z'));
    assert.equal(production.current.changeFailureRate, 0);
    assert.equal(production.previous.deployments, 0);
    assert.equal(production.previous.changeFailureRate, undefined);
    assert.equal(production.trend.changeFailureRate, 'unknown');
  });

  it('leaves out stopped and unfinished deployments, and a redeploy of the same release brings no change', async () => {
    const runs = [
      await ship('b1', '2026-11-21T00:00:00.000Z', '1.0.0', [{ name: 'staging' }]),
      await ship('b2', '2026-11-22T00:00:00.000Z', '1.0.0', [{ name: 'staging' }]),
    ];
    const deployments = deploymentsFrom(runs);
    deployments.push({ ...deployments[0], beltRunId: 'b9', outcome: 'stopped' });
    const [staging] = deliveryMetrics(deployments, RELEASES.slice(1), { now: NOW, periodDays: 30 });
    assert.equal(staging.current.deployments, 2);
    assert.equal(staging.current.succeeded, 2);
    assert.equal(staging.current.leadTimeMs, DAY + 60_000);
    assert.deepEqual(deliveryMetrics([], RELEASES, { now: NOW, periodDays: 30 }), []);
  });

  it('takes the median and prints spans a person reads', () => {
    assert.equal(median([]), undefined);
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.deepEqual([undefined, 40_000, 450_000, 5 * 3_600_000 + 12 * 60_000, 3 * DAY + 4 * 3_600_000, 2 * DAY].map(span), [
      '–',
      '40 s',
      '7 min 30 s',
      '5 h 12 min',
      '3 d 4 h',
      '2 d',
    ]);
  });
});
