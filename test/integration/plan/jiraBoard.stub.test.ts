// The Jira board against a local Jira whose answers are shaped from, and checked against, Atlassian's
// published OpenAPI description: no Jira site or account needed.
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { JiraBoardProvider } from '../../../src/plan/jira/jiraBoard';
import type { JiraBoardOptions } from '../../../src/plan/jira/jiraBoard';
import { boardJql } from '../../../src/plan/jira/jiraIssue';
import type { WorkItem } from '../../../src/plan/workItem';
import { startWorkMove } from '../../../src/plan/startWorkStatus';
import { ServiceError } from '../../../src/core/errors';
import {
  fixture,
  FIXTURE_SCHEMAS,
  FIXTURES,
  OPERATIONS,
  PUBLISHED_EXAMPLE_QUIRKS,
  publishedExample,
  SPEC_REPAIRS,
  startJiraStub,
  STUB_EMAIL as EMAIL,
  STUB_PROJECT as PROJECT,
  STUB_TOKEN as TOKEN,
  validateIssueFields,
  validateRequest,
} from '../../support/jiraStub';
import type { JiraStub, StubFailure } from '../../support/jiraStub';
import { serviceErrorOf } from '../../support/serviceError';
import { aWorkItem } from '../../support/builders';
import { closedPort } from '../../support/stubServer';

const BASIC = Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64');
const EMMA = '5b10ac8d82e05b22cc7d4ef5';

const boardError = (promise: Promise<unknown>) => serviceErrorOf(promise, [TOKEN, BASIC]);

function byKey(items: WorkItem[]): Map<string, WorkItem> {
  return new Map(items.map((i) => [i.key, i]));
}

describe('Jira board against a stub shaped from the published Jira Cloud OpenAPI (integration, stub)', () => {
  let stub: JiraStub;
  const board = (options: Partial<JiraBoardOptions> = {}) =>
    new JiraBoardProvider({ site: stub.url, email: EMAIL, apiToken: TOKEN, project: PROJECT, ...options });

  beforeEach(async () => {
    stub = await startJiraStub();
  });
  afterEach(async function () {
    await stub.stop();
    // Every request Conveyor sent and every answer the stub served matched the spec.
    if (this.currentTest?.state === 'passed') assert.deepEqual(stub.problems, []);
  });

  describe('the fixtures', () => {
    it('each validates against the schema of its operation in the published spec', () => {
      const files = readdirSync(FIXTURES)
        .filter((f) => f.endsWith('.json'))
        .sort();
      assert.deepEqual(FIXTURE_SCHEMAS.map((f) => f.file).sort(), files, 'every fixture has a schema check');
      for (const { file, check } of FIXTURE_SCHEMAS) assert.deepEqual(check(fixture(file)), [], file);
    });

    it("include the spec's own examples verbatim", () => {
      assert.deepEqual(fixture('search-published-example.json'), publishedExample(OPERATIONS.search));
      assert.deepEqual(fixture('transitions-published-example.json'), publishedExample(OPERATIONS.getTransitions));
    });

    it('repair only what the published spec still gets wrong', () => {
      for (const repair of SPEC_REPAIRS) {
        assert.ok(validateRequest(repair.operationId, repair.body, { repaired: false }).includes(repair.problem), repair.why);
        assert.deepEqual(validateRequest(repair.operationId, repair.body), []);
      }
      const [exampleIssue] = fixture<{ issues: unknown[] }>('search-published-example.json').issues;
      assert.deepEqual(validateIssueFields(exampleIssue), PUBLISHED_EXAMPLE_QUIRKS);
    });
  });

  describe('list', () => {
    it('follows nextPageToken until isLast, asking with the current search endpoint', async () => {
      const items = await board().list();
      assert.deepEqual(
        items.map((i) => i.key),
        ['SHOP-1', 'SHOP-2', 'SHOP-3', 'SHOP-4', 'SHOP-5'],
      );
      const searches = stub.requests.filter((r) => r.operationId === OPERATIONS.search);
      assert.equal(searches.length, 2);
      assert.ok(stub.requests.every((r) => r.authenticated && r.method === 'POST' && r.path === '/rest/api/3/search/jql'));
      const [first, second] = searches.map((r) => r.body as { jql: string; fields: string[]; maxResults: number; nextPageToken?: string });
      assert.equal(first.jql, `project = "SHOP" AND (statusCategory != Done OR updated >= -14d) ORDER BY updated DESC`);
      assert.deepEqual(first.fields, ['summary', 'status', 'assignee', 'labels', 'duedate', 'updated', 'issuetype', 'fixVersions']);
      assert.equal(first.maxResults, 100);
      assert.equal(first.nextPageToken, undefined);
      assert.equal(second.nextPageToken, fixture<{ nextPageToken: string }>('search-page-1.json').nextPageToken);
      assert.equal(second.jql, first.jql);
    });

    it('stops at its page cap and says the board is bigger, but not when the last page is the cap', async () => {
      const notes: string[] = [];
      const items = await board({ maxPages: 1 }).list({ onShortened: (note) => notes.push(note) });
      assert.equal(items.length, fixture<{ issues: unknown[] }>('search-page-1.json').issues.length);
      assert.deepEqual(notes, [`The board has more than ${items.length} issues: it shows the first ${items.length} of the query's order.`]);
      notes.length = 0;
      assert.equal((await board({ maxPages: 2 }).list({ onShortened: (note) => notes.push(note) })).length, 5);
      assert.deepEqual(notes, []);
    });

    it('mine adds assignee = currentUser() before the ORDER BY', async () => {
      const items = await board().list({ mine: true });
      assert.deepEqual(
        items.map((i) => i.key),
        ['SHOP-1', 'SHOP-4', 'SHOP-5'],
      );
      const { jql } = stub.requests[0].body as { jql: string };
      assert.equal(
        jql,
        `(project = "SHOP" AND (statusCategory != Done OR updated >= -14d)) AND assignee = currentUser() ORDER BY updated DESC`,
      );
    });

    it('a configured JQL replaces the default, and mine still narrows it', async () => {
      await board({ jql: 'project = SHOP AND labels = "order by" ORDER BY rank' }).list({ mine: true });
      assert.equal(
        (stub.requests[0].body as { jql: string }).jql,
        '(project = SHOP AND labels = "order by") AND assignee = currentUser() ORDER BY rank',
      );
      assert.equal(boardJql({ jql: 'labels = web', mine: true }), '(labels = web) AND assignee = currentUser()');
      assert.equal(boardJql({ project: 'A"B' }).startsWith('project = "A\\"B"'), true);
    });

    it('maps status categories, review statuses, issue types, people, dates and versions', async () => {
      const items = byKey(await board().list());
      assert.deepEqual(items.get('SHOP-1'), {
        provider: 'jira',
        id: '10010',
        key: 'SHOP-1',
        title: 'Checkout shows the total with tax',
        column: 'in-progress',
        status: 'In Progress',
        assignee: 'Mia Krystof',
        labels: ['checkout', 'web'],
        milestone: 'New Version 1',
        due: '2024-05-20',
        url: `${stub.url}/browse/SHOP-1`,
        updated: '2024-05-14T07:12:44.170Z',
        type: 'feat',
      });
      const shop2 = items.get('SHOP-2');
      assert.deepEqual([shop2?.column, shop2?.status, shop2?.type, shop2?.assignee], ['in-review', 'In Review', 'fix', 'Emma Richards']);
      const shop3 = items.get('SHOP-3');
      assert.deepEqual([shop3?.column, shop3?.type, shop3?.assignee, shop3?.due], ['todo', 'feat', undefined, undefined]);
      const shop4 = items.get('SHOP-4');
      assert.deepEqual([shop4?.column, shop4?.type, shop4?.milestone], ['done', 'chore', '1.0']);
    });

    it('takes the active sprint as the milestone when the Sprint field is configured', async () => {
      const items = byKey(await board({ sprintField: 'customfield_10020' }).list());
      assert.equal(items.get('SHOP-1')?.milestone, 'SHOP Sprint 8');
      assert.equal(items.get('SHOP-2')?.milestone, undefined);
      assert.ok((stub.requests[0].body as { fields: string[] }).fields.includes('customfield_10020'));
    });

    it("reads Atlassian's own example issue without failing on its odd fields", async () => {
      const [item] = await board({ project: 'ED' }).list();
      assert.deepEqual([item.key, item.id, item.column, item.title, item.updated], ['ED-1', '10002', 'todo', '', undefined]);
    });
  });

  describe('transitions and move', () => {
    it('offers the available moves with the column of their target status', async () => {
      const [, , shop3] = await board().list();
      const transitions = await board().transitions(shop3);
      assert.deepEqual(transitions, [
        { id: '11', name: 'To Do', column: 'todo', status: 'To Do' },
        { id: '21', name: 'In Progress', column: 'in-progress', status: 'In Progress' },
        { id: '31', name: 'Ready for review', column: 'in-review', status: 'In Review' },
        { id: '41', name: 'Done', column: 'done', status: 'Done' },
      ]);
      assert.equal(stub.requests.at(-1)?.path, '/rest/api/3/issue/SHOP-3/transitions');
    });

    it("maps the published example's unusual category keys by colour, and the target status, not the move's name", async () => {
      const [ed1] = await board({ project: 'ED' }).list();
      assert.deepEqual(await board().transitions(ed1), [
        { id: '2', name: 'Close Issue', column: 'in-progress', status: 'In Progress' },
        { id: '711', name: 'QA Review', column: 'done', status: 'Closed' },
      ]);
    });

    it('moves an issue and returns it in its new status', async () => {
      const provider = board();
      const shop3 = byKey(await provider.list()).get('SHOP-3') as WorkItem;
      const review = (await provider.transitions(shop3)).find((t) => t.column === 'in-review');
      assert.ok(review);
      const moved = await provider.move(shop3, review);
      assert.deepEqual([moved.key, moved.status, moved.column], ['SHOP-3', 'In Review', 'in-review']);
      const request = stub.requests.at(-1);
      assert.deepEqual(
        [request?.method, request?.path, request?.body],
        ['POST', '/rest/api/3/issue/SHOP-3/transitions', { transition: { id: '31' } }],
      );
      assert.equal(byKey(await provider.list()).get('SHOP-3')?.column, 'in-review');
    });

    it('Start Work moves a to-do issue through the transition board.onStartWork names, and refuses an unknown status before any move', async () => {
      const provider = board();
      const shop3 = byKey(await provider.list()).get('SHOP-3') as WorkItem;
      const byDefault = await startWorkMove(provider, shop3, undefined);
      assert.equal(byDefault?.id, '21', 'unconfigured: the move into In progress, as before');
      const configured = await startWorkMove(provider, shop3, 'in review');
      assert.deepEqual(configured, { id: '31', name: 'Ready for review', column: 'in-review', status: 'In Review' });
      await provider.move(shop3, configured);
      assert.deepEqual(stub.requests.at(-1)?.body, { transition: { id: '31' } });

      const requests = stub.requests.length;
      const shop3Now = byKey(await provider.list()).get('SHOP-3') as WorkItem;
      assert.equal(await startWorkMove(provider, shop3Now, 'In Review'), undefined, 'started already: it stays');
      const todo = { ...shop3Now, column: 'todo' as const, status: 'To Do' };
      const error = await boardError(startWorkMove(provider, todo, 'Doing'));
      assert.equal(error.kind, 'invalid');
      assert.match(
        error.message,
        /SHOP-3 cannot move to "Doing" \(board\.onStartWork in conveyor\.yml\); on Jira it can be: To Do, .*Ready for review \(→ In Review\), Done\. Nothing was changed\./,
      );
      assert.ok(!stub.requests.slice(requests).some((r) => r.operationId === OPERATIONS.doTransition), 'no move was sent');
    });

    it("reports a move Jira does not allow in Jira's words", async () => {
      const shop3 = byKey(await board().list()).get('SHOP-3') as WorkItem;
      const error = await boardError(board().move(shop3, { id: '51', name: 'Close as duplicate', column: 'done' }));
      assert.equal(error.kind, 'invalid');
      assert.match(error.message, /Jira could not move SHOP-3 \(Close as duplicate\): Transition id '51' is not valid/);
    });
  });

  describe('assign', () => {
    it("assigns by account id and returns the item with the assignee's name", async () => {
      const shop3 = byKey(await board().list()).get('SHOP-3') as WorkItem;
      const assigned = await board().assign(shop3, EMMA);
      assert.equal(assigned.assignee, 'Emma Richards');
      assert.equal(assigned.column, 'todo');
      const put = stub.requests.find((r) => r.operationId === OPERATIONS.assign);
      assert.deepEqual([put?.method, put?.path, put?.body], ['PUT', '/rest/api/3/issue/SHOP-3/assignee', { accountId: EMMA }]);
    });

    it('unassigns with accountId null', async () => {
      const shop1 = byKey(await board().list()).get('SHOP-1') as WorkItem;
      const unassigned = await board().assign(shop1, undefined);
      assert.equal(unassigned.assignee, undefined);
      assert.deepEqual(stub.requests.find((r) => r.operationId === OPERATIONS.assign)?.body, { accountId: null });
    });

    it("reports an unknown account in Jira's words", async () => {
      const shop1 = byKey(await board().list()).get('SHOP-1') as WorkItem;
      const error = await boardError(board().assign(shop1, 'nobody'));
      assert.equal(error.kind, 'invalid');
      assert.match(error.message, /assignee: User 'nobody' cannot be assigned issues/);
    });
  });

  describe('create and assignees', () => {
    it('lists who can be assigned to an issue, by account id and display name', async () => {
      const shop3 = byKey(await board().list()).get('SHOP-3') as WorkItem;
      const people = await board().assignees(shop3);
      assert.deepEqual(
        people.map((p) => p.id).sort(),
        fixture<{ accountId: string }[]>('users.json')
          .map((u) => u.accountId)
          .sort(),
      );
      assert.ok(people.some((p) => p.id === EMMA && p.name === 'Emma Richards'));
      assert.equal(stub.requests.find((r) => r.operationId === OPERATIONS.assignable)?.query.issueKey, 'SHOP-3');
    });

    it('creates a Task in the project, assigned, and moves it to the column asked for', async () => {
      const created = await board().create({ title: 'Refund button on the order page', column: 'in-progress', assignee: EMMA });
      assert.match(created.key, /^SHOP-\d+$/);
      assert.equal(created.title, 'Refund button on the order page');
      assert.equal(created.assignee, 'Emma Richards');
      assert.equal(created.column, 'in-progress');
      const post = stub.requests.find((r) => r.operationId === OPERATIONS.createIssue);
      assert.deepEqual((post?.body as { fields: unknown }).fields, {
        project: { key: PROJECT },
        summary: 'Refund button on the order page',
        issuetype: { id: '10001' },
        assignee: { accountId: EMMA },
      });
      assert.ok(
        stub.requests.some((r) => r.operationId === OPERATIONS.doTransition && r.path === `/rest/api/3/issue/${created.key}/transitions`),
      );
    });

    it('creates in To do without a transition when no column is asked for', async () => {
      const created = await board().create({ title: 'Plain task' });
      assert.equal(created.column, 'todo');
      assert.ok(!stub.requests.some((r) => r.operationId === OPERATIONS.doTransition));
    });

    it('refuses to create on a JQL board without a project, before any request', async () => {
      const error = await boardError(board({ project: undefined, jql: 'assignee = currentUser()' }).create({ title: 'x' }));
      assert.equal(error.kind, 'invalid');
      assert.match(error.message, /board\.jira\.project/);
      assert.equal(stub.requests.length, 0);
    });
  });

  describe('errors', () => {
    const failing = async (failure: StubFailure, options: Partial<JiraBoardOptions> = {}) => {
      stub.failNext(failure);
      return boardError(board(options).list());
    };

    it('401: the token was rejected, with what to do and without the token', async () => {
      for (const error of [await failing('unauthorized'), await boardError(board({ apiToken: 'wrong-token' }).list())]) {
        assert.equal(error.kind, 'unauthorized');
        assert.match(
          error.message,
          /^Jira rejected the API token for mia@example\.com: create a new one at https:\/\/id\.atlassian\.com\//,
        );
      }
    });

    it('403: a missing permission, and the CAPTCHA lock-out', async () => {
      const forbidden = await failing('forbidden');
      assert.equal(forbidden.kind, 'forbidden');
      assert.match(forbidden.message, /Jira does not let mia@example\.com list the SHOP board \("You do not have permission/);
      const captcha = await failing('captcha');
      assert.equal(captcha.kind, 'forbidden');
      assert.match(captcha.message, /CAPTCHA.*sign in to http:\/\/127\.0\.0\.1:\d+ in a browser/);
    });

    it('404: an issue that is gone or hidden', async () => {
      const item = aWorkItem({ provider: 'jira', id: '1', key: 'SHOP-99', status: 'To Do' });
      const error = await boardError(board().transitions(item));
      assert.equal(error.kind, 'not-found');
      assert.match(error.message, /^Issue SHOP-99 not found in .*, or mia@example\.com cannot see it \("Issue does not exist/);
    });

    it('429: rate limited, with Retry-After', async () => {
      const error = await failing('rate-limited');
      assert.equal(error.kind, 'rate-limited');
      assert.equal(error.retryAfterMs, 30_000);
      assert.match(error.message, /slow down.*try again in 30 s/);
    });

    it('5xx: the server failed, and a token echoed back is masked', async () => {
      const error = await failing('server-error');
      assert.equal(error.kind, 'server');
      assert.match(error.message, /Jira could not list the SHOP board \(503: Service temporarily unavailable\): try again/);
      const echoed = await failing('server-error-echoing-auth');
      assert.equal(echoed.kind, 'server');
      assert.match(echoed.message, /\*\*\*/);
    });

    it('answers that are not Jira JSON: truncated JSON and an HTML page', async () => {
      const malformed = await failing('malformed-json');
      assert.equal(malformed.kind, 'malformed');
      assert.match(malformed.message, /not JSON/);
      const html = await failing('html');
      assert.equal(html.kind, 'malformed');
      assert.match(html.message, /web page instead of Jira's JSON: check the Jira site URL/);
    });

    it("a JQL Jira refuses (400) in Jira's words", async () => {
      const error = await boardError(board({ project: 'NOPE' }).list());
      assert.equal(error.kind, 'invalid');
      assert.match(error.message, /The value 'NOPE' does not exist for the field 'project'/);
    });

    it('network: nothing listening, and a server that never answers', async () => {
      const port = await closedPort();
      const unreachable = await boardError(board({ site: `http://127.0.0.1:${port}` }).list());
      assert.equal(unreachable.kind, 'unreachable');
      assert.match(unreachable.message, /Cannot reach Jira at http:\/\/127\.0\.0\.1:\d+: connection refused/);

      const timeout = await failing('hang', { timeoutMs: 300 });
      assert.equal(timeout.kind, 'timeout');
      assert.match(timeout.message, /did not answer within 0\.3 s/);
    });

    it("a caller's abort is not reported as a Jira failure", async () => {
      stub.failNext('hang');
      const controller = new AbortController();
      const listing = board().list({ signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(
        listing,
        (error: unknown) => !(error instanceof ServiceError) && error instanceof Error && error.name === 'AbortError',
      );
    });

    it('a board without a project or JQL, and a site that is not a URL', async () => {
      const unset = await boardError(board({ project: undefined }).list());
      assert.equal(unset.kind, 'invalid');
      assert.match(unset.message, /set a project key or a JQL query/);
      assert.throws(
        () => board({ site: 'https://' }),
        (error: unknown) => error instanceof ServiceError && error.kind === 'invalid',
      );
      assert.equal(stub.requests.length, 0);
    });

    it('no error message carries the token', async () => {
      for (const failure of [
        'unauthorized',
        'forbidden',
        'captcha',
        'not-found',
        'rate-limited',
        'server-error',
        'server-error-echoing-auth',
        'malformed-json',
        'html',
      ] satisfies StubFailure[]) {
        await failing(failure);
      }
    });
  });
});
