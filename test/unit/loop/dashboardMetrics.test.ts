import * as assert from 'node:assert/strict';
import type { BeltRun } from '../../../src/loop/belt/beltRun';
import { keptRuns } from '../../../src/loop/belt/beltHistory';
import { dashboardMetrics } from '../../../src/loop/metrics/dashboardMetrics';
import { deliveryMetrics } from '../../../src/loop/metrics/deliveryMetrics';
import { deploymentsFrom } from '../../../src/loop/metrics/deployments';
import type { DeliveryMetricsReport } from '../../../src/loop/metrics/readDeliveryMetrics';
import { scriptedBeltRun, type ScriptedEnvironment } from '../../support/beltScript';

const DAY = 86_400_000;
const NOW = new Date('2026-12-01T00:00:00.000Z');
const ship = (id: string, at: string, version: string, environments: ScriptedEnvironment[]) =>
  scriptedBeltRun({
    id,
    at,
    release: { version: `v${version}`, commit: 'c'.repeat(40), image: '127.0.0.1:5000/shop', digest: `sha256:${'a'.repeat(64)}` },
    environments,
  });
const report = (environments: DeliveryMetricsReport['environments'], gaps: string[] = []): DeliveryMetricsReport => ({
  folder: '/shop',
  now: NOW.toISOString(),
  periodDays: 30,
  environments,
  gaps,
});

describe('delivery metrics on the monitoring dashboard (unit)', () => {
  it('words each key with what it counts, the value of the 30 days before and which way it moved', async () => {
    const runs = [
      await ship('b0', '2026-10-15T00:00:00.000Z', '0.9.0', [{ name: 'staging' }]),
      await ship('b1', '2026-11-21T00:00:00.000Z', '1.0.0', [{ name: 'staging' }]),
      await ship('b2', '2026-11-23T00:00:00.000Z', '1.1.0', [{ name: 'staging', outcome: 'fails-verification' }]),
      await ship('b3', '2026-11-26T00:00:00.000Z', '1.2.0', [{ name: 'staging' }]),
    ];
    const firstCommits = [
      { version: '0.9.0', firstCommitAt: '2026-10-14T00:00:00.000Z' },
      { version: '1.0.0', firstCommitAt: '2026-11-20T00:00:00.000Z' },
      { version: '1.1.0', firstCommitAt: '2026-11-22T00:00:00.000Z' },
      { version: '1.2.0', firstCommitAt: '2026-11-25T00:00:00.000Z' },
    ];
    const section = dashboardMetrics(report(deliveryMetrics(deploymentsFrom(runs), firstCommits, { now: NOW, periodDays: 30 })));

    assert.deepEqual(section, {
      state: 'metrics',
      periodDays: 30,
      gaps: [],
      environments: [
        {
          name: 'staging',
          metrics: [
            // 2 verified in 30 days against 1: more often is better.
            {
              name: 'Deployment frequency',
              value: '0.07/day',
              detail: '2 verified of 3 deployments',
              previous: '0.03/day',
              trend: 'better',
              arrow: '↑',
            },
            // Median of 1 d 1 min (v1.0.0) and 4 d 1 min (v1.2.0 also brings the rolled-back v1.1.0) against 1 d 1 min.
            { name: 'Lead time for changes', value: '2 d 12 h', previous: '1 d', trend: 'worse', arrow: '↑' },
            {
              name: 'Change failure rate',
              value: '33%',
              detail: '1 failed or rolled back of 3 deployments',
              previous: '0%',
              trend: 'worse',
              arrow: '↑',
            },
            // 60 s of failed verification, then the 30 s rollback; nothing to restore before.
            { name: 'Time to restore', value: '1 min 30 s', previous: '–', trend: 'unknown', arrow: '' },
          ],
        },
      ],
    });
  });

  it('points down when a lower value is better, and levels when nothing moved', async () => {
    const runs = [
      await ship('b1', '2026-10-20T00:00:00.000Z', '1.0.0', [{ name: 'production', outcome: 'fails-verification' }]),
      await ship('b2', '2026-10-21T00:00:00.000Z', '1.0.1', [{ name: 'production' }]),
      await ship('b3', '2026-11-20T00:00:00.000Z', '1.1.0', [{ name: 'production' }]),
    ];
    const [production] = deliveryMetrics(deploymentsFrom(runs), [], { now: NOW, periodDays: 30 });
    const section = dashboardMetrics(report([production]));
    assert.equal(section.state, 'metrics');
    const byName = new Map(section.state === 'metrics' ? section.environments[0].metrics.map((m) => [m.name, m]) : []);
    assert.deepEqual(
      [byName.get('Deployment frequency'), byName.get('Change failure rate')].map((m) => [m?.value, m?.previous, m?.trend, m?.arrow]),
      [
        ['0.03/day', '0.03/day', 'same', '='],
        ['0%', '50%', 'better', '↓'],
      ],
    );
  });

  it('asks for a first ship when no deployment is on record, and keeps the list of gaps short', async () => {
    const empty = dashboardMetrics(report([], ['No belt records (conveyor ship): …']));
    assert.equal(empty.state, 'empty');
    assert.match(
      empty.state === 'empty' ? empty.message : '',
      /^Ship a release to see delivery metrics: “Conveyor: Ship” \(or conveyor ship\)/,
    );

    const [staging] = deliveryMetrics(deploymentsFrom([await ship('b1', '2026-11-20T00:00:00.000Z', '1.0.0', [{ name: 'staging' }])]), [], {
      now: NOW,
      periodDays: 30,
    });
    const gaps = ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0', 'v1.4.0'].map((tag) => `Tag ${tag} has no Conveyor release record`);
    const section = dashboardMetrics(report([staging], gaps));
    assert.deepEqual(section.state === 'metrics' ? section.gaps : [], [...gaps.slice(0, 3), '2 more: conveyor metrics lists them all.']);
  });
});

describe("the belt's history keeps two periods of runs (unit)", () => {
  const runAt = (id: number, daysBefore: number) =>
    ({ id: `r${id}`, startedAt: new Date(NOW.getTime() - daysBefore * DAY).toISOString() }) as BeltRun;

  it('keeps every run of the last 60 days and the last 30 whatever their age, at most 2,000', () => {
    // Newest first: 40 runs a day apart from 1 to 40 days ago, then 35 from 61 to 95 days ago.
    const runs = [...Array.from({ length: 40 }, (_, i) => runAt(i, i + 1)), ...Array.from({ length: 35 }, (_, i) => runAt(40 + i, 61 + i))];
    assert.deepEqual(
      keptRuns(runs, NOW.getTime()).map((r) => r.id),
      runs.slice(0, 40).map((r) => r.id),
    );
    const rare = Array.from({ length: 35 }, (_, i) => runAt(i, 100 + i));
    assert.deepEqual(
      keptRuns(rare, NOW.getTime()).map((r) => r.id),
      rare.slice(0, 30).map((r) => r.id),
    );
    const busy = Array.from({ length: 2500 }, (_, i) => runAt(i, i / 100));
    assert.equal(keptRuns(busy, NOW.getTime()).length, 2000);
  });
});
