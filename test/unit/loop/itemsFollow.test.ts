import * as assert from 'node:assert/strict';
import { parseConfig } from '../../../src/core/config/parseConfig';
import type { EnvironmentDefinition } from '../../../src/deploy/environmentDefinition';
import type { ReleaseToDeploy } from '../../../src/deploy/renderManifests';
import { deliveryPlan } from '../../../src/loop/belt/deliveryPlan';
import { runBelt, type BeltStations, type ItemsFollowStation } from '../../../src/loop/belt/runBelt';
import { itemDeliveries, keysBrought, releasesArriving, type DeliveryRecords } from '../../../src/loop/itemsFollow/itemDelivery';
import { moveItemsTo, movesSummary } from '../../../src/loop/itemsFollow/moveItems';
import { matchStatus } from '../../../src/plan/statusMatch';
import type { ReleaseChange } from '../../../src/loop/loopRecords';
import { boardNodes, kanbanCards } from '../../../src/plan/ui/boardNodes';
import type { BoardProvider, WorkItem, WorkItemTransition } from '../../../src/plan/workItem';
import { scriptedBeltRun } from '../../support/beltScript';
import { aWorkItem } from '../../support/builders';
import { folderStatus } from '../../support/folderStatusFixture';

const JIRA_MOVES: WorkItemTransition[] = [
  { id: '11', name: 'To Do', column: 'todo', status: 'To Do' },
  { id: '31', name: 'Ready for review', column: 'in-review', status: 'In Review' },
  { id: '41', name: 'Done', column: 'done', status: 'Done' },
];
const LOCAL_MOVES: WorkItemTransition[] = [
  { id: 'in-progress', name: 'In progress', column: 'in-progress' },
  { id: 'done', name: 'Done', column: 'done' },
];

function aRelease(version: string, subjects: string[]): ReleaseChange {
  return {
    version,
    tag: `v${version}`,
    commit: `${version}-tip`,
    date: '2024-05-01T10:00:00.000Z',
    commits: subjects.map((subject, i) => ({ sha: `${version}-${i}`, subject, authoredAt: '2024-05-01T09:00:00.000Z' })),
  };
}

const shipped = (id: string, version: string, at: string, environments: Parameters<typeof scriptedBeltRun>[0]['environments']) =>
  scriptedBeltRun({
    id,
    at,
    release: { version: `v${version}`, commit: `${version}-tip`, image: 'shop', digest: 'sha256:0' },
    environments,
  });

describe('items follow the belt: status matching (unit)', () => {
  it("finds a Jira move by the status it leads to, not only by the move's name", () => {
    const item = aWorkItem({ provider: 'jira', key: 'SHOP-3', status: 'In Progress', column: 'in-progress' });
    assert.deepEqual(matchStatus('in review', item, JIRA_MOVES), { kind: 'move', transition: JIRA_MOVES[1] });
    assert.deepEqual(matchStatus('Ready for Review', item, JIRA_MOVES), { kind: 'move', transition: JIRA_MOVES[1] });
  });

  it("matches the local board's column names however they are written, and leaves an item already there", () => {
    const item = aWorkItem({ key: 'CNV-1', status: 'In review', column: 'in-review' });
    assert.deepEqual(matchStatus('in-progress', item, LOCAL_MOVES), { kind: 'move', transition: LOCAL_MOVES[0] });
    assert.deepEqual(matchStatus('IN_REVIEW', item, LOCAL_MOVES), { kind: 'there' });
  });

  it('names what the item can be when no move leads to the status asked for', () => {
    const item = aWorkItem({ provider: 'jira', key: 'SHOP-3', status: 'In Progress' });
    assert.deepEqual(matchStatus('Released', item, JIRA_MOVES), {
      kind: 'unknown',
      available: ['In Progress', 'To Do', 'Ready for review (→ In Review)', 'Done'],
    });
  });
});

describe('items follow the belt: moving items (unit)', () => {
  /** A board whose moves are recorded; `broken` keys fail to move. */
  function fakeBoard(broken: string[] = []): { provider: BoardProvider; asked: string[]; moved: string[] } {
    const asked: string[] = [];
    const moved: string[] = [];
    const provider: BoardProvider = {
      name: 'jira',
      list: () => Promise.resolve([]),
      transitions: (item) => (asked.push(item.key), Promise.resolve(JIRA_MOVES)),
      move: (item, transition) => {
        if (broken.includes(item.key)) return Promise.reject(new Error(`Jira could not move ${item.key}: 503`));
        moved.push(`${item.key} ${transition.id}`);
        return Promise.resolve({ ...item, status: transition.status ?? transition.name });
      },
    };
    return { provider, asked, moved };
  }
  const items: WorkItem[] = ['SHOP-1', 'SHOP-2', 'SHOP-3'].map((key) => aWorkItem({ provider: 'jira', key, status: 'In Progress' }));

  it('moves each item, leaves one already there without asking, and reports a failure with its item while the rest move', async () => {
    const board = fakeBoard(['SHOP-2']);
    const there = aWorkItem({ provider: 'jira', key: 'SHOP-4', status: 'Done' });
    const moves = await moveItemsTo(board.provider, [...items, there], 'done');
    assert.deepEqual(board.moved, ['SHOP-1 41', 'SHOP-3 41']);
    assert.deepEqual(board.asked, ['SHOP-1', 'SHOP-2', 'SHOP-3']);
    assert.equal(movesSummary(moves, 'Done'), 'SHOP-1, SHOP-3 → Done; SHOP-4 already Done; SHOP-2: Jira could not move SHOP-2: 503');
  });

  it('says which statuses exist when the configured one does not', async () => {
    const board = fakeBoard();
    const [move] = await moveItemsTo(board.provider, [items[0]], 'Shipped');
    assert.deepEqual(move, {
      key: 'SHOP-1',
      result: 'failed',
      problem: 'no status "Shipped" for SHOP-1; it can be: In Progress, To Do, Ready for review (→ In Review), Done',
    });
    assert.deepEqual(board.moved, []);
  });
});

describe('items follow the belt: where each item is (unit)', () => {
  const releases = [
    aRelease('1.4.0', ['SHOP-1: cart total', 'SHOP-12: coupon']),
    aRelease('1.5.0', ['SHOP-1: cart rounding', 'SHOP-2 checkout']),
    aRelease('1.6.0', ['SHOP-3 wishlist']),
  ];

  it('gives the first release with the key and the environments running it or a later one', async () => {
    const records: DeliveryRecords = {
      releases,
      // Newest first, as the belt keeps them: 1.5.0 reached staging and production, 1.6.0 only staging.
      belt: [
        await shipped('b3', '1.6.0', '2024-05-03T10:00:00.000Z', [
          { name: 'staging' },
          { name: 'production', outcome: 'fails-verification' },
        ]),
        await shipped('b2', '1.5.0', '2024-05-02T10:00:00.000Z', [{ name: 'staging' }, { name: 'production' }]),
      ],
    };
    const deliveries = itemDeliveries(records, ['SHOP-1', 'SHOP-2', 'SHOP-3', 'SHOP-9']);
    assert.deepEqual(Object.fromEntries(deliveries), {
      'SHOP-1': { release: 'v1.4.0', environments: ['staging', 'production'] },
      'SHOP-2': { release: 'v1.5.0', environments: ['staging', 'production'] },
      'SHOP-3': { release: 'v1.6.0', environments: ['staging'] },
    });
    const rows = boardNodes(
      folderStatus({
        board: { provider: 'local', file: 'b.yml', exists: true, items: [{ key: 'SHOP-3', title: 'Wishlist', status: 'done' }] },
      }),
      {
        query: { groupBy: 'status', mine: false },
        deliveries,
      },
    );
    assert.equal(
      rows.flatMap((g) => g.children ?? []).find((r) => r.label === 'SHOP-3 Wishlist')?.description,
      'released in v1.6.0 · in staging',
    );
  });

  it('brings to an environment every release since the one it last ran verified, and to a release only its own', async () => {
    const records: DeliveryRecords = {
      releases,
      belt: [await shipped('b1', '1.4.0', '2024-05-01T10:00:00.000Z', [{ name: 'production' }])],
    };
    assert.deepEqual(
      releasesArriving(records, 'v1.6.0', 'production').map((r) => r.tag),
      ['v1.5.0', 'v1.6.0'],
    );
    assert.deepEqual(
      releasesArriving(records, 'v1.6.0').map((r) => r.tag),
      ['v1.6.0'],
    );
    // No record of production yet: only the release itself, not every item ever released.
    assert.deepEqual(
      releasesArriving({ releases, belt: [] }, 'v1.6.0', 'production').map((r) => r.tag),
      ['v1.6.0'],
    );
    assert.deepEqual(keysBrought(releases.slice(0, 1), ['SHOP-1', 'SHOP-2', 'SHOP-12']), ['SHOP-1', 'SHOP-12']);
  });
});

describe('items follow the belt: the board station (unit)', () => {
  const env = (name: string): EnvironmentDefinition => ({ name, confirm: false, autoRollback: false, source: 'conveyor.yml' });
  const RELEASE: ReleaseToDeploy = { version: 'v1.5.0', commit: 'c0ffee', image: 'shop', digest: 'sha256:0' };
  const stations = (items: ItemsFollowStation): BeltStations => ({
    pipeline: () => Promise.resolve({ ok: true, runId: 'r1', commit: 'c0ffee', summary: 'passed' }),
    release: () => Promise.resolve({ release: RELEASE, summary: 'v1.5.0' }),
    deploy: () => Promise.resolve({ ok: true, summary: 'rolled out' }),
    verify: () => Promise.resolve({ ok: true, summary: 'all up', probes: 1, newErrors: 0 }),
    rollback: () => Promise.resolve({ ok: true, summary: 'back' }),
    confirmPromotion: () => Promise.resolve(true),
    items,
  });

  it('moves items after the release and after production, and a board that fails does not stop the belt', async () => {
    const calls: string[] = [];
    const items: ItemsFollowStation = {
      movesAt: (environment) => environment === undefined || environment === 'production',
      move: (release, environment) => {
        calls.push(`${release.version} ${environment ?? 'released'}`);
        return environment ? Promise.reject(new Error('Sign in to Jira')) : Promise.resolve({ ok: true, summary: 'SHOP-1 → Released' });
      },
    };
    const run = await runBelt({
      folder: '/w',
      steps: deliveryPlan({}, [env('staging'), env('production')]).steps,
      stations: stations(items),
    });
    assert.deepEqual(calls, ['v1.5.0 released', 'v1.5.0 production']);
    assert.equal(run.result, 'shipped');
    assert.deepEqual(
      run.stations.filter((s) => s.station === 'board').map((s) => [s.environment, s.result, s.summary]),
      [
        [undefined, 'passed', 'SHOP-1 → Released'],
        ['production', 'failed', 'Sign in to Jira'],
      ],
    );
    assert.deepEqual(
      run.stations.map((s) => `${s.station}${s.environment ? ` ${s.environment}` : ''}`),
      ['pipeline', 'release', 'board', 'deploy staging', 'verify staging', 'deploy production', 'verify production', 'board production'],
    );
  });
});

describe('board.onRelease and board.onProduction in conveyor.yml (unit)', () => {
  it('takes the provider status names, and a wrong value is a problem at its line', () => {
    assert.deepEqual(parseConfig('board:\n  onRelease: Released\n  onProduction: Done\n').config.board, {
      onRelease: 'Released',
      onProduction: 'Done',
    });
    const { config, problems } = parseConfig('board:\n  provider: jira\n  onProduction: [Done]\n');
    assert.deepEqual(
      problems.map((p) => [p.range.start.line + 1, p.message]),
      [[3, 'board.onProduction must be text (found a list); the default is used.']],
    );
    assert.equal(config.board?.onProduction, undefined);
  });
});

describe('items follow the belt: the kanban cards (unit)', () => {
  it('say where the belt has taken an item, and nothing for one it has not reached', () => {
    const items = [aWorkItem({ key: 'SHOP-1', title: 'Cart' }), aWorkItem({ key: 'SHOP-2', title: 'Search', assignee: 'mia' })];
    const cards = kanbanCards(items, new Map([['SHOP-1', { release: 'v1.5.0', environments: ['staging', 'production'] }]]));
    assert.equal(cards[0].delivery, 'released in v1.5.0 · in staging, production');
    assert.equal(cards[1].delivery, undefined);
    assert.equal(cards[1].assignee, 'mia');
    assert.deepEqual(
      kanbanCards(items).map((c) => c.delivery),
      [undefined, undefined],
      'before the records are read',
    );
  });
});
