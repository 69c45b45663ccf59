// A local GitHub REST API for the Issues endpoints the GitHub board uses. Its issue and label bodies start from
// the examples in GitHub's own OpenAPI description (@octokit/openapi) and are checked against the schemas of the
// same operations (test/support/githubApi). The recorded `paginate-issues` scenario of @octokit/fixtures (real
// GitHub traffic: 13 issues in pages of 3, with GitHub's Link and ETag headers) can be served instead of the
// examples. Conditional requests (ETag / 304), Link pagination, label and assignee changes and scripted failures
// behave as GitHub documents them.
import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { componentExample, GitHubApi, GitHubRestStub, publishedExample, validateResponse } from './githubApi';
import type { GitHubFailure, ServedResponse } from './githubApi';
import { findRoute, StubServer } from './stubServer';
import type { Route, StubExchange } from './stubServer';

export const ISSUES_OWNER = 'octo-org';
export const ISSUES_REPO = 'octo-board';
export const STUB_LOGIN = 'octocat';

/** The operations the stub answers, by GitHub's operation ids. */
export const ISSUE_OPERATIONS = {
  list: 'issues/list-for-repo',
  update: 'issues/update',
  addLabels: 'issues/add-labels',
  removeLabel: 'issues/remove-label',
  addAssignees: 'issues/add-assignees',
  removeAssignees: 'issues/remove-assignees',
  me: 'users/get-authenticated',
  create: 'issues/create',
  listAssignees: 'issues/list-assignees',
} as const;

/** People the stub's repository lets be assigned (GitHub's `GET /repos/{o}/{r}/assignees`). */
export const ASSIGNABLE_LOGINS = ['octocat', 'hubot', 'monalisa'];

export type Issue = Record<string, unknown> & { number: number; title: string; state: 'open' | 'closed' };

export interface IssueFields {
  number: number;
  title: string;
  state: 'open' | 'closed';
  labels: string[];
  assignee: string | null;
  milestone: { title: string; due_on: string | null } | null;
  /** A pull request, which the issues endpoint lists too. */
  pullRequest: boolean;
  updated_at: string;
}

// --- Fixtures: GitHub's published examples with the fields a test cares about replaced. ---

function exampleIssue(): Record<string, unknown> {
  const [issue] = publishedExample(ISSUE_OPERATIONS.list, 200) as Record<string, unknown>[];
  return issue;
}

function exampleLabel(): Record<string, unknown> {
  const [label] = publishedExample(ISSUE_OPERATIONS.addLabels, 200) as Record<string, unknown>[];
  return label;
}

function exampleUser(): Record<string, unknown> {
  const issue = exampleIssue();
  return issue.user as Record<string, unknown>;
}

/** A label object as GitHub gives it (the published example's, renamed). */
export function label(name: string): Record<string, unknown> {
  const base = exampleLabel();
  const id = 208045900 + [...name].reduce((sum, c) => sum + c.charCodeAt(0), 0);
  return {
    ...base,
    id,
    node_id: Buffer.from(`010:Label${id}`).toString('base64'),
    name,
    url: `https://api.github.com/repos/${ISSUES_OWNER}/${ISSUES_REPO}/labels/${encodeURIComponent(name)}`,
    description: null,
    default: false,
  };
}

function user(login: string): Record<string, unknown> {
  const base = exampleUser();
  return { ...base, login, url: `https://api.github.com/users/${login}`, html_url: `https://github.com/${login}` };
}

/** GitHub's published issue example with `fields` put in. */
export function issue(fields: Partial<IssueFields> = {}): Issue {
  const base = exampleIssue();
  const number = fields.number ?? (base.number as number);
  const state = fields.state ?? 'open';
  const repoApi = `https://api.github.com/repos/${ISSUES_OWNER}/${ISSUES_REPO}`;
  const result: Record<string, unknown> = {
    ...base,
    id: 1000 + number,
    node_id: Buffer.from(`05:Issue${1000 + number}`).toString('base64'),
    number,
    title: fields.title ?? base.title,
    state,
    url: `${repoApi}/issues/${number}`,
    repository_url: repoApi,
    labels_url: `${repoApi}/issues/${number}/labels{/name}`,
    comments_url: `${repoApi}/issues/${number}/comments`,
    events_url: `${repoApi}/issues/${number}/events`,
    html_url: `https://github.com/${ISSUES_OWNER}/${ISSUES_REPO}/${fields.pullRequest ? 'pull' : 'issues'}/${number}`,
    labels: (fields.labels ?? (base.labels as { name: string }[]).map((l) => l.name)).map(label),
    updated_at: fields.updated_at ?? base.updated_at,
    closed_at: state === 'closed' ? (fields.updated_at ?? base.updated_at) : null,
    state_reason: state === 'closed' ? 'completed' : null,
  };
  if (fields.assignee !== undefined) {
    result.assignee = fields.assignee ? user(fields.assignee) : null;
    result.assignees = fields.assignee ? [user(fields.assignee)] : [];
  }
  if (fields.milestone !== undefined) {
    result.milestone = fields.milestone
      ? { ...(base.milestone as Record<string, unknown>), title: fields.milestone.title, due_on: fields.milestone.due_on }
      : null;
  }
  if (fields.pullRequest) {
    result.pull_request = {
      ...(base.pull_request as Record<string, unknown>),
      url: `${repoApi}/pulls/${number}`,
      html_url: `https://github.com/${ISSUES_OWNER}/${ISSUES_REPO}/pull/${number}`,
    };
  } else {
    delete result.pull_request;
  }
  return result as Issue;
}

// --- The recorded paginate-issues scenario of @octokit/fixtures. ---

interface NormalizedRecording {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string | number>;
  response: unknown;
}

export const RECORDED_SCENARIO = 'paginate-issues';

export function recordedPages(): NormalizedRecording[] {
  const file = path.join(
    path.dirname(require.resolve('@octokit/fixtures/package.json')),
    'scenarios',
    'api.github.com',
    RECORDED_SCENARIO,
    'normalized-fixture.json',
  );
  return JSON.parse(readFileSync(file, 'utf8')) as NormalizedRecording[];
}

// --- The server. ---

export type IssuesStubFailure = GitHubFailure;

export interface IssuesStubRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface GitHubIssuesStub {
  url: string;
  requests: IssuesStubRequest[];
  served: ServedResponse[];
  issues: Issue[];
  /** Requests charged to the rate limit (304s to authorized requests are not). */
  readonly charged: number;
  pageSize: number;
  setIssues(issues: Issue[]): void;
  /** Serve @octokit/fixtures' recorded paginate-issues traffic for the issue list. */
  useRecordedPagination(): void;
  failNext(failure: IssuesStubFailure, times?: number): void;
  stop(): Promise<void>;
}

export async function startGitHubIssuesStub(options: { issues?: Issue[]; pageSize?: number } = {}): Promise<GitHubIssuesStub> {
  let stub: IssuesStubServer | undefined;
  const server = await StubServer.start<IssuesStubRequest>({
    record: (e) => ({ method: e.method, path: e.path, headers: e.headers, body: e.body }),
    handle: (e) => stub?.route(e),
  });
  return (stub = new IssuesStubServer(server, options));
}

/** A path of the stub's repository. */
const inRepo = (rest: string) => new RegExp(`^/repos/${ISSUES_OWNER}/${ISSUES_REPO}${rest}$`);

/** The request's JSON object, or an empty one. */
function input(exchange: StubExchange): Record<string, unknown> {
  const body = exchange.readJson();
  return body.ok && typeof body.value === 'object' && body.value !== null ? (body.value as Record<string, unknown>) : {};
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

class IssuesStubServer extends GitHubRestStub<IssuesStubRequest> implements GitHubIssuesStub {
  issues: Issue[];
  pageSize: number;
  private recorded = false;
  private readonly routes: Route[] = [
    {
      method: 'GET',
      path: /^\/user$/,
      answer: (e) =>
        this.api.sendJson(e, ISSUE_OPERATIONS.me, {
          status: 200,
          body: { ...(componentExample('private-user') as object), login: STUB_LOGIN },
        }),
    },
    { method: 'GET', path: inRepo('/issues'), answer: (e) => (this.recorded ? this.recordedList(e) : this.list(e)) },
    { method: 'GET', path: /^\/repositories\/\d+\/issues$/, answer: (e) => (this.recorded ? this.recordedList(e) : this.notFound(e)) },
    {
      method: 'GET',
      path: inRepo('/assignees'),
      answer: (e) =>
        this.api.sendJson(e, ISSUE_OPERATIONS.listAssignees, { status: 200, body: ASSIGNABLE_LOGINS.map((login) => user(login)) }),
    },
    { method: 'POST', path: inRepo('/issues'), answer: (e) => this.create(e) },
    { method: 'PATCH', path: inRepo('/issues/(\\d+)'), answer: (e, n) => this.withIssue(e, n, (found) => this.update(e, found)) },
    { method: 'POST', path: inRepo('/issues/(\\d+)/labels'), answer: (e, n) => this.withIssue(e, n, (found) => this.addLabels(e, found)) },
    {
      method: 'DELETE',
      path: inRepo('/issues/(\\d+)/labels/([^/]+)'),
      answer: (e, n, name) => this.withIssue(e, n, (found) => this.removeLabel(e, found, decodeURIComponent(name))),
    },
    {
      method: 'POST',
      path: inRepo('/issues/(\\d+)/assignees'),
      answer: (e, n) => this.withIssue(e, n, (found) => this.assign(e, found, ISSUE_OPERATIONS.addAssignees)),
    },
    {
      method: 'DELETE',
      path: inRepo('/issues/(\\d+)/assignees'),
      answer: (e, n) => this.withIssue(e, n, (found) => this.assign(e, found, ISSUE_OPERATIONS.removeAssignees)),
    },
  ];

  constructor(server: StubServer<IssuesStubRequest>, options: { issues?: Issue[]; pageSize?: number }) {
    super(server, new GitHubApi({ docs: 'https://docs.github.com/rest/issues/issues', etags: 'weak', malformed: 'html' }));
    this.issues = options.issues ?? [issue({ number: 1347, title: 'Found a bug', labels: ['bug'] })];
    this.pageSize = options.pageSize ?? 100;
  }

  get charged(): number {
    return this.api.charged;
  }

  setIssues(issues: Issue[]): void {
    this.issues = issues;
  }

  useRecordedPagination(): void {
    this.recorded = true;
  }

  route(exchange: StubExchange): void {
    const failure = this.api.failureFor(exchange);
    if (failure) return this.api.fail(exchange, 'error', failure);
    const found = findRoute(this.routes, exchange.method, GitHubApi.pathname(exchange));
    if (found) found.route.answer(exchange, ...found.params);
    else this.notFound(exchange);
  }

  private notFound(exchange: StubExchange): void {
    this.api.sendJson(exchange, 'error', this.api.notFound());
  }

  private withIssue(exchange: StubExchange, number: string, then: (found: Issue) => void): void {
    const found = this.issues.find((i) => i.number === Number(number));
    if (found) then(found);
    else this.notFound(exchange);
  }

  private create(exchange: StubExchange): void {
    const { title, assignees } = input(exchange) as { title?: string; assignees?: string[] };
    if (!title) {
      return this.api.sendJson(exchange, 'error', {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
          documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
          status: '422',
        },
      });
    }
    const created = issue({ number: Math.max(0, ...this.issues.map((i) => i.number)) + 1, title, assignee: null, labels: [] });
    // GitHub drops logins that cannot be assigned, without an error.
    const people = (assignees ?? []).filter((l) => ASSIGNABLE_LOGINS.includes(l)).map((login) => user(login));
    created.assignees = people;
    created.assignee = people[0] ?? null;
    this.issues.push(created);
    this.api.sendJson(exchange, ISSUE_OPERATIONS.create, { status: 201, body: created });
  }

  private update(exchange: StubExchange, found: Issue): void {
    const { state, title } = input(exchange);
    if (state === 'closed' && found.state !== 'closed') {
      found.state = 'closed';
      found.closed_at = now();
      found.state_reason = 'completed';
    } else if (state === 'open' && found.state !== 'open') {
      found.state = 'open';
      found.closed_at = null;
      found.state_reason = 'reopened';
    }
    if (typeof title === 'string') found.title = title;
    found.updated_at = now();
    this.api.sendJson(exchange, ISSUE_OPERATIONS.update, { status: 200, body: found });
  }

  private addLabels(exchange: StubExchange, found: Issue): void {
    const names = (input(exchange).labels as string[] | undefined) ?? [];
    const current = found.labels as { name: string }[];
    found.labels = [...current, ...names.filter((n) => !current.some((l) => l.name.toLowerCase() === n.toLowerCase())).map(label)];
    found.updated_at = now();
    this.api.sendJson(exchange, ISSUE_OPERATIONS.addLabels, { status: 200, body: found.labels });
  }

  private removeLabel(exchange: StubExchange, found: Issue, name: string): void {
    const current = found.labels as { name: string }[];
    if (!current.some((l) => l.name === name))
      return this.api.sendJson(
        exchange,
        'error',
        this.api.error(404, 'Label does not exist', 'https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue'),
      );
    found.labels = current.filter((l) => l.name !== name);
    found.updated_at = now();
    this.api.sendJson(exchange, ISSUE_OPERATIONS.removeLabel, { status: 200, body: found.labels });
  }

  private assign(exchange: StubExchange, found: Issue, operationId: string): void {
    const logins = (input(exchange).assignees as string[] | undefined) ?? [];
    let assignees = (found.assignees as { login: string }[] | null) ?? [];
    if (operationId === ISSUE_OPERATIONS.addAssignees)
      assignees = [...assignees, ...logins.filter((l) => !assignees.some((a) => a.login === l)).map((l) => user(l) as { login: string })];
    else assignees = assignees.filter((a) => !logins.includes(a.login));
    found.assignees = assignees;
    found.assignee = assignees[0] ?? null;
    found.updated_at = now();
    this.api.sendJson(exchange, operationId, { status: operationId === ISSUE_OPERATIONS.addAssignees ? 201 : 200, body: found });
  }

  private list(exchange: StubExchange): void {
    const query = exchange.url.searchParams;
    const state = query.get('state') ?? 'open';
    const assignee = query.get('assignee');
    let matching = this.issues.filter((i) => state === 'all' || i.state === state);
    if (assignee) matching = matching.filter((i) => ((i.assignees as { login: string }[] | null) ?? []).some((a) => a.login === assignee));
    matching = [...matching].sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
    const { page, link } = this.api.paginate(exchange, matching, this.pageSize);
    this.api.sendConditional(exchange, ISSUE_OPERATIONS.list, page, link ? { Link: link } : {});
  }

  /** The recorded pages, with their recorded headers; Link points at this server instead of api.github.com. */
  private recordedList(exchange: StubExchange): void {
    // The recording lists the open issues (GitHub's default state); its repository's closed ones were not
    // recorded, so the closed list is an empty page, as GitHub answers for a repository without any.
    if (exchange.url.searchParams.get('state') === 'closed') return this.api.sendConditional(exchange, ISSUE_OPERATIONS.list, []);
    const pages = recordedPages();
    const page = Number(exchange.url.searchParams.get('page') ?? 1);
    // `[?&]page=` so that `per_page=3` of the first recording is not taken for page 3.
    const recording = page === 1 ? pages[0] : pages.find((r) => new RegExp(`[?&]page=${page}$`).test(r.path));
    if (!recording) return this.notFound(exchange);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(recording.headers)) {
      if (/^(date|content-length|connection|x-ratelimit-reset)$/i.test(name)) continue;
      headers[name] = String(value).replaceAll('https://api.github.com', this.url);
    }
    if (page === 1 && exchange.headers['if-none-match'] === headers.etag) {
      this.api.charge(exchange, 304);
      return exchange.send(304, '', { etag: headers.etag });
    }
    this.api.charge(exchange, recording.status);
    this.api.served.push({ operationId: ISSUE_OPERATIONS.list, status: recording.status, body: recording.response });
    exchange.send(recording.status, JSON.stringify(recording.response), headers);
  }
}

/** Schema problems of a served body ([] when it conforms); error bodies are checked as GitHub's `basic-error`. */
export function problemsOf(served: ServedResponse): string[] {
  // add-assignees declares no error answers, so its 4xx/5xx fall back to `basic-error`.
  return validateResponse(served.operationId === 'error' ? ISSUE_OPERATIONS.addAssignees : served.operationId, served.status, served.body);
}
