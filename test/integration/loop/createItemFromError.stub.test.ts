// Create Work Item from Error on the hosted boards, against their schema-checked stubs: the title and the
// description reach each vendor in its own field and shape (GitHub `body`, Linear `description`, Jira's v3
// `description` as an Atlassian document), and the link names the created item.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createItemFromError } from '../../../src/loop/errorItems/createItemFromError';
import { ErrorItemLinks } from '../../../src/loop/errorItems/errorItemLinks';
import { itemFromError } from '../../../src/loop/errorItems/itemFromError';
import type { ErrorIssue } from '../../../src/monitor/errors/errorModel';
import { GitHubIssuesBoardProvider } from '../../../src/plan/github/githubIssuesBoard';
import { GitHubProjectBoardProvider } from '../../../src/plan/github/githubProjectBoard';
import { JiraBoardProvider } from '../../../src/plan/jira/jiraBoard';
import { LinearBoardProvider } from '../../../src/plan/linear/linearBoard';
import type { BoardProvider } from '../../../src/plan/workItem';
import { validateRequest as validateGitHubRequest } from '../../support/githubApi';
import { ISSUES_OWNER, ISSUES_REPO, issue as githubIssue, problemsOf, startGitHubIssuesStub } from '../../support/githubIssuesStub';
import { PROJECT_NUMBER, PROJECT_OWNER, PROJECT_REPO, startGitHubProjectStub } from '../../support/githubProjectStub';
import { OPERATIONS, STUB_EMAIL, STUB_PROJECT, STUB_TOKEN, startJiraStub } from '../../support/jiraStub';
import { startLinearStub } from '../../support/linearStub';
import { anErrorIssue } from '../../support/builders';

const GITHUB_TOKEN = 'ghp_fromErrorStubToken0123456789abcdefgh';
const LINEAR_KEY = 'lin_api_fromErrorStubKey000000000000000000';

/** A Sentry issue whose message would break Markdown it was pasted into. */
const ISSUE: ErrorIssue = anErrorIssue({
  source: 'sentry',
  id: '4711',
  shortId: 'SHOP-1A',
  title: 'TypeError: `total` is *NaN* in [cart]',
  url: 'https://acme.sentry.io/issues/4711/',
  count: 152,
  userCount: 14,
  firstRelease: '1.2.0',
  lastRelease: '1.2.0',
  latestEvent: {
    eventId: 'f'.repeat(32),
    timestamp: '2026-11-05T10:00:00.000Z',
    exceptionType: 'TypeError',
    exceptionValue: '`total` is *NaN* in [cart]',
    frames: [
      { filename: 'app:///dist/server.js', lineno: 3, function: 'main', inApp: true },
      { filename: 'app:///dist/cart.js', lineno: 12, function: 'addToCart', inApp: true },
    ],
  },
});
const TITLE = 'TypeError: `total` is *NaN* in [cart]';

describe('Create Work Item from Error on hosted boards (integration, stub)', () => {
  let stateDir: string;
  let description: string;
  before(async () => {
    description = (await itemFromError(ISSUE, '/ws/shop', () => Promise.resolve(undefined))).description;
  });
  beforeEach(() => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-error-items-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  const create = (provider: BoardProvider) => {
    const board = provider.create?.bind(provider);
    assert.ok(board, `${provider.name} creates items`);
    return createItemFromError(ISSUE, {
      folder: '/ws/shop',
      create: board,
      links: new ErrorItemLinks(stateDir),
      locate: () => Promise.resolve(undefined),
    });
  };

  it('GitHub Issues: the issue body is the Markdown description (stub)', async () => {
    const stub = await startGitHubIssuesStub({ issues: [githubIssue({ number: 1, title: 'Existing' })] });
    try {
      const { item, link } = await create(
        new GitHubIssuesBoardProvider({ owner: ISSUES_OWNER, repo: ISSUES_REPO, token: GITHUB_TOKEN, baseUrl: stub.url }),
      );
      const post = stub.requests.find((r) => r.method === 'POST' && r.path.endsWith('/issues'));
      const body = JSON.parse(post?.body ?? '{}') as unknown;
      assert.deepEqual(body, { title: TITLE, body: description });
      assert.deepEqual(validateGitHubRequest('issues/create', body), []);
      assert.deepEqual(
        validateGitHubRequest('issues/create', { title: TITLE, body: { markdown: description } }),
        ['/body must be string'],
        'the check is live',
      );
      assert.deepEqual([item.key, item.column, link.itemKey, link.provider], ['#2', 'todo', '#2', 'github']);
      assert.equal(link.itemUrl, item.url);
      for (const served of stub.served) assert.deepEqual(problemsOf(served), [], served.operationId);
    } finally {
      await stub.stop();
    }
  });

  it('GitHub Projects: the issue added to the project carries the description as its body (stub)', async () => {
    const stub = await startGitHubProjectStub({ token: GITHUB_TOKEN });
    try {
      const provider = new GitHubProjectBoardProvider({
        owner: PROJECT_OWNER,
        repo: PROJECT_REPO,
        project: PROJECT_NUMBER,
        token: GITHUB_TOKEN,
        baseUrl: stub.url,
      });
      const { item } = await create(provider);
      const post = stub.requests.find((r) => r.method === 'POST' && r.path.endsWith('/issues'));
      const body = JSON.parse(post?.body ?? '{}') as unknown;
      assert.deepEqual(body, { title: TITLE, body: description });
      assert.deepEqual(validateGitHubRequest('issues/create', body), []);
      assert.equal(item.column, 'todo');
      assert.deepEqual(stub.invalid, []);
      assert.deepEqual(stub.problems, []);
    } finally {
      await stub.stop();
    }
  });

  it("Linear: the issue's description is the Markdown, through the published schema's IssueCreateInput (stub)", async () => {
    const stub = await startLinearStub({ apiKey: LINEAR_KEY });
    try {
      const { item } = await create(new LinearBoardProvider({ apiKey: LINEAR_KEY, team: 'ENG', apiUrl: stub.url }));
      const request = stub.requests.find((r) => r.operationName === 'createIssue' || /issueCreate/.test(r.query));
      const input = request?.variables.input as Record<string, unknown>;
      assert.deepEqual([input.title, input.description], [TITLE, description]);
      assert.match(item.key, /^ENG-\d+$/);
      assert.equal(item.column, 'todo');
      assert.deepEqual(
        stub.requests.flatMap((r) => r.invalid),
        [],
      );
      assert.deepEqual(stub.problems, []);
    } finally {
      await stub.close();
    }
  });

  it('Jira (REST v3): the description is an Atlassian document with the same text, links and code (stub)', async () => {
    const stub = await startJiraStub();
    try {
      const provider = new JiraBoardProvider({ site: stub.url, email: STUB_EMAIL, apiToken: STUB_TOKEN, project: STUB_PROJECT });
      const { item } = await create(provider);
      const post = stub.requests.find((r) => r.operationId === OPERATIONS.createIssue);
      const fields = (post?.body as { fields: { summary: string; description: { content: AdfNode[] } } }).fields;
      assert.equal(fields.summary, TITLE);
      const blocks = fields.description.content;
      assert.deepEqual(
        blocks.map((b) => b.type),
        ['paragraph', 'paragraph', 'bulletList', 'paragraph', 'bulletList', 'paragraph'],
      );
      assert.equal(textOf(blocks[0]), TITLE, 'the escaped title reads as the error title');
      assert.deepEqual(blocks[2].content?.map(textOf), ['app:///dist/cart.js:12 in addToCart', 'app:///dist/server.js:3 in main']);
      assert.deepEqual(blocks[5].content, [
        { type: 'text', text: 'Error: ' },
        { type: 'text', text: 'SHOP-1A', marks: [{ type: 'link', attrs: { href: 'https://acme.sentry.io/issues/4711/' } }] },
        { type: 'text', text: ' on Sentry' },
      ]);
      assert.match(item.key, /^SHOP-\d+$/);
      assert.deepEqual(stub.issues.get(item.key)?.fields.description, fields.description, 'Jira keeps the document');
      assert.equal(item.column, 'todo');
      assert.deepEqual(stub.problems, [], 'the request matched the spec, and the description is an Atlassian document');
    } finally {
      await stub.stop();
    }
  });

  it('Jira refuses a description that is not an Atlassian document, as v3 does (stub)', async () => {
    const stub = await startJiraStub();
    try {
      const answer = await fetch(`${stub.url}/rest/api/3/issue`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${STUB_EMAIL}:${STUB_TOKEN}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          fields: { project: { key: STUB_PROJECT }, summary: 'x', issuetype: { id: '10001' }, description: 'plain text' },
        }),
      });
      assert.equal(answer.status, 400);
      assert.match(await answer.text(), /must be an Atlassian Document/);
      assert.match(stub.problems.join('\n'), /createIssue request description\/ must be object/);
    } finally {
      await stub.stop();
    }
  });
});

interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
}

const textOf = (node: AdfNode): string => node.text ?? (node.content ?? []).map(textOf).join('');
