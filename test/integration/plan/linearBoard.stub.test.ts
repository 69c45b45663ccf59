import * as assert from 'node:assert/strict';
import { LinearBoardProvider } from '../../../src/plan/linear/linearBoard';
import type { WorkItem } from '../../../src/plan/workItem';
import type { LinearStub } from '../../support/linearStub';
import { linearErrorReplies, startLinearStub } from '../../support/linearStub';
import { serviceErrorOf } from '../../support/serviceError';
import { aWorkItem } from '../../support/builders';

const API_KEY = 'lin_api_k3yThatMustNeverBeShown0000000000000';

describe('Linear board provider (integration, stub)', () => {
  let stub: LinearStub;

  beforeEach(async () => {
    stub = await startLinearStub({ apiKey: API_KEY, maxPageSize: 2 });
  });

  afterEach(async function () {
    const invalid = stub.requests.filter((request) => request.invalid.length);
    await stub.close();
    if (this.currentTest?.state === 'failed') return;
    assert.deepEqual(
      invalid.map((request) => `${request.operationName ?? '?'}: ${request.invalid.join('; ')}`),
      [],
      'queries the published schema rejects',
    );
    assert.deepEqual(stub.problems, [], 'stub execution problems');
    assert.ok(stub.requests.length > 0);
    assert.ok(stub.requests.every((request) => request.authorization === API_KEY || request.authorization === 'wrong-key'));
  });

  const board = (options: Partial<ConstructorParameters<typeof LinearBoardProvider>[0]> = {}): LinearBoardProvider =>
    new LinearBoardProvider({ apiKey: API_KEY, team: 'ENG', apiUrl: stub.url, ...options });

  const byKey = (items: WorkItem[], key: string): WorkItem => {
    const item = items.find((candidate) => candidate.key === key);
    assert.ok(item, `${key} listed`);
    return item;
  };

  const boardError = (promise: Promise<unknown>) => serviceErrorOf(promise, [API_KEY]);

  it("lists the team's unarchived issues, most recently updated first, following pages", async () => {
    const items = await board().list();
    assert.deepEqual(
      items.map((item) => item.key),
      ['ENG-1', 'ENG-2', 'ENG-3', 'ENG-4', 'ENG-5', 'ENG-6'],
    );
    const pages = stub.requests.filter((request) => request.operationName === 'issues');
    assert.equal(pages.length, 3, 'three pages of two');
    assert.deepEqual(pages[0].variables.filter, { team: { key: { eq: 'ENG' } } });
    assert.equal(pages[0].variables.includeArchived, false);
    assert.equal(pages[0].variables.orderBy, 'updatedAt');
    assert.equal(pages[1].variables.after, 'issue-eng-2');
  });

  it('maps states, people, labels, cycles and milestones onto work items', async () => {
    const items = await board().list();
    assert.deepEqual(byKey(items, 'ENG-1'), {
      provider: 'linear',
      id: 'issue-eng-1',
      key: 'ENG-1',
      title: 'Crash when the board file is empty',
      column: 'in-progress',
      status: 'In Progress',
      assignee: 'Ada Lovelace',
      labels: ['Bug'],
      milestone: 'Sprint 12',
      due: '2025-12-05',
      url: 'https://linear.app/conveyor/issue/eng-1',
      updated: '2025-11-25T10:00:00.000Z',
      type: 'fix',
    });
    const review = byKey(items, 'ENG-2');
    assert.equal(review.column, 'in-review');
    assert.equal(review.status, 'In Review');
    assert.deepEqual(review.labels, ['Feature', 'Docs']);
    assert.equal(review.type, 'feat');
    assert.equal(review.milestone, 'Beta');
    assert.equal(review.assignee, 'Grace Hopper');
    const todo = byKey(items, 'ENG-3');
    assert.equal(todo.column, 'todo');
    assert.equal(todo.milestone, 'Cycle 13', 'an unnamed cycle goes by its number');
    assert.equal(todo.assignee, undefined);
    assert.equal(todo.type, 'chore');
    const canceled = byKey(items, 'ENG-4');
    assert.equal(canceled.column, 'done');
    assert.equal(canceled.status, 'Canceled');
    assert.equal(byKey(items, 'ENG-5').column, 'done');
    assert.equal(byKey(items, 'ENG-6').column, 'todo', 'backlog');
    // Relations come nested in the issues query: one request per page of issues, none per issue or per kind.
    assert.deepEqual(
      stub.requests.map((request) => request.operationName),
      ['issues', 'issues', 'issues'],
    );
  });

  it("lists only the viewer's issues when asked for mine, within the team or across teams", async () => {
    const mine = await board().list({ mine: true });
    assert.deepEqual(
      mine.map((item) => item.key),
      ['ENG-1', 'ENG-4', 'ENG-6'],
    );
    const first = stub.requests.find((request) => request.operationName === 'issues');
    assert.deepEqual(first?.variables.filter, { team: { key: { eq: 'ENG' } }, assignee: { isMe: { eq: true } } });
    const everywhere = await board({ team: undefined }).list({ mine: true });
    assert.deepEqual(
      everywhere.map((item) => item.key),
      ['OPS-1', 'ENG-1', 'ENG-4', 'ENG-6'],
    );
  });

  it('stops at the item cap and says the board is bigger, but not when it is exactly as big', async () => {
    const notes: string[] = [];
    const items = await board({ maxItems: 3 }).list({ onShortened: (note) => notes.push(note) });
    assert.deepEqual(
      items.map((item) => item.key),
      ['ENG-1', 'ENG-2', 'ENG-3'],
    );
    assert.equal(stub.requests.filter((request) => request.operationName === 'issues').length, 2);
    assert.deepEqual(notes, ['Linear has more than 3 issues here: the board shows the 3 updated last.']);
    const all = await board().list();
    notes.length = 0;
    assert.equal((await board({ maxItems: all.length }).list({ onShortened: (note) => notes.push(note) })).length, all.length);
    assert.deepEqual(notes, []);
  });

  it("offers the team's other workflow states and moves an issue to one", async () => {
    const provider = board();
    const todo = byKey(await provider.list(), 'ENG-3');
    const transitions = await provider.transitions(todo);
    assert.deepEqual(transitions, [
      { id: 'state-eng-backlog', name: 'Backlog', column: 'todo' },
      { id: 'state-eng-progress', name: 'In Progress', column: 'in-progress' },
      { id: 'state-eng-review', name: 'In Review', column: 'in-review' },
      { id: 'state-eng-done', name: 'Done', column: 'done' },
      { id: 'state-eng-canceled', name: 'Canceled', column: 'done' },
    ]);
    const moved = await provider.move(todo, transitions[2]);
    assert.equal(moved.key, 'ENG-3');
    assert.equal(moved.column, 'in-review');
    assert.equal(moved.status, 'In Review');
    const mutation = stub.requests.find((request) => request.operationName === 'updateIssue');
    assert.deepEqual(mutation?.variables, { id: 'issue-eng-3', input: { stateId: 'state-eng-review' } });
    assert.equal(stub.workspace.issues.find((issue) => issue.id === 'issue-eng-3')?.stateId, 'state-eng-review');
  });

  it('finds the team of an issue it has not listed before offering transitions', async () => {
    const transitions = await board().transitions(aWorkItem({ provider: 'linear', id: 'issue-ops-1', key: 'OPS-1', status: 'Todo' }));
    assert.deepEqual(transitions, [{ id: 'state-ops-done', name: 'Done', column: 'done' }]);
  });

  it('assigns and unassigns an issue', async () => {
    const provider = board();
    const item = byKey(await provider.list(), 'ENG-3');
    const assigned = await provider.assign(item, 'user-grace');
    assert.equal(assigned.assignee, 'Grace Hopper');
    const unassigned = await provider.assign(assigned, undefined);
    assert.equal(unassigned.assignee, undefined);
    const inputs = stub.requests.filter((request) => request.operationName === 'updateIssue').map((request) => request.variables.input);
    assert.deepEqual(inputs, [{ assigneeId: 'user-grace' }, { assigneeId: null }]);
  });

  it('says what to do when Linear does not accept a move', async () => {
    const provider = board();
    const item = byKey(await provider.list(), 'ENG-3');
    const error = await boardError(provider.move(item, { id: 'state-ops-done', name: 'Done', column: 'done' }));
    assert.equal(error.kind, 'invalid');
    assert.match(error.message, /did not accept the change while moving ENG-3 to Done: Workflow state does not belong/);
  });

  it('reports a rejected API key without repeating it', async () => {
    const error = await boardError(new LinearBoardProvider({ apiKey: 'wrong-key', team: 'ENG', apiUrl: stub.url }).list());
    assert.equal(error.kind, 'unauthorized');
    assert.equal(error.message, 'Linear rejected the API key: create a new one in Settings › API and sign in again.');
    assert.ok(!error.message.includes('wrong-key'));
  });

  it('reports the rate limit with the time to wait, from Retry-After or the reset header', async () => {
    stub.script(linearErrorReplies.ratelimited({ 'retry-after': '30' }));
    const first = await boardError(board().list());
    assert.equal(first.kind, 'rate-limited');
    assert.equal(first.retryAfterMs, 30_000);
    assert.match(first.message, /rate limit .* in 30 s/);

    stub.script(linearErrorReplies.ratelimited({ 'x-ratelimit-requests-reset': String(Date.now() + 90_000) }));
    const second = await boardError(board().list());
    assert.equal(second.kind, 'rate-limited');
    assert.ok(
      second.retryAfterMs !== undefined && second.retryAfterMs > 80_000 && second.retryAfterMs <= 90_000,
      String(second.retryAfterMs),
    );
  });

  it("reports refused access, server errors and a proxy's page without the key", async () => {
    stub.script(linearErrorReplies.forbidden());
    assert.equal((await boardError(board().list())).kind, 'forbidden');

    stub.script({ status: 500, body: { errors: [{ message: 'Internal server error', extensions: { type: 'internal error' } }] } });
    const internal = await boardError(board().list());
    assert.equal(internal.kind, 'server');
    assert.match(internal.message, /Linear had a problem while listing Linear issues \(HTTP 500\); try again/);

    stub.script({ status: 502, body: '<html>Bad gateway</html>' });
    const gateway = await boardError(board().list());
    assert.equal(gateway.kind, 'server');
    assert.match(gateway.message, /HTTP 502/);

    stub.script({ status: 200, body: '<html><body>Sign in to your proxy</body></html>' });
    const proxy = await boardError(board().list());
    assert.equal(proxy.kind, 'malformed');
    assert.ok(!proxy.message.includes('<html>'));
  });

  it('reports a response without the expected data as malformed', async () => {
    stub.script({ status: 200, body: { data: { issues: null } } });
    const error = await boardError(board().list());
    assert.equal(error.kind, 'malformed');
    assert.match(error.message, /could not read while listing Linear issues/);
  });

  it('gives up after the timeout, and reports an unreachable server', async () => {
    stub.script('hang');
    const timeout = await boardError(board({ timeoutMs: 300 }).list());
    assert.equal(timeout.kind, 'timeout');
    assert.match(timeout.message, /^Linear did not answer within 300 ms while listing Linear issues; check your network/);

    stub.script('drop');
    const dropped = await boardError(board().list());
    assert.equal(dropped.kind, 'unreachable');
  });

  it('stops when the caller aborts', async () => {
    stub.script('hang');
    const controller = new AbortController();
    const listing = board().list({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(listing, (error: Error) => error.name === 'AbortError');
  });

  it('lists the active people who can be assigned, by user id', async () => {
    const people = await board().assignees();
    assert.deepEqual(people, [
      { id: 'user-ada', name: 'ada' },
      { id: 'user-grace', name: 'grace' },
    ]);
  });

  it("creates an issue in the board's team, in the status of the column asked for, assigned", async () => {
    const created = await board().create({ title: 'Export the board as CSV', column: 'in-review', assignee: 'user-grace' });
    assert.match(created.key, /^ENG-\d+$/);
    assert.equal(created.title, 'Export the board as CSV');
    assert.equal(created.status, 'In Review');
    assert.equal(created.column, 'in-review');
    const create = stub.requests.find((request) => request.operationName === 'createIssue' || /issueCreate/.test(request.query));
    assert.deepEqual((create?.variables.input as Record<string, unknown>).teamId, 'team-eng');
    const listed = await board().list();
    assert.ok(
      listed.some((item) => item.key === created.key),
      'the new issue is on the board',
    );
  });

  it('asks for board.linear.team when the key sees several teams and none is configured', async () => {
    const error = await boardError(board({ team: undefined }).create({ title: 'x' }));
    assert.equal(error.kind, 'invalid');
    assert.match(error.message, /board\.linear\.team/);
  });
});
