// The GitHub Issues board against a local GitHub whose answers are GitHub's own OpenAPI examples (checked against
// GitHub's schemas), and @octokit/fixtures' recorded paginate-issues traffic for pagination.
import * as assert from 'node:assert/strict';
import { GitHubIssuesBoardProvider } from '../../../src/plan/github/githubIssuesBoard';
import type { WorkItem } from '../../../src/plan/workItem';
import { SSO_URL } from '../../support/githubApi';
import {
  ASSIGNABLE_LOGINS,
  issue,
  ISSUES_OWNER,
  ISSUES_REPO,
  problemsOf,
  recordedPages,
  startGitHubIssuesStub,
  STUB_LOGIN,
} from '../../support/githubIssuesStub';
import type { GitHubIssuesStub } from '../../support/githubIssuesStub';
import { serviceErrorOf } from '../../support/serviceError';

const TOKEN = 'ghp_issuesStubToken0123456789abcdefghijkl';

const boardError = (promise: Promise<unknown>) => serviceErrorOf(promise, [TOKEN]);

function fixtures() {
  return [
    issue({ number: 1, title: 'Plain todo', labels: ['enhancement'], assignee: null, updated_at: '2024-05-01T10:00:00Z' }),
    issue({
      number: 2,
      title: 'Being built',
      labels: ['bug', 'in progress'],
      assignee: STUB_LOGIN,
      milestone: { title: 'v1.0', due_on: '2024-06-01T07:00:00Z' },
      updated_at: '2024-05-02T10:00:00Z',
    }),
    issue({ number: 3, title: 'Under review', labels: ['Review'], assignee: null, updated_at: '2024-05-03T10:00:00Z' }),
    issue({
      number: 4,
      title: 'Finished',
      state: 'closed',
      labels: ['in progress'],
      assignee: 'hubot',
      updated_at: '2024-05-04T10:00:00Z',
    }),
    issue({ number: 5, title: 'A pull request', pullRequest: true, updated_at: '2024-05-05T10:00:00Z' }),
    issue({ number: 6, title: 'Doing it', labels: ['doing'], assignee: null, updated_at: '2024-05-06T10:00:00Z' }),
  ];
}

describe('GitHub Issues board against a stub serving GitHub OpenAPI examples (integration, stub)', () => {
  let stub: GitHubIssuesStub;
  const board = (options: Partial<ConstructorParameters<typeof GitHubIssuesBoardProvider>[0]> = {}) =>
    new GitHubIssuesBoardProvider({ owner: ISSUES_OWNER, repo: ISSUES_REPO, token: TOKEN, baseUrl: stub.url, ...options });
  const byKey = (items: WorkItem[], key: string) => {
    const found = items.find((i) => i.key === key);
    assert.ok(found, `${key} missing`);
    return found;
  };

  beforeEach(async () => {
    stub = await startGitHubIssuesStub({ issues: fixtures() });
  });
  afterEach(async () => {
    stub.served.forEach((served) =>
      assert.deepEqual(problemsOf(served), [], `${served.operationId} ${served.status} does not match GitHub's schema`),
    );
    await stub.stop();
  });

  it('serves only bodies that match the schemas of their operations (published examples and recorded pages)', async () => {
    for (const recording of recordedPages())
      assert.deepEqual(problemsOf({ operationId: 'issues/list-for-repo', status: 200, body: recording.response }), []);
    const items = await board().list();
    await board().move(byKey(items, '#1'), { id: 'in-review', name: 'In review', column: 'in-review' });
    await board().move(byKey(items, '#2'), { id: 'done', name: 'Done', column: 'done' });
    await board().assign(byKey(items, '#3'), 'hubot');
    await board().assign(byKey(items, '#2'), undefined);
    await board({ me: undefined }).list({ mine: true });
    await board().assignees();
    await board().create({ title: 'New' });
    const operations = new Set(stub.served.map((s) => s.operationId));
    for (const op of [
      'issues/list-for-repo',
      'issues/update',
      'issues/add-labels',
      'issues/remove-label',
      'issues/add-assignees',
      'issues/remove-assignees',
      'users/get-authenticated',
      'issues/create',
      'issues/list-assignees',
    ])
      assert.ok(operations.has(op), `${op} not exercised`);
    assert.ok(stub.served.length > 0);
    for (const served of stub.served) assert.deepEqual(problemsOf(served), [], served.operationId);
  });

  it('maps issues onto the four columns and skips pull requests', async () => {
    const items = await board().list();
    assert.deepEqual(items.map((i) => i.key).sort(), ['#1', '#2', '#3', '#4', '#6']);
    assert.deepEqual(
      stub.requests.map((r) => r.path),
      [
        `/repos/${ISSUES_OWNER}/${ISSUES_REPO}/issues?state=open&per_page=100&sort=updated`,
        `/repos/${ISSUES_OWNER}/${ISSUES_REPO}/issues?state=closed&per_page=100&sort=updated`,
      ],
    );
    assert.equal(stub.requests[0].headers.authorization, `Bearer ${TOKEN}`);
    const todo = byKey(items, '#1');
    assert.deepEqual({ column: todo.column, status: todo.status, type: todo.type }, { column: 'todo', status: 'open', type: 'feat' });
    const progress = byKey(items, '#2');
    assert.equal(progress.provider, 'github');
    assert.equal(progress.id, fixtures()[1].node_id);
    assert.equal(progress.title, 'Being built');
    assert.equal(progress.column, 'in-progress');
    assert.equal(progress.status, 'in progress');
    assert.equal(progress.assignee, STUB_LOGIN);
    assert.deepEqual(progress.labels, ['bug', 'in progress']);
    assert.equal(progress.milestone, 'v1.0');
    assert.equal(progress.due, '2024-06-01');
    assert.equal(progress.type, 'fix');
    assert.equal(progress.url, `https://github.com/${ISSUES_OWNER}/${ISSUES_REPO}/issues/2`);
    assert.equal(progress.updated, '2024-05-02T10:00:00Z');
    assert.deepEqual([byKey(items, '#3').column, byKey(items, '#3').status], ['in-review', 'Review']);
    assert.deepEqual([byKey(items, '#4').column, byKey(items, '#4').status], ['done', 'closed']);
    assert.equal(byKey(items, '#6').column, 'in-progress');
  });

  it('follows Link rel="next" through the pages (generated pages)', async () => {
    stub.pageSize = 2;
    const items = await board().list();
    assert.equal(items.length, 5);
    // Five open (four issues and the pull request) in three pages, then the one closed issue.
    assert.equal(stub.requests.length, 4);
    assert.match(stub.requests[2].path, /state=open.*page=3/);
    assert.match(stub.requests[3].path, /state=closed/);
  });

  it('lists the whole open backlog when closed issues and pull requests fill far more pages (generated pages)', async () => {
    const closed = Array.from({ length: 1500 }, (_, i) =>
      issue({
        number: 100 + i,
        title: `Closed ${i}`,
        state: 'closed',
        pullRequest: i % 3 === 0,
        updated_at: `2024-06-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`,
      }),
    );
    stub.setIssues([...fixtures(), ...closed]);
    let shortened: string | undefined;
    const items = await board().list({ onShortened: (note) => (shortened = note) });
    // The open issues were updated before every closed one: listed by update across all states they came last.
    assert.deepEqual(
      items
        .filter((i) => i.column !== 'done')
        .map((i) => i.key)
        .sort(),
      ['#1', '#2', '#3', '#6'],
    );
    const done = items.filter((i) => i.column === 'done');
    assert.ok(done.length > 0 && done.length <= 100, `${done.length} done: the most recently updated page of closed issues`);
    assert.equal(shortened, undefined, 'the open backlog is whole');
    assert.equal(stub.requests.length, 2);
  });

  it('follows the Link headers of recorded real traffic (@octokit/fixtures paginate-issues) through all pages', async () => {
    stub.useRecordedPagination();
    const pages = recordedPages();
    const items = await board().list();
    const recordedIssues = pages.flatMap((p) => p.response as { number: number; pull_request?: unknown }[]).filter((i) => !i.pull_request);
    assert.deepEqual(
      items.map((i) => i.key),
      recordedIssues.map((i) => `#${i.number}`),
    );
    const listed = stub.requests.filter((r) => r.path.includes('/issues') && !r.path.includes('state=closed'));
    assert.equal(listed.length, pages.length, 'one request per recorded page, ending at the page without rel="next"');
    assert.match(listed[1].path, /^\/repositories\/1000\/issues\?.*page=2/);
  });

  it('stops after 10 pages of open issues and says how many it shows', async () => {
    stub.pageSize = 1;
    stub.setIssues(Array.from({ length: 12 }, (_, i) => issue({ number: i + 1, title: `Issue ${i + 1}` })));
    const notes: string[] = [];
    const items = await board().list({ onShortened: (note) => notes.push(note) });
    assert.equal(items.length, 10);
    assert.equal(stub.requests.length, 11, 'ten pages of open issues, then the closed');
    assert.deepEqual(notes, [`${ISSUES_OWNER}/${ISSUES_REPO} has more than 10 open issues: the board shows the 10 updated last.`]);
    // Exactly ten is a whole board: nothing to say.
    stub.setIssues(Array.from({ length: 10 }, (_, i) => issue({ number: i + 1, title: `Issue ${i + 1}` })));
    notes.length = 0;
    assert.equal((await board().list({ onShortened: (note) => notes.push(note) })).length, 10);
    assert.deepEqual(notes, []);
  });

  it('sends If-None-Match and returns the cached items on 304, not charged to the rate limit', async () => {
    const provider = board();
    const first = await provider.list();
    const charged = stub.charged;
    const second = await provider.list();
    assert.ok(stub.requests[2].headers['if-none-match'], 'no If-None-Match sent for the open issues');
    assert.ok(stub.requests[3].headers['if-none-match'], 'no If-None-Match sent for the closed issues');
    assert.equal(stub.charged, charged);
    assert.deepEqual(second, first);
    stub.issues[0].title = 'Renamed';
    stub.issues[0].updated_at = '2024-05-09T00:00:00Z';
    const third = await provider.list();
    assert.equal(byKey(third, '#1').title, 'Renamed');
  });

  it('moves an issue closed on a later page of open issues to done, though the first page is unchanged (304)', async () => {
    stub.pageSize = 2;
    const provider = board();
    assert.equal(byKey(await provider.list(), '#1').column, 'todo');
    // #1 is the last open issue by update: closing it leaves the first page of open issues as it was.
    const one = stub.issues.find((i) => i.number === 1);
    assert.ok(one);
    Object.assign(one, { state: 'closed', updated_at: '2024-05-10T00:00:00Z' });
    const items = await provider.list();
    assert.deepEqual([byKey(items, '#1').column, byKey(items, '#1').status], ['done', 'closed']);
    assert.equal(items.filter((i) => i.key === '#1').length, 1, 'listed once');
  });

  it('offers the four columns as transitions', async () => {
    const items = await board().list();
    const moves = await board().transitions(byKey(items, '#1'));
    assert.deepEqual(
      moves.map((m) => m.column),
      ['in-progress', 'in-review', 'done'],
    );
  });

  it('closes an issue moved to done and labels one moved to in review', async () => {
    const items = await board().list();
    const done = await board().move(byKey(items, '#2'), { id: 'done', name: 'Done', column: 'done' });
    assert.equal(done.column, 'done');
    assert.equal(done.status, 'closed');
    assert.deepEqual(done.labels, ['bug']);
    const patch = stub.requests.find((r) => r.method === 'PATCH');
    assert.deepEqual(JSON.parse(patch?.body ?? '{}'), { state: 'closed' });
    assert.equal(stub.issues.find((i) => i.number === 2)?.state, 'closed');

    const review = await board().move(byKey(items, '#6'), { id: 'in-review', name: 'In review', column: 'in-review' });
    assert.equal(review.column, 'in-review');
    assert.equal(review.status, 'in review');
    assert.deepEqual(review.labels, ['in review']);
    assert.ok(stub.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/issues/6/labels/doing')));
    const add = stub.requests.find((r) => r.method === 'POST' && r.path.endsWith('/issues/6/labels'));
    assert.deepEqual(JSON.parse(add?.body ?? '{}'), { labels: ['in review'] });

    const reopened = await board().move(done, { id: 'todo', name: 'To do', column: 'todo' });
    assert.deepEqual([reopened.column, reopened.status], ['todo', 'open']);
  });

  it('assigns and unassigns', async () => {
    const items = await board().list();
    const assigned = await board().assign(byKey(items, '#1'), 'hubot');
    assert.equal(assigned.assignee, 'hubot');
    const post = stub.requests.find((r) => r.method === 'POST' && r.path.endsWith('/issues/1/assignees'));
    assert.deepEqual(JSON.parse(post?.body ?? '{}'), { assignees: ['hubot'] });
    const cleared = await board().assign(assigned, undefined);
    assert.equal(cleared.assignee, undefined);
    assert.ok(stub.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/issues/1/assignees')));
  });

  it('mine: lists the issues assigned to the signed-in user, read from GET /user', async () => {
    const mine = await board({ me: undefined }).list({ mine: true });
    assert.deepEqual(
      mine.map((i) => i.key),
      ['#2'],
    );
    assert.ok(stub.requests.some((r) => r.path === '/user'));
    assert.ok(stub.requests.some((r) => r.path.includes(`assignee=${STUB_LOGIN}`)));
  });

  it('lists who can be assigned in the repository', async () => {
    const people = await board().assignees();
    assert.deepEqual(
      people,
      ASSIGNABLE_LOGINS.map((login) => ({ id: login, name: login })),
    );
  });

  it('creates an issue, assigned, and puts it in the column asked for', async () => {
    const created = await board().create({ title: 'Export as CSV', column: 'in-review', assignee: 'hubot' });
    assert.equal(created.key, '#7');
    assert.equal(created.title, 'Export as CSV');
    assert.equal(created.assignee, 'hubot');
    assert.equal(created.column, 'in-review');
    assert.deepEqual(JSON.parse(stub.requests.find((r) => r.method === 'POST' && r.path.endsWith('/issues'))?.body ?? '{}'), {
      title: 'Export as CSV',
      assignees: ['hubot'],
    });
    const listed = byKey(await board().list(), '#7');
    assert.equal(listed.column, 'in-review');
  });

  describe('errors', () => {
    it('401 asks to sign in again', async () => {
      stub.failNext('unauthorized');
      const error = await boardError(board().list());
      assert.equal(error.kind, 'unauthorized');
      assert.match(error.message, /sign in again/);
    });
    it('403 SAML names the SSO url', async () => {
      stub.failNext('sso');
      const error = await boardError(board().list());
      assert.equal(error.kind, 'forbidden');
      assert.ok(error.message.includes(SSO_URL), error.message);
    });
    it('403 forbidden', async () => {
      stub.failNext('forbidden');
      assert.equal((await boardError(board().list())).kind, 'forbidden');
    });
    it('403 rate limit waits until x-ratelimit-reset', async () => {
      stub.failNext('rate-limited');
      const error = await boardError(board().list());
      assert.equal(error.kind, 'rate-limited');
      assert.ok(
        error.retryAfterMs !== undefined && error.retryAfterMs > 500_000 && error.retryAfterMs <= 600_000,
        String(error.retryAfterMs),
      );
    });
    it('403 secondary and 429 rate limits wait for retry-after', async () => {
      stub.failNext('secondary-rate-limit');
      assert.deepEqual(await boardError(board().list()).then((e) => [e.kind, e.retryAfterMs]), ['rate-limited', 30_000]);
      stub.failNext('too-many-requests');
      assert.deepEqual(await boardError(board().list()).then((e) => [e.kind, e.retryAfterMs]), ['rate-limited', 5_000]);
    });
    it('404 says the token may not see it', async () => {
      stub.failNext('not-found');
      const error = await boardError(board().list());
      assert.equal(error.kind, 'not-found');
      assert.match(error.message, /or the token cannot see it/);
    });
    it('5xx, malformed JSON, network and timeout', async () => {
      stub.failNext('server-error');
      assert.equal((await boardError(board().list())).kind, 'server');
      stub.failNext('malformed');
      assert.equal((await boardError(board().list())).kind, 'malformed');
      stub.failNext('hang');
      const timeout = await boardError(board({ timeoutMs: 300 }).list());
      assert.equal(timeout.kind, 'timeout');
      assert.equal((await boardError(board({ baseUrl: 'http://127.0.0.1:1' }).list())).kind, 'unreachable');
    });
    it('never puts the token in a message, even when GitHub echoes it', async () => {
      const echo: typeof fetch = () =>
        Promise.resolve(
          new Response(JSON.stringify({ message: `bad token ${TOKEN}` }), { status: 403, headers: { 'content-type': 'application/json' } }),
        );
      const error = await boardError(board({ fetch: echo }).list());
      assert.equal(error.kind, 'forbidden');
    });
    it('a failed move is a ServiceError', async () => {
      const items = await board().list();
      stub.failNext('server-error');
      assert.equal((await boardError(board().move(byKey(items, '#1'), { id: 'done', name: 'Done', column: 'done' }))).kind, 'server');
    });
  });
});
