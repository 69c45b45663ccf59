import * as assert from 'node:assert/strict';
import { refreshBoardState } from '../../../src/plan/hostedBoardState';
import type { RemoteBoardState } from '../../../src/plan/hostedBoardState';
import { NotionBoardProvider } from '../../../src/plan/notion/notionBoard';
import type { WorkItem } from '../../../src/plan/workItem';
import { DATA_SOURCE_ID, DATABASE_ID, PEOPLE, STATUS, text } from '../../support/notionPages';
import type { NotionStub } from '../../support/notionStub';
import { NOTION_VERSION, SPEC_REPAIRS, startNotionStub, validateRequestBody } from '../../support/notionStub';
import { serviceErrorOf } from '../../support/serviceError';

const TOKEN = 'ntn_4567890123456789012345678901234567890123456';
const DATABASE_URL = `https://www.notion.so/acme/Tasks-${DATABASE_ID.replaceAll('-', '')}?v=ffffffffeeeeddddccccbbbbbbbbbbbb`;

describe('Notion board provider (integration, stub)', () => {
  let stub: NotionStub;

  beforeEach(async () => {
    stub = await startNotionStub({ token: TOKEN, maxPageSize: 2 });
  });

  afterEach(async function () {
    const requests = stub.requests;
    await stub.close();
    if (this.currentTest?.state === 'failed') return;
    assert.ok(requests.length > 0);
    assert.deepEqual(
      requests.filter((r) => r.invalid.length).map((r) => `${r.method} ${r.path}: ${r.invalid.join('; ')}`),
      [],
      'requests the published description rejects',
    );
    assert.deepEqual(
      requests.filter((r) => r.answerInvalid.length).map((r) => `${r.operationId}: ${r.answerInvalid.join('; ')}`),
      [],
      'answers the published description rejects',
    );
    assert.ok(requests.every((r) => r.notionVersion === NOTION_VERSION));
  });

  const board = (options: Partial<ConstructorParameters<typeof NotionBoardProvider>[0]> = {}) =>
    new NotionBoardProvider({ token: TOKEN, database: DATABASE_URL, baseUrl: stub.url, ...options });

  const byKey = (items: WorkItem[], key: string): WorkItem => {
    const item = items.find((candidate) => candidate.key === key);
    assert.ok(item, `${key} listed`);
    return item;
  };
  const boardError = (promise: Promise<unknown>) => serviceErrorOf(promise, [TOKEN]);
  const operations = () => stub.requests.map((r) => r.operationId);

  it("lists the database's first data source across pages, following next_cursor", async () => {
    const items = await board().list();
    assert.deepEqual(
      items.map((item) => item.key),
      ['TASK-1', 'TASK-2', 'TASK-3', 'TASK-4', 'TASK-5'],
    );
    assert.deepEqual(operations(), [
      'retrieve-a-database',
      'retrieve-a-data-source',
      'query-data-source',
      'query-data-source',
      'query-data-source',
    ]);
    assert.equal(stub.requests[0].path, `/v1/databases/${DATABASE_ID}`, 'the database id from its URL, not the view');
    assert.equal(stub.requests[2].path, `/v1/data_sources/${DATA_SOURCE_ID}/query`);
    const cursors = stub.requests.slice(2).map((r) => (r.body as { start_cursor?: string }).start_cursor);
    assert.deepEqual(cursors, [undefined, stub.pages[2].id, stub.pages[4].id]);
    assert.ok(stub.requests.every((r) => r.authorization === `Bearer ${TOKEN}`));
  });

  it('maps status groups, people, milestones and links onto work items, as the kanban and tree show them', async () => {
    const items = await board().list();
    assert.deepEqual(byKey(items, 'TASK-1'), {
      provider: 'notion',
      id: stub.pages[0].id,
      key: 'TASK-1',
      title: 'Crash when the board file is empty',
      column: 'in-progress',
      status: 'In progress',
      labels: [],
      url: stub.pages[0].url,
      assignee: 'Ada Lovelace',
      milestone: 'Beta',
      updated: '2025-11-01T09:00:00.000Z',
    });
    assert.deepEqual(
      items.map((item) => [item.key, item.column, item.assignee ?? '']),
      [
        ['TASK-1', 'in-progress', 'Ada Lovelace'],
        ['TASK-2', 'in-review', 'Grace Hopper'],
        ['TASK-3', 'todo', ''],
        ['TASK-4', 'done', 'Ada Lovelace'],
        ['TASK-5', 'todo', 'Grace Hopper'],
      ],
    );
  });

  it('keeps a title with markup as text', async () => {
    stub.pages[2].properties.Name = {
      id: 'title',
      type: 'title',
      title: [text('<img src=x onerror=alert(1)>', { bold: true }), text(' and **stars**', { code: true }, 'https://example.com')],
    };
    const items = await board().list();
    assert.equal(byKey(items, 'TASK-3').title, '<img src=x onerror=alert(1)> and **stars**');
  });

  it('stops at the item cap and says the database is bigger, but not when it is exactly as big', async () => {
    const notes: string[] = [];
    const items = await board({ maxItems: 3 }).list({ onShortened: (note) => notes.push(note) });
    assert.deepEqual(
      items.map((item) => item.key),
      ['TASK-1', 'TASK-2', 'TASK-3'],
    );
    assert.equal(operations().filter((id) => id === 'query-data-source').length, 2);
    assert.deepEqual(notes, ['The Notion database has more than 3 items: the board shows the first 3.']);
    const all = await board().list();
    notes.length = 0;
    assert.equal((await board({ maxItems: all.length }).list({ onShortened: (note) => notes.push(note) })).length, all.length);
    assert.deepEqual(notes, []);
  });

  it("offers the status's other options and moves an item by updating its status property", async () => {
    const provider = board();
    const todo = byKey(await provider.list(), 'TASK-3');
    const transitions = await provider.transitions(todo);
    assert.deepEqual(transitions, [
      { id: STATUS.inProgress.id, name: 'In progress', column: 'in-progress' },
      { id: STATUS.inReview.id, name: 'In review', column: 'in-review' },
      { id: STATUS.done.id, name: 'Done', column: 'done' },
    ]);
    const moved = await provider.move(todo, transitions[1]);
    assert.deepEqual([moved.key, moved.column, moved.status], ['TASK-3', 'in-review', 'In review']);
    const update = stub.requests.find((r) => r.operationId === 'patch-page');
    assert.equal(update?.path, `/v1/pages/${todo.id}`);
    assert.deepEqual(update?.body, { properties: { Status: { status: { id: STATUS.inReview.id } } } });
    const row = stub.pages[2].properties.Status;
    assert.equal(row.type === 'status' ? row.status?.name : undefined, 'In review');
  });

  it('moves through a select when conveyor.yml names one as the status', async () => {
    const provider = board({ properties: { status: 'Milestone' } });
    const item = byKey(await provider.list(), 'TASK-3');
    assert.equal(item.status, '', 'no milestone chosen');
    const ga = (await provider.transitions(item)).find((t) => t.name === 'GA');
    assert.ok(ga);
    const moved = await provider.move(item, ga);
    assert.equal(moved.status, 'GA');
    assert.deepEqual(stub.requests.at(-1)?.body, { properties: { Milestone: { select: { id: 'ms-ga' } } } });
  });

  it('lists the people of the workspace (no bots) and assigns or unassigns one', async () => {
    const provider = board();
    assert.deepEqual(await provider.assignees(), [
      { id: PEOPLE.ada.id, name: 'Ada Lovelace' },
      { id: PEOPLE.grace.id, name: 'Grace Hopper' },
    ]);
    assert.equal(operations().filter((id) => id === 'get-users').length, 2, 'two pages of users');
    const item = byKey(await provider.list(), 'TASK-3');
    const assigned = await provider.assign(item, PEOPLE.grace.id);
    assert.equal(assigned.assignee, 'Grace Hopper');
    assert.deepEqual(stub.requests.at(-1)?.body, { properties: { Assignee: { people: [{ id: PEOPLE.grace.id }] } } });
    const cleared = await provider.assign(assigned, undefined);
    assert.equal(cleared.assignee, undefined);
    assert.deepEqual(stub.requests.at(-1)?.body, { properties: { Assignee: { people: [] } } });
  });

  it('creates an item under the data source, in the first status of the column asked for', async () => {
    const created = await board().create({
      title: 'Notion boards',
      column: 'in-progress',
      assignee: PEOPLE.ada.id,
      description: 'From **Conveyor**',
    });
    assert.deepEqual(
      [created.key, created.title, created.column, created.status, created.assignee],
      ['TASK-101', 'Notion boards', 'in-progress', 'In progress', 'Ada Lovelace'],
    );
    const request = stub.requests.find((r) => r.operationId === 'post-page');
    assert.deepEqual(request?.body, {
      parent: { type: 'data_source_id', data_source_id: DATA_SOURCE_ID },
      properties: {
        Name: { title: [{ text: { content: 'Notion boards' } }] },
        Status: { status: { id: STATUS.inProgress.id } },
        Assignee: { people: [{ id: PEOPLE.ada.id }] },
      },
      markdown: 'From **Conveyor**',
    });
    assert.equal(stub.pages.length, 6);
  });

  it("lists mine by the integration owner's person, and says why not for an internal integration", async () => {
    await stub.close();
    stub = await startNotionStub({ token: TOKEN, maxPageSize: 2, owner: 'grace' });
    const mine = await board().list({ mine: true });
    assert.deepEqual(
      mine.map((item) => item.key),
      ['TASK-2', 'TASK-5'],
    );
    assert.deepEqual((stub.requests.find((r) => r.operationId === 'query-data-source')?.body as { filter?: unknown }).filter, {
      property: 'Assignee',
      people: { contains: PEOPLE.grace.id },
    });
    await stub.close();
    stub = await startNotionStub({ token: TOKEN });
    const internal = await boardError(board().list({ mine: true }));
    assert.equal(internal.kind, 'unsupported');
    assert.match(internal.message, /internal integration acts as itself.*show all items/);
  });

  it('says which setting is wrong for a database that is neither an id nor a URL, before any request', async () => {
    const error = await boardError(board({ database: 'Tasks' }).list());
    assert.equal(error.kind, 'invalid');
    assert.match(error.message, /board\.notion\.database in conveyor\.yml \("Tasks"\) is neither a Notion database id nor its URL/);
    await board().list(); // the stub's afterEach wants a request to check
  });

  describe('errors keep the last good board', () => {
    /** A board state that has listed once, and a refresh of it with the same provider. */
    async function listedOnce(provider = board()) {
      const state: RemoteBoardState = { items: [], loading: false };
      await refreshBoardState(state, () => provider.list());
      assert.equal(state.items.length, 5);
      assert.equal(state.error, undefined);
      const good = state.items;
      return {
        state,
        refresh: async () => {
          await refreshBoardState(state, () => provider.list());
          assert.equal(state.items, good, 'the last good items stay');
          assert.ok(state.error);
          return state;
        },
      };
    }
    const notionError = (status: number, code: string, message: string) => ({
      status,
      json: { object: 'error', status, code, message, request_id: 'stub-request' },
    });

    it('401: asks to sign in again', async () => {
      const { refresh } = await listedOnce();
      stub.faults.next(notionError(401, 'unauthorized', 'API token is invalid.'));
      const state = await refresh();
      assert.equal(state.needsSignIn, true);
      assert.match(
        state.error ?? '',
        /Notion rejected the integration token: copy the integration's secret again from https:\/\/www\.notion\.so\/profile\/integrations/,
      );
      const error = await boardError(board({ token: 'ntn_wrong' }).list());
      assert.deepEqual([error.kind, error.status], ['unauthorized', 401]);
    });

    it('403: says to share the database with the integration', async () => {
      const { refresh } = await listedOnce();
      stub.faults.next(notionError(403, 'restricted_resource', 'Insufficient permissions for this endpoint.'));
      const state = await refresh();
      assert.equal(state.needsSignIn, false);
      assert.match(state.error ?? '', /share the database with the integration/);
      stub.faults.next(notionError(403, 'restricted_resource', 'Insufficient permissions for this endpoint.'));
      assert.equal((await boardError(board().list())).kind, 'forbidden');
    });

    it('404: names the setting and sharing, for a database Notion cannot find', async () => {
      const { refresh } = await listedOnce();
      stub.faults.next(notionError(404, 'object_not_found', 'Could not find data source.'));
      const state = await refresh();
      assert.match(
        state.error ?? '',
        /Notion found nothing while listing the Notion board: check board\.notion\.database in conveyor\.yml, and share the database/,
      );
      const missing = await boardError(board({ database: 'ffffffffffffffffffffffffffffffff' }).list());
      assert.deepEqual([missing.kind, missing.status], ['not-found', 404]);
    });

    it('409: a conflicting edit says to refresh and try again', async () => {
      const provider = board();
      const item = byKey(await provider.list(), 'TASK-3');
      stub.faults.next(notionError(409, 'conflict_error', 'Conflict occurred while saving. Please try again.'), {
        matches: (exchange) => exchange.method === 'PATCH',
      });
      const error = await boardError(provider.move(item, { id: STATUS.done.id, name: 'Done', column: 'done' }));
      assert.deepEqual([error.kind, error.status], ['conflict', 409]);
      assert.match(error.message, /Someone changed the item in Notion at the same time while moving TASK-3 to Done: refresh the board/);
      const { refresh } = await listedOnce(provider);
      stub.faults.next(notionError(409, 'conflict_error', 'Conflict occurred while saving. Please try again.'));
      await refresh();
    });

    it("400 validation_error: quotes Notion's words", async () => {
      const provider = board();
      const item = byKey(await provider.list(), 'TASK-3');
      const error = await boardError(provider.assign(item, 'not-a-user'));
      assert.deepEqual([error.kind, error.status], ['invalid', 400]);
      assert.equal(error.message, 'Notion did not accept the request while assigning TASK-3: not-a-user is not a user in this workspace.');
      const { refresh } = await listedOnce(provider);
      stub.faults.next(notionError(400, 'validation_error', 'body.filter.property should be defined.'));
      const state = await refresh();
      assert.match(state.error ?? '', /body\.filter\.property should be defined/);
    });

    it('429: honours Retry-After, without retrying on its own', async () => {
      const { refresh } = await listedOnce();
      stub.faults.next({ ...notionError(429, 'rate_limited', 'You have been rate limited.'), headers: { 'retry-after': '7' } });
      const before = stub.requests.length;
      const state = await refresh();
      assert.match(state.error ?? '', /Notion's rate limit was reached while listing the Notion board; try again in 7 s/);
      assert.equal(stub.requests.length - before, 1, "one request: the wait is the caller's");
      stub.faults.next({ ...notionError(429, 'rate_limited', 'You have been rate limited.'), headers: { 'retry-after': '7' } });
      const error = await boardError(board().list());
      assert.deepEqual([error.kind, error.retryAfterMs], ['rate-limited', 7000]);
    });

    it('a timeout says Notion did not answer in time', async () => {
      const provider = board({ timeoutMs: 400 });
      const { refresh } = await listedOnce(provider);
      stub.faults.next('hang');
      const state = await refresh();
      assert.equal(state.error, 'Notion did not answer within 400 ms while listing the Notion board; check your network and try again.');
      stub.faults.next('hang');
      assert.equal((await boardError(board({ timeoutMs: 400 }).list())).kind, 'timeout');
    });

    it('a malformed answer (not JSON, or JSON without pages) is said to be unreadable', async () => {
      const { refresh } = await listedOnce();
      stub.faults.next({ status: 200, text: '<html>Proxy sign-in</html>', headers: { 'content-type': 'text/html' } });
      const state = await refresh();
      assert.match(
        state.error ?? '',
        /Notion sent an answer Conveyor could not read while listing the Notion board; a proxy may be in the way/,
      );
      stub.faults.next({ status: 200, json: { object: 'database', id: DATABASE_ID } });
      const partial = await boardError(board().list());
      assert.equal(partial.kind, 'malformed');
      assert.match(partial.message, /the database lists no data source/);
      stub.faults.next(
        { status: 200, json: { object: 'list', next_cursor: null } },
        { matches: (exchange) => exchange.url.pathname.endsWith('/query') },
      );
      assert.equal((await boardError(board().list())).kind, 'malformed', 'a list without results');
    });

    it('an error status without a Notion body (a proxy) is read by its status', async () => {
      const { refresh } = await listedOnce();
      stub.faults.next({ status: 403, text: 'Forbidden by proxy' });
      const state = await refresh();
      assert.match(state.error ?? '', /share the database with the integration/);
      stub.faults.next({ status: 502, text: 'Bad gateway' });
      const server = await boardError(board().list());
      assert.deepEqual([server.kind, server.status], ['server', 502]);
    });
  });
});

describe('Notion stub against the published description (integration, stub)', () => {
  it('repairs only what the description still gets wrong', () => {
    for (const repair of SPEC_REPAIRS) {
      assert.ok(
        validateRequestBody(repair.operationId, repair.body, { repaired: false }).includes(repair.problem),
        `the published schema still rejects: ${repair.why}`,
      );
      assert.deepEqual(validateRequestBody(repair.operationId, repair.body), []);
    }
    assert.notDeepEqual(validateRequestBody('post-page', { properties: {} }), [], 'a page without a parent is still refused');
  });
});
