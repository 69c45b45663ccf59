import * as assert from 'node:assert/strict';
import { BeltHistory } from '../../../src/loop/belt/beltHistory';
import { readDashboardMetrics } from '../../../src/loop/loopEngine';
import { scriptedHistory, type ScriptedHistory } from '../../support/scriptedHistory';

describe("the dashboard's delivery metrics from a real repository's records (integration)", () => {
  let h: ScriptedHistory;
  before(async () => {
    h = await scriptedHistory();
    const v100 = await h.releasedCommit('feat: SHOP-1 cart', 50, 'run-1', '1.0.0');
    const v110 = await h.releasedCommit('feat: SHOP-2 search', 20, 'run-2', '1.1.0');
    const v120 = await h.releasedCommit('fix: SHOP-2 paging', 12, 'run-3', '1.2.0');
    await h.ship('belt-1', 45, '1.0.0', v100, [{ name: 'staging' }]);
    await h.ship('belt-2', 18, '1.1.0', v110, [{ name: 'staging', outcome: 'fails-verification' }]);
    await h.ship('belt-3', 10, '1.2.0', v120, [{ name: 'staging' }]);
  });
  after(() => h.ws.remove());

  it('reads the tags and the belt records in the git dir, and compares the last 30 days with the 30 before', async () => {
    assert.deepEqual(await readDashboardMetrics(h.ws.dir, { now: new Date(h.base) }), {
      state: 'metrics',
      periodDays: 30,
      gaps: [],
      environments: [
        {
          name: 'staging',
          metrics: [
            {
              name: 'Deployment frequency',
              value: '0.03/day',
              detail: '1 verified of 2 deployments',
              previous: '0.03/day',
              trend: 'same',
              arrow: '=',
            },
            // v1.2.0 reached staging 10 days after v1.1.0's first commit (the rolled-back v1.1.0 came with it);
            // v1.0.0 5 days after its own (+ the 60 s rollout, below what the dashboard shows).
            { name: 'Lead time for changes', value: '10 d', previous: '5 d', trend: 'worse', arrow: '↑' },
            {
              name: 'Change failure rate',
              value: '50%',
              detail: '1 failed or rolled back of 2 deployments',
              previous: '0%',
              trend: 'worse',
              arrow: '↑',
            },
            { name: 'Time to restore', value: '1 min 30 s', previous: '–', trend: 'unknown', arrow: '' },
          ],
        },
      ],
    });
  });

  it('asks for a first ship in a repository without belt records', async () => {
    const fresh = await scriptedHistory('fresh');
    try {
      await fresh.releasedCommit('feat: SHOP-1 cart', 3, 'run-1', '1.0.0');
      const section = await readDashboardMetrics(fresh.ws.dir);
      assert.equal(section.state, 'empty');
      assert.match(section.state === 'empty' ? section.message : '', /^Ship a release to see delivery metrics/);
    } finally {
      fresh.ws.remove();
    }
  });
});

describe("the belt's history over two periods (integration)", () => {
  let h: ScriptedHistory;
  before(async () => {
    h = await scriptedHistory('busy');
    const sha = h.commit('feat: SHOP-1 cart', 80);
    // 40 ships 1.5 days apart, from 70 days ago to 11.5 days ago: 20 of them in the 30 days before the last 30.
    for (let k = 0; k < 40; k++) await h.ship(`belt-${k}`, 70 - 1.5 * k, `1.${k}.0`, sha, [{ name: 'staging' }]);
  });
  after(() => h.ws.remove());

  it('keeps every run of the last 60 days, so the period before is counted whole', async () => {
    const kept = await new BeltHistory(h.stateDir).runs();
    assert.equal(kept.length, 33);
    assert.deepEqual([kept[0].id, kept.at(-1)?.id], ['belt-39', 'belt-7']);
    const section = await readDashboardMetrics(h.ws.dir, { now: new Date(h.base) });
    const frequency = section.state === 'metrics' ? section.environments[0].metrics[0] : undefined;
    assert.deepEqual(frequency, {
      name: 'Deployment frequency',
      value: '0.43/day',
      detail: '13 verified of 13 deployments',
      previous: '0.67/day',
      trend: 'worse',
      arrow: '↓',
    });
  });
});
