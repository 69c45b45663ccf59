// The GitHub Projects v2 board against a local GitHub that validates every GraphQL document against GitHub's
// published schema (@octokit/graphql-schema) and executes it over an in-memory project; REST answers are GitHub's
// OpenAPI examples checked against its schemas.
import * as assert from 'node:assert/strict';
import { parse, validate } from 'graphql';
import { GitHubProjectBoardProvider, NO_STATUS, statusColumn } from '../../../src/plan/github/githubProjectBoard';
import { PROJECT_DOCUMENTS } from '../../../src/plan/github/projectQueries';
import type { WorkItem } from '../../../src/plan/workItem';
import { serviceErrorOf } from '../../support/serviceError';
import type { GitHubProjectStub } from '../../support/githubProjectStub';
import {
  githubGraphqlSchema,
  issueNodeId,
  PROJECT_NUMBER,
  PROJECT_OWNER,
  PROJECT_REPO,
  sampleProject,
  startGitHubProjectStub,
  stubIssue,
  STUB_LOGIN,
} from '../../support/githubProjectStub';

const TOKEN = 'ghp_projectStubToken0123456789abcdefghij';
/** Drafts have no number: their key ends with their node id's tail. */
const DRAFT_KEY = 'draft-WzgFZFRg';
const boardError = (promise: Promise<unknown>) => serviceErrorOf(promise, [TOKEN]);

describe('GitHub Projects v2 board: its GraphQL documents (unit)', () => {
  it("every document in projectQueries.ts validates against GitHub's published schema", async () => {
    const schema = await githubGraphqlSchema();
    for (const [name, document] of Object.entries(PROJECT_DOCUMENTS)) {
      assert.deepEqual(
        validate(schema, parse(document)).map((e) => e.message),
        [],
        name,
      );
    }
    // The check is live: a field GitHub does not have is caught.
    assert.notDeepEqual(validate(schema, parse('query { viewer { login projectBoard } }')), []);
  });

  it('maps Status names onto columns', () => {
    const cases: [string, string | undefined][] = [
      ['Todo', 'todo'],
      ['Backlog', 'todo'],
      ['🔖 Ready', 'todo'],
      ['In Progress', 'in-progress'],
      ['Doing', 'in-progress'],
      ['In review', 'in-review'],
      ['Review', 'in-review'],
      ['Done', 'done'],
      ['Closed', 'done'],
      ['🚀 Shipped', 'done'],
      ['Blocked', undefined],
    ];
    for (const [name, column] of cases) assert.equal(statusColumn(name), column, name);
  });
});

describe('GitHub Projects v2 board against a stub validating GraphQL against the published schema (integration, stub)', () => {
  let stub: GitHubProjectStub;
  const board = (options: Partial<ConstructorParameters<typeof GitHubProjectBoardProvider>[0]> = {}) =>
    new GitHubProjectBoardProvider({
      owner: PROJECT_OWNER,
      repo: PROJECT_REPO,
      project: PROJECT_NUMBER,
      token: TOKEN,
      baseUrl: stub.url,
      ...options,
    });
  const byKey = (items: WorkItem[], key: string) => {
    const found = items.find((i) => i.key === key);
    assert.ok(found, `${key} missing from ${items.map((i) => i.key).join(', ')}`);
    return found;
  };
  const operations = () => stub.requests.map((r) => r.operationName ?? `${r.method} ${r.path}`);
  const statusOf = (contentId: string) => {
    const item = stub.project.items.find((i) => i.contentId === contentId);
    return stub.project.statusField?.options.find((o) => o.id === item?.statusOptionId)?.name;
  };

  beforeEach(async () => {
    stub = await startGitHubProjectStub({ token: TOKEN });
  });
  afterEach(async () => {
    assert.deepEqual(stub.invalid, [], 'a document GitHub would reject was sent');
    assert.deepEqual(stub.problems, [], 'the stub could not answer like GitHub');
    await stub.stop();
  });

  it('the stub answers 400 to a document the schema rejects, and records it', async () => {
    const response = await fetch(`${stub.url}/graphql`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: 'query Bad { viewer { nope } }' }),
    });
    assert.equal(response.status, 400);
    assert.equal(stub.invalid.length, 1);
    assert.match(stub.invalid[0], /Bad: Cannot query field "nope"/);
    stub.invalid.length = 0;
  });

  it('lists the items across pages, in columns from their Status names', async () => {
    stub.maxPageSize = 3;
    const items = await board().list();
    assert.deepEqual(operations(), ['ProjectItems', 'ProjectItems', 'ProjectItems', 'ProjectItems']);
    assert.equal(stub.requests[0].path, '/graphql');
    assert.equal(stub.requests[0].authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(stub.requests[0].variables, { owner: PROJECT_OWNER, number: PROJECT_NUMBER, cursor: null });
    assert.ok(typeof stub.requests[1].variables?.cursor === 'string');

    // The archived item (#9) is left out.
    assert.deepEqual(
      items.map((i) => i.key),
      ['#1', '#2', '#3', '#4', '#5', '#6', `${PROJECT_OWNER}/other-repo#7`, '#8', DRAFT_KEY],
    );
    const place = (key: string) => [byKey(items, key).column, byKey(items, key).status];
    assert.deepEqual(place('#1'), ['todo', 'Todo']);
    assert.deepEqual(place('#2'), ['in-progress', 'In Progress']);
    assert.deepEqual(place('#3'), ['in-review', 'In Review']);
    assert.deepEqual(place('#4'), ['done', 'Done']);
    assert.deepEqual(place('#5'), ['done', NO_STATUS], 'closed without a status is done');
    assert.deepEqual(place('#6'), ['todo', NO_STATUS]);
    assert.deepEqual(place(`${PROJECT_OWNER}/other-repo#7`), ['todo', 'Blocked'], 'an unknown status of an open issue is todo');
    assert.deepEqual(place('#8'), ['in-review', 'In Review'], 'pull requests are items too');

    const built = byKey(items, '#2');
    assert.equal(built.provider, 'github');
    assert.equal(built.id, stub.project.items[1].id, 'the id is the project item id, which moves need');
    assert.equal(built.title, 'Being built');
    assert.equal(built.assignee, STUB_LOGIN);
    assert.deepEqual(built.labels, ['bug']);
    assert.equal(built.type, 'fix');
    assert.equal(built.milestone, 'v1.0');
    assert.equal(built.due, '2024-06-01');
    assert.equal(built.url, `https://github.com/${PROJECT_OWNER}/${PROJECT_REPO}/issues/2`);
    assert.equal(built.updated, '2024-05-02T10:00:00Z');
    const draft = items[items.length - 1];
    assert.deepEqual([draft.key, draft.title, draft.column, draft.assignee], [DRAFT_KEY, 'A draft idea', 'in-progress', STUB_LOGIN]);
  });

  it('stops after 10 pages', async () => {
    for (let n = 20; n < 26; n++) {
      stub.contents.push(stubIssue({ number: n, title: `Extra ${n}` }));
      stub.project.items.push({ id: `PVTI_extra${n}`, contentId: issueNodeId(n) });
    }
    stub.maxPageSize = 1;
    const notes: string[] = [];
    const items = await board().list({ onShortened: (note) => notes.push(note) });
    assert.equal(stub.requests.length, 10);
    assert.equal(items.length, 9, 'ten pages of one, less the archived item');
    assert.equal(notes.length, 1);
    assert.match(notes[0], /has more than 9 items: the board shows the first 9\.$/);
  });

  it('mine: keeps the items assigned to the signed-in user, read from viewer', async () => {
    const mine = await board().list({ mine: true });
    assert.deepEqual(operations()[0], 'Viewer');
    assert.deepEqual(
      mine.map((i) => i.key),
      ['#2', '#8', DRAFT_KEY],
    );
    stub.requests.length = 0;
    const hubots = await board({ me: 'hubot' }).list({ mine: true });
    assert.deepEqual(
      hubots.map((i) => i.key),
      ['#2', '#3'],
      'a second assignee counts too',
    );
    assert.deepEqual(operations(), ['ProjectItems']);
  });

  it('offers the other Status options as transitions, each in its column', async () => {
    const provider = board();
    const items = await provider.list();
    const moves = await provider.transitions(byKey(items, '#1'));
    assert.deepEqual(
      moves.map((m) => [m.name, m.column]),
      [
        ['In Progress', 'in-progress'],
        ['In Review', 'in-review'],
        ['Done', 'done'],
        ['Blocked', 'todo'],
      ],
    );
    assert.equal(moves[0].id, '47fc9ee4', 'the id is the option id');
    const closed = await provider.transitions(byKey(items, '#5'));
    assert.deepEqual(closed.find((m) => m.name === 'Blocked')?.column, 'done', 'an unknown status keeps a closed issue done');
  });

  it('moves an item by setting its Status option, and a new list shows it', async () => {
    const provider = board();
    const items = await provider.list();
    const [toReview] = (await provider.transitions(byKey(items, '#1'))).filter((m) => m.name === 'In Review');
    const moved = await provider.move(byKey(items, '#1'), toReview);
    assert.deepEqual([moved.key, moved.status, moved.column, moved.id], ['#1', 'In Review', 'in-review', byKey(items, '#1').id]);
    const set = stub.requests.find((r) => r.operationName === 'SetStatus');
    assert.deepEqual(set?.variables, {
      projectId: stub.project.id,
      itemId: moved.id,
      fieldId: stub.project.statusField?.id,
      optionId: toReview.id,
    });
    assert.equal(statusOf(issueNodeId(1)), 'In Review');
    assert.deepEqual([byKey(await provider.list(), '#1').column, byKey(await board().list(), '#1').status], ['in-review', 'In Review']);

    // A provider that has not listed reads the project first; a stale option name still finds its option.
    stub.requests.length = 0;
    const done = await board().move(moved, { id: 'gone', name: 'Done', column: 'done' });
    assert.deepEqual([done.status, done.column], ['Done', 'done']);
    assert.deepEqual(operations(), ['Project', 'SetStatus']);
    const missing = await boardError(board().move(done, { id: 'gone', name: 'Parked', column: 'todo' }));
    assert.equal(missing.kind, 'invalid');
    assert.match(missing.message, /no Status option "Parked" any more: refresh the board/);
  });

  it('creates an issue, adds it to the project and sets the Status of its column', async () => {
    const created = await board().create({ title: 'New thing', column: 'in-progress', assignee: 'hubot' });
    assert.deepEqual(
      [created.key, created.title, created.status, created.column, created.assignee],
      ['#11', 'New thing', 'In Progress', 'in-progress', 'hubot'],
    );
    assert.deepEqual(operations(), ['Project', `POST /repos/${PROJECT_OWNER}/${PROJECT_REPO}/issues`, 'AddItem', 'SetStatus']);
    const post = stub.requests.find((r) => r.method === 'POST' && r.path.endsWith('/issues'));
    assert.deepEqual(JSON.parse(post?.body ?? '{}'), { title: 'New thing', assignees: ['hubot'] });
    assert.deepEqual(stub.requests.find((r) => r.operationName === 'AddItem')?.variables, {
      projectId: stub.project.id,
      contentId: issueNodeId(11),
    });
    assert.equal(statusOf(issueNodeId(11)), 'In Progress');
    assert.equal(byKey(await board().list(), '#11').column, 'in-progress');

    const plain = await board().create({ title: 'No column' });
    assert.deepEqual([plain.key, plain.status, plain.column], ['#12', NO_STATUS, 'todo']);
  });

  it('refuses to create in a column the Status field has no option for, before creating anything', async () => {
    stub.project.statusField = {
      id: 'PVTSSF_x',
      options: [
        { id: 'o1', name: 'Todo' },
        { id: 'o2', name: 'Done' },
      ],
    };
    const error = await boardError(board().create({ title: 'Reviewed', column: 'in-review' }));
    assert.equal(error.kind, 'invalid');
    assert.match(error.message, /has no Status option for the in-review column/);
    assert.ok(!stub.requests.some((r) => r.method === 'POST' && r.path.endsWith('/issues')), 'an issue was created anyway');
  });

  it('says the issue was created when adding it to the project fails', async () => {
    const provider = board();
    await provider.list();
    // The REST create goes through; AddItem, the request after it, is refused.
    stub.failNext('forbidden', 1, { after: 1 });
    const error = await boardError(provider.create({ title: 'Half done' }));
    assert.equal(error.kind, 'forbidden');
    assert.match(error.message, /^Created issue #11 in octo-org\/octo-board, but could not put it on Project 3 of octo-org: /);
  });

  it("assigns and unassigns through REST on the item's issue, in its own repository", async () => {
    const provider = board();
    const items = await provider.list();
    const assigned = await provider.assign(byKey(items, '#1'), 'hubot');
    assert.equal(assigned.assignee, 'hubot');
    const post = stub.requests.find((r) => r.method === 'POST' && r.path === `/repos/${PROJECT_OWNER}/${PROJECT_REPO}/issues/1/assignees`);
    assert.deepEqual(JSON.parse(post?.body ?? '{}'), { assignees: ['hubot'] });
    const cleared = await provider.assign(assigned, undefined);
    assert.equal(cleared.assignee, undefined);
    assert.ok(stub.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/issues/1/assignees')));

    await provider.assign(byKey(items, `${PROJECT_OWNER}/other-repo#7`), 'monalisa');
    assert.ok(stub.requests.some((r) => r.method === 'POST' && r.path === `/repos/${PROJECT_OWNER}/other-repo/issues/7/assignees`));

    const draft = await boardError(provider.assign(items[items.length - 1], 'hubot'));
    assert.equal(draft.kind, 'invalid');
    assert.match(draft.message, /is a draft issue: convert it to an issue/);
    const stranger = await boardError(provider.assign(byKey(items, '#6'), 'stranger'));
    assert.equal(stranger.kind, 'invalid');
    assert.match(stranger.message, /did not assign #6 to stranger: they need access/);
  });

  it('assigns an item it has not listed by reading it first', async () => {
    const items = await board().list();
    stub.requests.length = 0;
    const assigned = await board().assign(byKey(items, '#6'), STUB_LOGIN);
    assert.equal(assigned.assignee, STUB_LOGIN);
    assert.deepEqual(operations(), ['ProjectItem', `POST /repos/${PROJECT_OWNER}/${PROJECT_REPO}/issues/6/assignees`]);
  });

  it('a project without a Status field: no status, no transitions, and a move says why', async () => {
    delete stub.project.statusField;
    const provider = board();
    const items = await provider.list();
    assert.deepEqual([byKey(items, '#1').status, byKey(items, '#1').column, byKey(items, '#4').column], [NO_STATUS, 'todo', 'done']);
    assert.deepEqual(await provider.transitions(byKey(items, '#1')), []);
    const error = await boardError(provider.move(byKey(items, '#1'), { id: 'x', name: 'Done', column: 'done' }));
    assert.equal(error.kind, 'invalid');
    assert.match(error.message, /has no single-select field named Status/);
  });

  it('a user-owned project works the same', async () => {
    const fixture = sampleProject();
    fixture.project.ownerType = 'User';
    await stub.stop();
    stub = await startGitHubProjectStub({ token: TOKEN, fixture });
    assert.equal((await board().list()).length, 9);
  });

  describe('errors', () => {
    it('rejects a project number that is not one', () => {
      assert.throws(() => board({ project: 0 }), /must be the project's number/);
    });
    it('401 asks to sign in again', async () => {
      stub.failNext('unauthorized');
      const error = await boardError(board().list());
      assert.equal(error.kind, 'unauthorized');
      assert.match(error.message, /sign in again/);
    });
    it('GraphQL NOT_FOUND (data: null) says the project may be hidden', async () => {
      stub.failNext('not-found');
      const error = await boardError(board().list());
      assert.equal(error.kind, 'not-found');
      assert.equal(error.message, 'Project 3 of octo-org not found, or the token cannot see it');
    });
    it('a project number or owner GitHub does not know is not-found', async () => {
      const number = await boardError(board({ project: 99 }).list());
      assert.deepEqual([number.kind, number.message], ['not-found', 'Project 99 of octo-org not found, or the token cannot see it']);
      const owner = await boardError(board({ owner: 'nobody-here' }).list());
      assert.equal(owner.kind, 'not-found');
      assert.match(owner.message, /^Project 3 of nobody-here not found, or the token cannot see it/);
    });
    it('INSUFFICIENT_SCOPES asks to sign in again for the project scope', async () => {
      stub.failNext('insufficient-scopes');
      const error = await boardError(board().list());
      assert.equal(error.kind, 'unauthorized');
      assert.match(error.message, /needs the read:project scope to list the items of Project 3 of octo-org: sign in again/);
    });
    it('GraphQL FORBIDDEN is forbidden', async () => {
      stub.failNext('forbidden');
      const error = await boardError(board().list());
      assert.equal(error.kind, 'forbidden');
      assert.match(error.message, /Resource not accessible by integration/);
    });
    it('rate limits, as a GraphQL RATE_LIMITED error or a 403, wait until x-ratelimit-reset', async () => {
      for (const failure of ['graphql-rate-limited', 'rate-limited'] as const) {
        stub.failNext(failure);
        const error = await boardError(board().list());
        assert.equal(error.kind, 'rate-limited', failure);
        assert.ok(
          error.retryAfterMs !== undefined && error.retryAfterMs > 500_000 && error.retryAfterMs <= 600_000,
          `${failure}: ${String(error.retryAfterMs)}`,
        );
        assert.match(error.message, /rate limit of 5000 requests an hour is used up: try again in 10 min/);
      }
    });
    it('5xx, malformed JSON, network and timeout', async () => {
      stub.failNext('server-error');
      assert.equal((await boardError(board().list())).kind, 'server');
      stub.failNext('malformed');
      const malformed = await boardError(board().list());
      assert.equal(malformed.kind, 'malformed');
      assert.match(malformed.message, /not JSON: check the GitHub API URL/);
      stub.failNext('hang');
      assert.equal((await boardError(board({ timeoutMs: 300 }).list())).kind, 'timeout');
      assert.equal((await boardError(board({ baseUrl: 'http://127.0.0.1:1' }).list())).kind, 'unreachable');
    });
    it('a failed move is a ServiceError', async () => {
      const provider = board();
      const items = await provider.list();
      stub.failNext('server-error');
      assert.equal((await boardError(provider.move(byKey(items, '#1'), { id: '98236657', name: 'Done', column: 'done' }))).kind, 'server');
    });
    it('never puts the token in a message, even when GitHub echoes it', async () => {
      const echo: typeof fetch = () =>
        Promise.resolve(
          new Response(JSON.stringify({ data: null, errors: [{ type: 'FORBIDDEN', message: `token ${TOKEN} may not` }] }), { status: 200 }),
        );
      const error = await boardError(board({ fetch: echo }).list());
      assert.equal(error.kind, 'forbidden');
      assert.ok(error.message.includes('***'));
    });
    it('GHES: GraphQL goes to /api/graphql beside /api/v3', async () => {
      const seen: string[] = [];
      const record: typeof fetch = (input) => {
        seen.push(input as string);
        return Promise.resolve(new Response(JSON.stringify({ data: { repositoryOwner: null } }), { status: 200 }));
      };
      assert.equal((await boardError(board({ fetch: record, baseUrl: 'https://ghe.example.com/api/v3' }).list())).kind, 'not-found');
      assert.equal(seen[0], 'https://ghe.example.com/api/graphql');
    });
  });
});
