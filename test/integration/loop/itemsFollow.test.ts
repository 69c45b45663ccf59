import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BeltHistory } from '../../../src/loop/belt/beltHistory';
import type { BeltRun } from '../../../src/loop/belt/beltRun';
import { deliveryPlan } from '../../../src/loop/belt/deliveryPlan';
import { runBelt } from '../../../src/loop/belt/runBelt';
import { describeFolder } from '../../../src/loop/folderStatus';
import { itemDeliveries } from '../../../src/loop/itemsFollow/itemDelivery';
import { itemsFollow } from '../../../src/loop/itemsFollow/followItems';
import { readLoopRecords } from '../../../src/loop/loopRecords';
import { parseLocalBoard } from '../../../src/plan/localBoard';
import { LocalBoardProvider } from '../../../src/plan/localBoardProvider';
import { digestOf, IMAGE, scriptedHistory, type ScriptedHistory } from '../../support/scriptedHistory';

const CONFIG = `board:
  onRelease: in review
  onProduction: Done
environments:
  staging: { namespace: shop-staging }
  production: { namespace: shop }
`;

const BOARD = `items:
  - key: SHOP-1
    title: Cart total
    status: in-progress
  - key: SHOP-2
    title: Coupons
    status: todo
  - key: SHOP-3
    title: Wishlist
    status: todo
`;

describe('items follow the belt on a real repository and the local board file (integration)', () => {
  let h: ScriptedHistory;
  before(async () => {
    h = await scriptedHistory();
    h.ws.write('conveyor.yml', CONFIG);
    h.ws.write('.conveyor/board.yml', BOARD);
  });
  after(() => h.ws.remove());

  const board = () =>
    Object.fromEntries(
      parseLocalBoard(readFileSync(path.join(h.ws.dir, '.conveyor/board.yml'), 'utf8')).items.map((i) => [i.key, i.status]),
    );

  /** The belt as `conveyor ship` runs it, with a release station that tags HEAD for real and a production that passes or fails verification. */
  async function ship(version: string, production: 'verified' | 'fails-verification'): Promise<BeltRun> {
    const status = await describeFolder(h.ws.dir);
    const history = new BeltHistory(h.stateDir);
    const run = await runBelt({
      folder: h.ws.dir,
      steps: deliveryPlan(status.config.config, status.deploy.environments).steps,
      onChange: (r) => void history.record(r),
      stations: {
        pipeline: () => Promise.resolve({ ok: true, runId: `run-${version}`, commit: h.git('rev-parse', 'HEAD'), summary: 'passed' }),
        release: async () => {
          const commit = h.git('rev-parse', 'HEAD');
          await h.run(`run-${version}`, commit);
          await h.release(version, commit, `run-${version}`);
          return { release: { version: `v${version}`, commit, image: IMAGE, digest: digestOf(version) }, summary: `v${version}` };
        },
        deploy: () => Promise.resolve({ ok: true, summary: 'rolled out' }),
        verify: (step) => {
          const ok = step.environment.name !== 'production' || production === 'verified';
          return Promise.resolve({ ok, summary: ok ? 'all up' : 'uptime check failed', probes: 1, newErrors: 0 });
        },
        rollback: () => Promise.resolve({ ok: true, summary: 'back to the release before' }),
        confirmPromotion: () => Promise.resolve(true),
        items: itemsFollow({ status, provider: () => Promise.resolve(new LocalBoardProvider(h.ws.dir, status.board.file)) }),
      },
    });
    await history.record(run);
    return run;
  }
  const boardStations = (run: BeltRun) =>
    run.stations.filter((s) => s.station === 'board').map((s) => [s.environment, s.result, s.summary]);

  it('moves the items a release brings when it is released, and again when production verifies it', async () => {
    h.commit('feat: SHOP-1 cart total', 3);
    h.commit('fix(SHOP-2): coupon rounding', 2);
    const run = await ship('1.0.0', 'verified');
    assert.equal(run.result, 'shipped');
    assert.deepEqual(boardStations(run), [
      [undefined, 'passed', 'SHOP-1, SHOP-2 → in review'],
      ['production', 'passed', 'SHOP-1, SHOP-2 → Done'],
    ]);
    assert.deepEqual(board(), { 'SHOP-1': 'done', 'SHOP-2': 'done', 'SHOP-3': 'todo' });
  });

  it("moves a later release's items on release only when production rolls it back, and the board rows say where each item is", async () => {
    h.commit('feat: SHOP-3 wishlist', 1);
    const run = await ship('1.1.0', 'fails-verification');
    assert.equal(run.result, 'rolled-back');
    assert.deepEqual(boardStations(run), [[undefined, 'passed', 'SHOP-3 → in review']]);
    assert.deepEqual(board(), { 'SHOP-1': 'done', 'SHOP-2': 'done', 'SHOP-3': 'in-review' });

    const records = await readLoopRecords(h.ws.dir);
    assert.deepEqual(Object.fromEntries(itemDeliveries(records, ['SHOP-1', 'SHOP-2', 'SHOP-3'])), {
      'SHOP-1': { release: 'v1.0.0', environments: ['staging', 'production'] },
      'SHOP-2': { release: 'v1.0.0', environments: ['staging', 'production'] },
      'SHOP-3': { release: 'v1.1.0', environments: ['staging'] },
    });
  });

  it('reports a status the board does not have on its station, with the ones it has, and still ships', async () => {
    h.ws.write('conveyor.yml', CONFIG.replace('onRelease: in review', 'onRelease: Released'));
    h.commit('feat: SHOP-3 wishlist sharing', 0.5);
    const run = await ship('1.2.0', 'verified');
    assert.equal(run.result, 'shipped');
    assert.deepEqual(boardStations(run), [
      [undefined, 'failed', 'SHOP-3: no status "Released" for SHOP-3; it can be: In review, To do, In progress, Done'],
      // Production gets both releases it had not run: 1.1.0 (rolled back there) and 1.2.0.
      ['production', 'passed', 'SHOP-3 → Done'],
    ]);
    assert.equal(board()['SHOP-3'], 'done');
  });
});
