// A local GitHub REST API for the Issues endpoints the GitHub board uses. Its issue and label bodies start from
// the examples in GitHub's own OpenAPI description (@octokit/openapi) and are checked against the schemas of the
// same operations (through test/support/githubStub's reader). The recorded `paginate-issues` scenario of
// @octokit/fixtures (real GitHub traffic: 13 issues in pages of 3, with GitHub's Link and ETag headers) can be
// served instead of the examples. Conditional requests (ETag / 304), Link pagination, label and assignee
// changes and scripted failures behave as GitHub documents them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { publishedExample, SSO_MESSAGE, SSO_URL } from './githubStub';
import { openApiValidator } from './openApiValidator';

export { SSO_URL } from './githubStub';
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
  return { ...base, id, node_id: Buffer.from(`010:Label${id}`).toString('base64'), name, url: `https://api.github.com/repos/${ISSUES_OWNER}/${ISSUES_REPO}/labels/${encodeURIComponent(name)}`, description: null, default: false };
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
    title: fields.title ?? (base.title),
    state,
    url: `${repoApi}/issues/${number}`,
    repository_url: repoApi,
    labels_url: `${repoApi}/issues/${number}/labels{/name}`,
    comments_url: `${repoApi}/issues/${number}/comments`,
    events_url: `${repoApi}/issues/${number}/events`,
    html_url: `https://github.com/${ISSUES_OWNER}/${ISSUES_REPO}/${fields.pullRequest ? 'pull' : 'issues'}/${number}`,
    labels: (fields.labels ?? (base.labels as { name: string }[]).map((l) => l.name)).map(label),
    updated_at: fields.updated_at ?? (base.updated_at),
    closed_at: state === 'closed' ? (fields.updated_at ?? (base.updated_at)) : null,
    state_reason: state === 'closed' ? 'completed' : null,
  };
  if (fields.assignee !== undefined) {
    result.assignee = fields.assignee ? user(fields.assignee) : null;
    result.assignees = fields.assignee ? [user(fields.assignee)] : [];
  }
  if (fields.milestone !== undefined) {
    result.milestone = fields.milestone ? { ...(base.milestone as Record<string, unknown>), title: fields.milestone.title, due_on: fields.milestone.due_on } : null;
  }
  if (fields.pullRequest) {
    result.pull_request = { ...(base.pull_request as Record<string, unknown>), url: `${repoApi}/pulls/${number}`, html_url: `https://github.com/${ISSUES_OWNER}/${ISSUES_REPO}/pull/${number}` };
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
  const file = path.join(path.dirname(require.resolve('@octokit/fixtures/package.json')), 'scenarios', 'api.github.com', RECORDED_SCENARIO, 'normalized-fixture.json');
  return JSON.parse(readFileSync(file, 'utf8')) as NormalizedRecording[];
}

// --- The server. ---

export type IssuesStubFailure = 'unauthorized' | 'forbidden' | 'sso' | 'rate-limited' | 'secondary-rate-limit' | 'too-many-requests' | 'not-found' | 'server-error' | 'malformed' | 'hang';

export interface IssuesStubRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ServedIssuesResponse {
  operationId: string;
  status: number;
  body: unknown;
}

export interface GitHubIssuesStub {
  url: string;
  requests: IssuesStubRequest[];
  served: ServedIssuesResponse[];
  issues: Issue[];
  /** Requests charged to the rate limit (304s to authorized requests are not). */
  charged: number;
  pageSize: number;
  setIssues(issues: Issue[]): void;
  /** Serve @octokit/fixtures' recorded paginate-issues traffic for the issue list. */
  useRecordedPagination(): void;
  failNext(failure: IssuesStubFailure, times?: number): void;
  stop(): Promise<void>;
}

export async function startGitHubIssuesStub(options: { issues?: Issue[]; pageSize?: number } = {}): Promise<GitHubIssuesStub> {
  return new IssuesStubServer(options).start();
}

const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';
const REQUEST_ID = 'C0DE:1F2E:3A4B5C:6D7E8F:65B177D2';

interface Scripted {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function scripted(failure: Exclude<IssuesStubFailure, 'malformed' | 'hang'>, resetAt: number): Scripted {
  switch (failure) {
    case 'unauthorized':
      return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } };
    case 'forbidden':
      return { status: 403, body: { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest/issues/issues', status: '403' } };
    case 'sso':
      return {
        status: 403,
        body: { message: SSO_MESSAGE, documentation_url: 'https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/', status: '403' },
        headers: { 'X-GitHub-SSO': `required; url=${SSO_URL}` },
      };
    case 'rate-limited':
      return {
        status: 403,
        body: { message: `API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID ${REQUEST_ID}.`, documentation_url: RATE_LIMIT_DOCS, status: '403' },
        headers: { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Limit': '5000', 'X-RateLimit-Reset': String(resetAt) },
      };
    case 'secondary-rate-limit':
      return {
        status: 403,
        body: { message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${REQUEST_ID}.`, documentation_url: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`, status: '403' },
        headers: { 'Retry-After': '30' },
      };
    case 'too-many-requests':
      return { status: 429, body: { message: 'Too Many Requests', documentation_url: RATE_LIMIT_DOCS, status: '429' }, headers: { 'Retry-After': '5' } };
    case 'not-found':
      return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/issues/issues', status: '404' } };
    case 'server-error':
      return { status: 502, body: { message: 'Server Error' } };
  }
}

class IssuesStubServer implements GitHubIssuesStub {
  url = '';
  readonly requests: IssuesStubRequest[] = [];
  readonly served: ServedIssuesResponse[] = [];
  issues: Issue[];
  charged = 0;
  pageSize: number;
  private recorded = false;
  private readonly failures: IssuesStubFailure[] = [];
  private readonly resetAt = Math.floor(Date.now() / 1000) + 600;
  private readonly server = http.createServer((req, res) => this.receive(req, res));

  constructor(options: { issues?: Issue[]; pageSize?: number }) {
    this.issues = options.issues ?? [issue({ number: 1347, title: 'Found a bug', labels: ['bug'] })];
    this.pageSize = options.pageSize ?? 100;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  setIssues(issues: Issue[]): void {
    this.issues = issues;
  }

  useRecordedPagination(): void {
    this.recorded = true;
  }

  failNext(failure: IssuesStubFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(failure);
  }

  stop(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.closeAllConnections();
      this.server.close((error) => (error ? reject(error) : resolve()));
    });
  }

  private receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://stub.invalid');
      this.requests.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, headers: req.headers, body });
      this.route(req, res, url, body);
    });
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): void {
    const failure = this.failures.shift();
    if (failure === 'hang') return; // never answers: the client's timeout must fire
    if (failure === 'malformed') {
      this.charged++;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><html><body>Sign in to GitHub</body></html>');
      return;
    }
    if (failure) {
      const answer = scripted(failure, this.resetAt);
      return this.send(res, 'error', answer.status, answer.body, answer.headers);
    }
    const method = req.method ?? 'GET';
    const repo = `/repos/${ISSUES_OWNER}/${ISSUES_REPO}`;
    const p = url.pathname;
    let match: RegExpExecArray | null;
    if (method === 'GET' && p === '/user') return this.send(res, ISSUE_OPERATIONS.me, 200, { ...(structuredClone(openApi().components.examples['private-user']?.value) as Record<string, unknown>), login: STUB_LOGIN });
    if (method === 'GET' && this.recorded && (p === `${repo}/issues` || /^\/repositories\/\d+\/issues$/.test(p))) return this.recordedList(req, res, url);
    if (method === 'GET' && p === `${repo}/issues`) return this.list(req, res, url);
    if (method === 'GET' && p === `${repo}/assignees`) return this.send(res, ISSUE_OPERATIONS.listAssignees, 200, ASSIGNABLE_LOGINS.map((login) => user(login)));
    if (method === 'POST' && p === `${repo}/issues`) {
      const input = body ? (JSON.parse(body) as { title?: string; assignees?: string[] }) : {};
      if (!input.title) return this.send(res, 'error', 422, { message: 'Validation Failed', errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }], documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue', status: '422' });
      const created = issue({ number: Math.max(0, ...this.issues.map((i) => i.number)) + 1, title: input.title, assignee: null, labels: [] });
      // GitHub drops logins that cannot be assigned, without an error.
      const logins = (input.assignees ?? []).filter((l) => ASSIGNABLE_LOGINS.includes(l));
      const assignees = logins.map((login) => user(login));
      created.assignees = assignees;
      created.assignee = assignees[0] ?? null;
      this.issues.push(created);
      return this.send(res, ISSUE_OPERATIONS.create, 201, created);
    }
    if ((match = new RegExp(`^${repo}/issues/(\\d+)(/.*)?$`).exec(p))) {
      const found = this.issues.find((i) => i.number === Number(match?.[1]));
      if (!found) return this.send(res, 'error', 404, scripted('not-found', 0).body);
      const rest = match[2] ?? '';
      const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      if (method === 'PATCH' && rest === '') return this.update(res, found, input);
      if (method === 'POST' && rest === '/labels') {
        const names = (input.labels as string[] | undefined) ?? [];
        const current = found.labels as { name: string }[];
        found.labels = [...current, ...names.filter((n) => !current.some((l) => l.name.toLowerCase() === n.toLowerCase())).map(label)];
        this.touch(found);
        return this.send(res, ISSUE_OPERATIONS.addLabels, 200, found.labels);
      }
      if (method === 'DELETE' && rest.startsWith('/labels/')) {
        const name = decodeURIComponent(rest.slice('/labels/'.length));
        const current = found.labels as { name: string }[];
        if (!current.some((l) => l.name === name)) return this.send(res, 'error', 404, { message: 'Label does not exist', documentation_url: 'https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue', status: '404' });
        found.labels = current.filter((l) => l.name !== name);
        this.touch(found);
        return this.send(res, ISSUE_OPERATIONS.removeLabel, 200, found.labels);
      }
      if (rest === '/assignees' && (method === 'POST' || method === 'DELETE')) {
        const logins = (input.assignees as string[] | undefined) ?? [];
        let assignees = (found.assignees as { login: string }[] | null) ?? [];
        if (method === 'POST') assignees = [...assignees, ...logins.filter((l) => !assignees.some((a) => a.login === l)).map((l) => user(l) as { login: string })];
        else assignees = assignees.filter((a) => !logins.includes(a.login));
        found.assignees = assignees;
        found.assignee = assignees[0] ?? null;
        this.touch(found);
        return this.send(res, method === 'POST' ? ISSUE_OPERATIONS.addAssignees : ISSUE_OPERATIONS.removeAssignees, method === 'POST' ? 201 : 200, found);
      }
    }
    this.send(res, 'error', 404, scripted('not-found', 0).body);
  }

  private touch(found: Issue): void {
    found.updated_at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private update(res: http.ServerResponse, found: Issue, input: Record<string, unknown>): void {
    if (input.state === 'closed' && found.state !== 'closed') {
      found.state = 'closed';
      found.closed_at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      found.state_reason = 'completed';
    } else if (input.state === 'open' && found.state !== 'open') {
      found.state = 'open';
      found.closed_at = null;
      found.state_reason = 'reopened';
    }
    if (typeof input.title === 'string') found.title = input.title;
    this.touch(found);
    this.send(res, ISSUE_OPERATIONS.update, 200, found);
  }

  private list(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const state = url.searchParams.get('state') ?? 'open';
    const assignee = url.searchParams.get('assignee');
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), this.pageSize);
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    let matching = this.issues.filter((i) => state === 'all' || i.state === state);
    if (assignee) matching = matching.filter((i) => ((i.assignees as { login: string }[] | null) ?? []).some((a) => a.login === assignee));
    matching = [...matching].sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
    const pages = Math.max(1, Math.ceil(matching.length / perPage));
    const body = matching.slice((page - 1) * perPage, page * perPage);
    const links: string[] = [];
    const pageUrl = (n: number) => {
      const next = new URL(url.toString());
      next.searchParams.set('page', String(n));
      return `<${this.url}${next.pathname}${next.search}>`;
    };
    if (page < pages) links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(pages)}; rel="last"`);
    if (page > 1) links.push(`${pageUrl(page - 1)}; rel="prev"`, `${pageUrl(1)}; rel="first"`);
    const etag = `W/"${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32)}"`;
    if (req.headers['if-none-match'] === etag) {
      if (!req.headers.authorization) this.charged++;
      res.writeHead(304, { ETag: etag, ...this.rateHeaders() }).end();
      return;
    }
    this.send(res, ISSUE_OPERATIONS.list, 200, body, { ETag: etag, ...(links.length ? { Link: links.join(', ') } : {}) });
  }

  /** The recorded pages, with their recorded headers; Link points at this server instead of api.github.com. */
  private recordedList(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const pages = recordedPages();
    const page = Number(url.searchParams.get('page') ?? 1);
    // `[?&]page=` so that `per_page=3` of the first recording is not taken for page 3.
    const recording = page === 1 ? pages[0] : pages.find((r) => new RegExp(`[?&]page=${page}$`).test(r.path));
    if (!recording) return this.send(res, 'error', 404, scripted('not-found', 0).body);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(recording.headers)) {
      if (/^(date|content-length|connection|x-ratelimit-reset)$/i.test(name)) continue;
      headers[name] = String(value).replaceAll('https://api.github.com', this.url);
    }
    if (page === 1 && req.headers['if-none-match'] === headers.etag) {
      if (!req.headers.authorization) this.charged++;
      res.writeHead(304, { etag: headers.etag }).end();
      return;
    }
    this.charged++;
    this.served.push({ operationId: ISSUE_OPERATIONS.list, status: recording.status, body: recording.response });
    res.writeHead(recording.status, headers).end(JSON.stringify(recording.response));
  }

  private rateHeaders(): Record<string, string> {
    return { 'X-RateLimit-Limit': '5000', 'X-RateLimit-Remaining': String(5000 - this.charged), 'X-RateLimit-Reset': String(this.resetAt), 'X-RateLimit-Resource': 'core' };
  }

  private send(res: http.ServerResponse, operationId: string, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.charged++;
    const json = structuredClone(body);
    this.served.push({ operationId, status, body: json });
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'X-GitHub-Media-Type': 'github.v3; format=json', ...this.rateHeaders(), ...headers }).end(JSON.stringify(json));
  }
}

// --- Validation against the operations' schemas. The issue schema uses `nullable` beside `allOf` without a
// `type` (milestone, assignee…), which ajv refuses; such a schema is read as "that, or null", as OpenAPI means it.

interface OpenApiDoc {
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }> }>>;
  components: { examples: Record<string, { value?: unknown }>; schemas: Record<string, unknown>; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
}
let doc: OpenApiDoc | undefined;

function openApi(): OpenApiDoc {
  if (!doc) {
    const file = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
    doc = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDoc;
    doc.components.schemas = nullableAsOpenApiMeansIt(doc.components.schemas) as Record<string, unknown>;
  }
  return doc;
}

function nullableAsOpenApiMeansIt(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableAsOpenApiMeansIt);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = nullableAsOpenApiMeansIt(value);
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
  if (out.nullable === true && out.type === undefined) {
    const { description, ...rest } = out;
    delete rest.nullable;
    return { description, anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

function responseSchema(operationId: string, status: number): unknown {
  for (const item of Object.values(openApi().paths)) {
    for (const op of Object.values(item)) {
      if (op.operationId !== operationId) continue;
      const declared = op.responses?.[String(status)];
      const response = declared?.$ref ? openApi().components.responses[declared.$ref.split('/').pop() ?? ''] : declared;
      // GET /user answers one of two user schemas by a discriminator ajv does not read: the signed-in user is private-user.
      const schema = operationId === ISSUE_OPERATIONS.me && status === 200 ? { $ref: '#/components/schemas/private-user' } : response?.content?.['application/json']?.schema;
      if (schema) return nullableAsOpenApiMeansIt(schema);
      if (status >= 400) return { $ref: '#/components/schemas/basic-error' };
      throw new Error(`${operationId} declares no JSON answer for ${status}`);
    }
  }
  throw new Error(`GitHub's OpenAPI description has no operation ${operationId}`);
}

const validateWith = openApiValidator('https://api.github.com/openapi/issues', () => openApi().components.schemas);

/** Schema problems of `body` as the `status` answer of `operationId` ([] when it conforms). */
export function validateIssuesResponse(operationId: string, status: number, body: unknown): string[] {
  return validateWith(`${operationId} ${status}`, () => responseSchema(operationId, status), body);
}

/** Schema problems of a served body ([] when it conforms); error bodies are checked as GitHub's `basic-error`. */
export function problemsOf(served: ServedIssuesResponse): string[] {
  // add-assignees declares no error answers, so its 4xx/5xx fall back to `basic-error`.
  if (served.operationId === 'error') return validateIssuesResponse(ISSUE_OPERATIONS.addAssignees, served.status, served.body);
  return validateIssuesResponse(served.operationId, served.status, served.body);
}
