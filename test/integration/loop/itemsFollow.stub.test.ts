// The belt's board station on the hosted boards' schema-checked stubs: what it sends to move an item is the
// vendor's own request, and an item already in the status is not touched.
import * as assert from 'node:assert/strict';
import type { DeliveryRecords } from '../../../src/loop/itemsFollow/itemDelivery';
import { itemsFollow } from '../../../src/loop/itemsFollow/followItems';
import type { ReleaseChange } from '../../../src/loop/loopRecords';
import type { BoardConfig } from '../../../src/core/config/conveyorConfig';
import { JiraBoardProvider } from '../../../src/plan/jira/jiraBoard';
import { LinearBoardProvider } from '../../../src/plan/linear/linearBoard';
import type { BoardProvider } from '../../../src/plan/workItem';
import { folderStatus } from '../../support/folderStatusFixture';
import { OPERATIONS, startJiraStub, STUB_EMAIL, STUB_PROJECT, STUB_TOKEN, type JiraStub } from '../../support/jiraStub';
import { startLinearStub, type LinearStub } from '../../support/linearStub';

const RELEASE = { version: 'v1.5.0', commit: 'c0ffee', image: '127.0.0.1:5000/shop', digest: `sha256:${'a'.repeat(64)}` };
const LINEAR_KEY = 'lin_api_k3yThatMustNeverBeShown0000000000000';

function releaseOf(subjects: string[]): DeliveryRecords {
  const release: ReleaseChange = {
    version: '1.5.0',
    tag: 'v1.5.0',
    commit: 'c0ffee',
    date: '2024-05-01T10:00:00.000Z',
    commits: subjects.map((subject, i) => ({ sha: `sha-${i}`, subject, authoredAt: '2024-05-01T09:00:00.000Z' })),
  };
  return { releases: [release], belt: [] };
}

/** The board station of a folder whose belt ends in production, on the given board. */
function station(board: BoardConfig, provider: BoardProvider, subjects: string[]) {
  const status = folderStatus({
    config: { file: '/ws/shop/conveyor.yml', found: true, config: { board }, problems: [] },
    deploy: { environments: [{ name: 'production', confirm: true, autoRollback: false, source: 'conveyor.yml' }], manifests: [] },
  });
  const items = itemsFollow({ status, provider: () => Promise.resolve(provider), records: () => Promise.resolve(releaseOf(subjects)) });
  assert.ok(items);
  return items;
}

describe('items follow the belt on Jira (integration, stub)', () => {
  let stub: JiraStub;
  beforeEach(async () => (stub = await startJiraStub()));
  afterEach(async function () {
    await stub.stop();
    if (this.currentTest?.state === 'passed') assert.deepEqual(stub.problems, []);
  });

  it('moves the released issues through the transition that leads to the status, and leaves one already there', async () => {
    const jira = new JiraBoardProvider({ site: stub.url, email: STUB_EMAIL, apiToken: STUB_TOKEN, project: STUB_PROJECT });
    const items = station({ provider: 'jira', onRelease: 'In Review' }, jira, ['SHOP-1 cart', 'SHOP-2: coupons', 'fix(SHOP-3): wishlist']);
    assert.equal(items.movesAt('production'), false);
    const moved = await items.move(RELEASE, undefined);
    assert.deepEqual(moved, { ok: true, summary: 'SHOP-1, SHOP-3 → In Review; SHOP-2 already In Review' });
    const moves = stub.requests.filter((r) => r.operationId === OPERATIONS.doTransition);
    assert.deepEqual(
      moves.map((r) => [r.method, r.path, r.body]),
      [
        ['POST', '/rest/api/3/issue/SHOP-1/transitions', { transition: { id: '31' } }],
        ['POST', '/rest/api/3/issue/SHOP-3/transitions', { transition: { id: '31' } }],
      ],
    );
    assert.deepEqual(
      ['SHOP-1', 'SHOP-2', 'SHOP-3'].map((key) => (stub.issues.get(key)?.fields.status as { name: string }).name),
      ['In Review', 'In Review', 'In Review'],
    );
  });
});

describe('items follow the belt on Linear (integration, stub)', () => {
  let stub: LinearStub;
  beforeEach(async () => (stub = await startLinearStub({ apiKey: LINEAR_KEY })));
  afterEach(async function () {
    const invalid = stub.requests.filter((request) => request.invalid.length);
    await stub.close();
    if (this.currentTest?.state !== 'passed') return;
    assert.deepEqual(
      invalid.map((r) => r.invalid),
      [],
      'queries the published schema rejects',
    );
    assert.deepEqual(stub.problems, []);
  });

  it('moves an issue to the workflow state named for production, by the issueUpdate Linear takes', async () => {
    const linear = new LinearBoardProvider({ apiKey: LINEAR_KEY, team: 'ENG', apiUrl: stub.url });
    const items = station({ provider: 'linear', onProduction: 'in review' }, linear, ['ENG-3: search filters']);
    assert.equal(items.movesAt(undefined), false);
    assert.deepEqual(await items.move(RELEASE, 'production'), { ok: true, summary: 'ENG-3 → in review' });
    const updates = stub.requests.filter((r) => r.operationName === 'updateIssue');
    assert.deepEqual(
      updates.map((r) => r.variables),
      [{ id: 'issue-eng-3', input: { stateId: 'state-eng-review' } }],
    );
    assert.equal(stub.workspace.issues.find((issue) => issue.id === 'issue-eng-3')?.stateId, 'state-eng-review');
  });
});
