// A local GitHub REST API for the Actions endpoints Conveyor uses. Its bodies start from the examples in
// GitHub's own OpenAPI description (@octokit/openapi) and are checked against the schemas of the same
// operations; its headers are copied from real recorded GitHub answers (@octokit/fixtures: the `errors`
// scenario's 422 for JSON answers, the `get-archive` scenario's cross-host 302 for the log redirect).
// Conditional requests, rate-limit accounting, the log redirect to another host and scripted failures
// behave as GitHub documents them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { openApiValidator } from './openApiValidator';

export const STUB_OWNER = 'octo-org';
export const STUB_REPO = 'octo-repo';
/** The organization whose SAML enforcement the `sso` failure reports. */
export const SSO_URL = 'https://github.com/orgs/acme/sso?authorization_request=A5UO4XNPVHEZLVVIJ7BFOQTHS5QWIZSVNZ3GCY3UN5ZGJ4DBA';
export const SSO_MESSAGE = 'Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.';

// --- GitHub's published description: operations, examples and schemas. ---

interface MediaType {
  schema?: unknown;
  examples?: Record<string, { value?: unknown; $ref?: string }>;
}
interface ResponseObject {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses?: Record<string, ResponseObject>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; examples: Record<string, { value?: unknown }>; responses: Record<string, ResponseObject> };
}

/** The operations the stub answers, by GitHub's operation ids. */
export const OPERATIONS = {
  listRuns: 'actions/list-workflow-runs-for-repo',
  getRun: 'actions/get-workflow-run',
  listJobs: 'actions/list-jobs-for-workflow-run',
  getJob: 'actions/get-job-for-workflow-run',
  jobLogs: 'actions/download-job-logs-for-workflow-run',
  listWorkflows: 'actions/list-repo-workflows',
  rerun: 'actions/re-run-workflow',
  rerunFailed: 'actions/re-run-workflow-failed-jobs',
  cancel: 'actions/cancel-workflow-run',
  dispatch: 'actions/create-workflow-dispatch',
} as const;

const SCHEMA_ROOT = 'https://api.github.com/openapi';
let openApi: OpenApi | undefined;

function spec(): OpenApi {
  if (!openApi) {
    const file = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
    openApi = JSON.parse(readFileSync(file, 'utf8')) as OpenApi;
    allowNullInNullableEnums(openApi.components.schemas);
  }
  return openApi;
}

/** OpenAPI 3.0's `nullable: true` does not add null to an `enum`, but GitHub sends null there (a running job's conclusion). */
function allowNullInNullableEnums(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(allowNullInNullableEnums);
  } else if (typeof node === 'object' && node !== null) {
    const schema = node as Record<string, unknown>;
    if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
    Object.values(schema).forEach(allowNullInNullableEnums);
  }
}

function operation(operationId: string): Operation {
  for (const item of Object.values(spec().paths)) {
    for (const op of Object.values(item)) {
      if (op.operationId === operationId) return op;
    }
  }
  throw new Error(`GitHub's OpenAPI description has no operation ${operationId}`);
}

function jsonResponse(operationId: string, status: number): MediaType | undefined {
  const declared = operation(operationId).responses?.[String(status)];
  const response = declared?.$ref ? spec().components.responses[declared.$ref.split('/').pop() ?? ''] : declared;
  return response?.content?.['application/json'];
}

/** GitHub's published example of an operation's answer, as published (a fresh copy). */
export function publishedExample(operationId: string, status: number): unknown {
  const example = jsonResponse(operationId, status)?.examples?.default;
  const value = example?.$ref ? spec().components.examples[example.$ref.split('/').pop() ?? '']?.value : example?.value;
  return structuredClone(value);
}

/**
 * Schema problems of `body` as an answer of `operationId` with `status` ([] when it conforms). Error answers of
 * operations that declare none are checked against `basic-error`, the schema of GitHub's error bodies.
 */
export function validateResponse(operationId: string, status: number, body: unknown): string[] {
  return validateWith(`${operationId} ${status}`, () => {
    const schema = jsonResponse(operationId, status)?.schema ?? (status >= 400 ? { $ref: '#/components/schemas/basic-error' } : undefined);
    if (!schema) throw new Error(`${operationId} declares no JSON answer for ${status}`);
    return schema;
  }, body);
}

const validateWith = openApiValidator(SCHEMA_ROOT, () => spec().components.schemas);


/**
 * Where GitHub's published examples contradict its published schemas, the stub serves what the schema
 * (and the live API) says. The integration test checks that each repair is still needed.
 */
export const EXAMPLE_REPAIRS: { operationId: string; status: number; problem: string }[] = [
  { operationId: OPERATIONS.listJobs, status: 200, problem: "/jobs/0 must have required property 'created_at'" },
  { operationId: OPERATIONS.getJob, status: 200, problem: "/ must have required property 'created_at'" },
  { operationId: OPERATIONS.rerun, status: 201, problem: '/ must be object' },
  { operationId: OPERATIONS.rerunFailed, status: 201, problem: '/ must be object' },
  { operationId: OPERATIONS.cancel, status: 202, problem: '/ must be object' },
];

// --- Fixtures: GitHub's examples with the fields a test cares about replaced. ---

export interface WorkflowRunFields {
  id: number;
  name: string | null;
  display_title: string;
  run_number: number;
  run_attempt: number;
  status: string | null;
  conclusion: string | null;
  event: string;
  head_branch: string | null;
  head_sha: string;
  html_url: string;
  created_at: string;
  updated_at: string;
  run_started_at: string;
}
export type WorkflowRun = WorkflowRunFields & Record<string, unknown>;

export interface StepFields {
  name: string;
  number: number;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  started_at?: string | null;
  completed_at?: string | null;
}

export interface JobFields {
  id: number;
  run_id: number;
  name: string;
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  conclusion: string | null;
  created_at: string;
  started_at: string;
  completed_at: string | null;
  html_url: string | null;
  steps: StepFields[];
}
export type Job = JobFields & Record<string, unknown>;

export interface WorkflowFields {
  id: number;
  name: string;
  path: string;
  state: string;
  html_url: string;
}
export type Workflow = WorkflowFields & Record<string, unknown>;

/** A copy of an example after checking it against its schema: from then on its type is known. */
function conforming<T>(operationId: string, status: number, value: unknown): T {
  const problems = validateResponse(operationId, status, value);
  if (problems.length > 0) throw new Error(`Fixture for ${operationId} ${status} does not match GitHub's schema: ${problems.join('; ')}`);
  return value as T;
}

export function exampleRuns(): WorkflowRun[] {
  return conforming<{ workflow_runs: WorkflowRun[] }>(OPERATIONS.listRuns, 200, publishedExample(OPERATIONS.listRuns, 200)).workflow_runs;
}

export function exampleJobs(): Job[] {
  const page = publishedExample(OPERATIONS.listJobs, 200) as { jobs: Record<string, unknown>[] };
  return conforming<{ jobs: Job[] }>(OPERATIONS.listJobs, 200, { ...page, jobs: page.jobs.map(withCreatedAt) }).jobs;
}

export function exampleWorkflows(): Workflow[] {
  return conforming<{ workflows: Workflow[] }>(OPERATIONS.listWorkflows, 200, publishedExample(OPERATIONS.listWorkflows, 200)).workflows;
}

/** The live API sends `created_at` (when the job was queued); the examples leave it out. */
function withCreatedAt(job: Record<string, unknown>): Record<string, unknown> {
  return { created_at: job.started_at, ...job };
}

/** GitHub's example run with `fields` replaced; its URLs follow the id. */
export function workflowRun(fields: Partial<WorkflowRunFields> = {}): WorkflowRun {
  const base = exampleRuns()[0];
  const id = fields.id ?? base.id;
  const api = `https://api.github.com/repos/${STUB_OWNER}/${STUB_REPO}/actions/runs/${id}`;
  const run = { ...base, url: api, jobs_url: `${api}/jobs`, logs_url: `${api}/logs`, cancel_url: `${api}/cancel`, rerun_url: `${api}/rerun`, html_url: `https://github.com/${STUB_OWNER}/${STUB_REPO}/actions/runs/${id}`, ...fields };
  return conforming<{ workflow_runs: WorkflowRun[] }>(OPERATIONS.listRuns, 200, { total_count: 1, workflow_runs: [run] }).workflow_runs[0];
}

/** GitHub's example job with `fields` replaced. */
export function job(fields: Partial<JobFields> = {}): Job {
  const base = exampleJobs()[0];
  const id = fields.id ?? base.id;
  const runId = fields.run_id ?? base.run_id;
  const urls = { url: `https://api.github.com/repos/${STUB_OWNER}/${STUB_REPO}/actions/jobs/${id}`, html_url: `https://github.com/${STUB_OWNER}/${STUB_REPO}/actions/runs/${runId}/job/${id}`, run_url: `https://api.github.com/repos/${STUB_OWNER}/${STUB_REPO}/actions/runs/${runId}` };
  const built = { ...base, ...urls, ...fields };
  return conforming<{ jobs: Job[] }>(OPERATIONS.listJobs, 200, { total_count: 1, jobs: [built] }).jobs[0];
}

/** A job log in the runner's format: every step writes a `##[group]` header, a line of output, and the failing one an error. */
export function jobLogOf(fixture: Job): string {
  const lines: string[] = [];
  for (const step of fixture.steps) {
    const at = new Date(step.started_at ?? fixture.started_at).toISOString().replace('.000Z', '.1000000Z');
    lines.push(`${at} ##[group]${step.name}`, `${at} ${step.name}: details`, `${at} ##[endgroup]`, `${at} output of step ${step.number}`);
    if (step.conclusion === 'failure') lines.push(`${at} ##[error]Process completed with exit code 1.`);
  }
  return `\uFEFF${lines.join('\n')}\n`;
}

// --- Headers of real GitHub answers, from @octokit/fixtures recordings. ---

interface Recording {
  status: number;
  rawHeaders: string[];
}

/** Headers the stub computes itself, or that belong to one connection. */
const OWN_HEADERS = /^(date|content-length|content-type|connection|etag|location|x-ratelimit-.*)$/i;

function recordedHeaders(scenario: string, status: number): Record<string, string> {
  const file = path.join(path.dirname(require.resolve('@octokit/fixtures/package.json')), 'scenarios', 'api.github.com', scenario, 'raw-fixture.json');
  const recordings = JSON.parse(readFileSync(file, 'utf8')) as Recording[];
  const recording = recordings.find((r) => r.status === status);
  if (!recording) throw new Error(`@octokit/fixtures has no ${status} in ${scenario}`);
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < recording.rawHeaders.length; i += 2) {
    if (!OWN_HEADERS.test(recording.rawHeaders[i])) headers[recording.rawHeaders[i]] = recording.rawHeaders[i + 1];
  }
  return headers;
}

// --- The server. ---

export type StubFailure =
  | 'unauthorized'
  | 'forbidden'
  | 'sso'
  | 'rate-limited'
  | 'secondary-rate-limit'
  | 'too-many-requests'
  | 'not-found'
  | 'server-error'
  | 'malformed'
  | 'hang';

export interface StubRequest {
  method: string;
  /** Path and query. */
  path: string;
  host: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ServedResponse {
  operationId: string;
  status: number;
  body: unknown;
}

export interface GitHubStubOptions {
  rateLimit?: { limit?: number; remaining?: number; resetAt?: number /* epoch s */ };
  /** Workflow files that have no `workflow_dispatch` trigger. */
  withoutDispatch?: string[];
}

export interface GitHubStub {
  /** The API root, http://127.0.0.1:PORT (also answered under /api/v3, as GitHub Enterprise Server does). */
  url: string;
  /** Where log redirects point: the same server under another host name (localhost). */
  logOrigin: string;
  requests: StubRequest[];
  /** Every JSON body served, with its operation, for schema checks. */
  served: ServedResponse[];
  dispatches: { workflow: string; body: unknown }[];
  setRuns(runs: WorkflowRun[]): void;
  setJobs(runId: number, jobs: Job[]): void;
  setLog(jobId: number, text: string): void;
  /** The next `times` API requests fail this way (the log host is not affected). */
  failNext(failure: StubFailure, times?: number): void;
  stop(): Promise<void>;
}

export async function startGitHubStub(options: GitHubStubOptions = {}): Promise<GitHubStub> {
  return new GitHubStubServer(options).start();
}

interface Exchange {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  body: string;
  /** GitHub does not charge a 304 to the rate limit only when the request was authorized. */
  authorized: boolean;
}

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  operationId: string;
  answer(exchange: Exchange, ids: number[]): void;
}

interface ScriptedAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const SIGNED_LOGS = '/_signed/job-logs/';
const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';
const REQUEST_ID = 'C0DE:1F2E:3A4B5C:6D7E8F:65B177D2';

/** GitHub's error answers, in its words (the SAML one as GitHub words it for a personal access token). */
function scriptedAnswer(failure: Exclude<StubFailure, 'malformed' | 'hang'>, limit: number): ScriptedAnswer {
  switch (failure) {
    case 'unauthorized':
      return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } };
    case 'forbidden':
      return { status: 403, body: { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest/actions/workflow-runs', status: '403' } };
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
        headers: { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Used': String(limit) },
      };
    case 'secondary-rate-limit':
      return {
        status: 403,
        body: {
          message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${REQUEST_ID}.`,
          documentation_url: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`,
          status: '403',
        },
        headers: { 'Retry-After': '30' },
      };
    case 'too-many-requests':
      return { status: 429, body: { message: 'Too Many Requests', documentation_url: RATE_LIMIT_DOCS, status: '429' }, headers: { 'Retry-After': '5' } };
    case 'not-found':
      return notFound();
    case 'server-error':
      return { status: 502, body: { message: 'Server Error' } };
  }
}

function notFound(): ScriptedAnswer {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/actions', status: '404' } };
}

function githubError(status: number, message: string): ScriptedAnswer {
  return { status, body: { message, documentation_url: 'https://docs.github.com/rest/actions', status: String(status) } };
}

class GitHubStubServer implements GitHubStub {
  url = '';
  logOrigin = '';
  readonly requests: StubRequest[] = [];
  readonly served: ServedResponse[] = [];
  readonly dispatches: { workflow: string; body: unknown }[] = [];
  private runs: WorkflowRun[] = exampleRuns();
  private readonly jobs = new Map<number, Job[]>(exampleJobs().map((j) => [j.run_id, [j]]));
  private readonly logs = new Map<number, string>(exampleJobs().map((j) => [j.id, jobLogOf(j)]));
  private readonly workflows = exampleWorkflows();
  private readonly failures: StubFailure[] = [];
  private readonly limit: number;
  private remaining: number;
  private readonly reset: number;
  private readonly withoutDispatch: Set<string>;
  private readonly jsonHeaders = recordedHeaders('errors', 422);
  private readonly redirectHeaders = recordedHeaders('get-archive', 302);
  private readonly server = http.createServer((req, res) => this.receive(req, res));
  private readonly routes: Route[] = [
    { method: 'GET', pattern: /^\/actions\/runs$/, operationId: OPERATIONS.listRuns, answer: (e) => this.listRuns(e) },
    { method: 'GET', pattern: /^\/actions\/runs\/(\d+)$/, operationId: OPERATIONS.getRun, answer: (e, [id]) => this.getRun(e, id) },
    { method: 'GET', pattern: /^\/actions\/runs\/(\d+)\/jobs$/, operationId: OPERATIONS.listJobs, answer: (e, [id]) => this.listJobs(e, id) },
    { method: 'GET', pattern: /^\/actions\/jobs\/(\d+)$/, operationId: OPERATIONS.getJob, answer: (e, [id]) => this.getJob(e, id) },
    { method: 'GET', pattern: /^\/actions\/jobs\/(\d+)\/logs$/, operationId: OPERATIONS.jobLogs, answer: (e, [id]) => this.redirectToLog(e, id) },
    { method: 'GET', pattern: /^\/actions\/workflows$/, operationId: OPERATIONS.listWorkflows, answer: (e) => this.listWorkflows(e) },
    { method: 'POST', pattern: /^\/actions\/runs\/(\d+)\/rerun$/, operationId: OPERATIONS.rerun, answer: (e, [id]) => this.rerun(e, OPERATIONS.rerun, id) },
    { method: 'POST', pattern: /^\/actions\/runs\/(\d+)\/rerun-failed-jobs$/, operationId: OPERATIONS.rerunFailed, answer: (e, [id]) => this.rerun(e, OPERATIONS.rerunFailed, id) },
    { method: 'POST', pattern: /^\/actions\/runs\/(\d+)\/cancel$/, operationId: OPERATIONS.cancel, answer: (e, [id]) => this.cancel(e, id) },
    { method: 'POST', pattern: /^\/actions\/workflows\/[^/]+\/dispatches$/, operationId: OPERATIONS.dispatch, answer: (e) => this.dispatch(e) },
  ];

  constructor(options: GitHubStubOptions) {
    this.limit = options.rateLimit?.limit ?? 5000;
    this.remaining = options.rateLimit?.remaining ?? 4999;
    this.reset = options.rateLimit?.resetAt ?? Math.floor(Date.now() / 1000) + 3600;
    this.withoutDispatch = new Set(options.withoutDispatch ?? ['linter.yaml']);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.logOrigin = `http://localhost:${port}`;
    return this;
  }

  setRuns(runs: WorkflowRun[]): void {
    this.runs = runs;
  }

  setJobs(runId: number, jobs: Job[]): void {
    this.jobs.set(runId, jobs);
  }

  setLog(jobId: number, text: string): void {
    this.logs.set(jobId, text);
  }

  failNext(failure: StubFailure, times = 1): void {
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
      this.requests.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, host: req.headers.host ?? '', headers: req.headers, body });
      this.route({ req, res, url, body, authorized: typeof req.headers.authorization === 'string' });
    });
  }

  private route(exchange: Exchange): void {
    // GitHub Enterprise Server serves the same API under /api/v3.
    const pathname = exchange.url.pathname.replace(/^\/api\/v3(?=\/)/, '');
    if (pathname.startsWith(SIGNED_LOGS)) return this.serveSignedLog(exchange, Number(pathname.slice(SIGNED_LOGS.length)));
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(pathname);
    const rest = repoMatch?.[3] ?? pathname;
    const route = this.routes.find((r) => r.method === exchange.req.method && r.pattern.test(rest));
    const operationId = route?.operationId ?? 'unknown';
    const failure = this.failures.shift() ?? (this.remaining <= 0 ? 'rate-limited' : undefined);
    if (failure) return this.fail(exchange, operationId, failure);
    // GitHub hides what a token may not see behind the same 404 as what does not exist.
    if (!route || repoMatch?.[1] !== STUB_OWNER || repoMatch[2] !== STUB_REPO) return this.sendJson(exchange, operationId, notFound());
    route.answer(exchange, (route.pattern.exec(rest) ?? []).slice(1).map(Number));
  }

  private listRuns(exchange: Exchange): void {
    const query = exchange.url.searchParams;
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30));
    const runs = this.runs.filter((r) => (!query.has('branch') || r.head_branch === query.get('branch')) && (!query.has('head_sha') || r.head_sha === query.get('head_sha')));
    this.sendConditional(exchange, OPERATIONS.listRuns, { total_count: runs.length, workflow_runs: runs.slice(0, perPage) });
  }

  private getRun(exchange: Exchange, runId: number): void {
    const run = this.runs.find((r) => r.id === runId);
    if (run) this.sendConditional(exchange, OPERATIONS.getRun, run);
    else this.sendJson(exchange, OPERATIONS.getRun, notFound());
  }

  private listJobs(exchange: Exchange, runId: number): void {
    const jobs = this.jobs.get(runId);
    if (jobs) this.sendConditional(exchange, OPERATIONS.listJobs, { total_count: jobs.length, jobs });
    else this.sendJson(exchange, OPERATIONS.listJobs, notFound());
  }

  private getJob(exchange: Exchange, jobId: number): void {
    const found = [...this.jobs.values()].flat().find((j) => j.id === jobId);
    if (found) this.sendConditional(exchange, OPERATIONS.getJob, found);
    else this.sendJson(exchange, OPERATIONS.getJob, notFound());
  }

  /** Like GitHub: a 302 to a signed URL on another host, valid for a minute. */
  private redirectToLog(exchange: Exchange, jobId: number): void {
    if (!this.logs.has(jobId)) return this.sendJson(exchange, OPERATIONS.jobLogs, notFound());
    this.count(exchange, 302);
    const expires = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
    const location = `${this.logOrigin}${SIGNED_LOGS}${jobId}?urlExpires=${expires}&urlSigningMethod=HMACV1&urlSignature=c3R1Yg%3D%3D`;
    exchange.res.writeHead(302, { ...this.redirectHeaders, ...this.rateHeaders(), 'Content-Type': 'text/html;charset=utf-8', 'Content-Length': '0', Location: location }).end();
  }

  private listWorkflows(exchange: Exchange): void {
    this.sendConditional(exchange, OPERATIONS.listWorkflows, { total_count: this.workflows.length, workflows: this.workflows });
  }

  /** A re-run queues a new attempt of the same run. */
  private rerun(exchange: Exchange, operationId: string, runId: number): void {
    const run = this.runs.find((r) => r.id === runId);
    if (!run) return this.sendJson(exchange, operationId, notFound());
    Object.assign(run, { status: 'queued', conclusion: null, run_attempt: run.run_attempt + 1 });
    this.sendJson(exchange, operationId, { status: 201, body: {} });
  }

  private cancel(exchange: Exchange, runId: number): void {
    const run = this.runs.find((r) => r.id === runId);
    if (!run) return this.sendJson(exchange, OPERATIONS.cancel, notFound());
    if (run.status === 'completed') return this.sendJson(exchange, OPERATIONS.cancel, githubError(409, 'Cannot cancel a workflow run that is completed.'));
    Object.assign(run, { status: 'completed', conclusion: 'cancelled' });
    this.sendJson(exchange, OPERATIONS.cancel, { status: 202, body: {} });
  }

  private dispatch(exchange: Exchange): void {
    const name = decodeURIComponent(/\/workflows\/([^/]+)\/dispatches$/.exec(exchange.url.pathname)?.[1] ?? '');
    const workflow = this.workflows.find((w) => String(w.id) === name || path.posix.basename(w.path) === name);
    if (!workflow) return this.sendJson(exchange, OPERATIONS.dispatch, notFound());
    const body = parseJson(exchange.body);
    if (!body.ok) return this.sendJson(exchange, OPERATIONS.dispatch, githubError(400, 'Problems parsing JSON'));
    if (typeof body.value !== 'object' || body.value === null || typeof (body.value as { ref?: unknown }).ref !== 'string') {
      return this.sendJson(exchange, OPERATIONS.dispatch, githubError(422, 'Invalid request.\n\n"ref" wasn\'t supplied.'));
    }
    if (this.withoutDispatch.has(path.posix.basename(workflow.path))) {
      return this.sendJson(exchange, OPERATIONS.dispatch, githubError(422, "Workflow does not have 'workflow_dispatch' trigger"));
    }
    this.dispatches.push({ workflow: name, body: body.value });
    this.count(exchange, 204);
    exchange.res.writeHead(204, { ...this.jsonHeaders, ...this.rateHeaders() }).end();
  }

  private serveSignedLog(exchange: Exchange, jobId: number): void {
    // Signed storage URLs take no token: a request carrying one is a leak, and fails loudly here.
    if (exchange.req.headers.authorization) {
      exchange.res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Authorization is not accepted on a signed URL');
      return;
    }
    const text = this.logs.get(jobId);
    if (text === undefined || exchange.req.headers.host !== new URL(this.logOrigin).host) {
      exchange.res.writeHead(404, { 'Content-Type': 'text/plain' }).end('BlobNotFound');
      return;
    }
    exchange.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
  }

  private fail(exchange: Exchange, operationId: string, failure: StubFailure): void {
    if (failure === 'hang') return; // never answers: the client's timeout has to end it
    if (failure === 'malformed') {
      this.count(exchange, 200);
      exchange.res.writeHead(200, { ...this.jsonHeaders, ...this.rateHeaders(), 'Content-Type': 'application/json; charset=utf-8' }).end('{"total_count":1,"workflow_runs":[{"id":');
      return;
    }
    this.sendJson(exchange, operationId, scriptedAnswer(failure, this.limit));
  }

  /** GET answers carry an ETag; a matching If-None-Match gets a 304 without a body. */
  private sendConditional(exchange: Exchange, operationId: string, body: unknown): void {
    const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('hex')}"`;
    if (exchange.req.headers['if-none-match'] !== etag) return this.sendJson(exchange, operationId, { status: 200, body, headers: { ETag: etag } });
    this.count(exchange, 304);
    exchange.res.writeHead(304, { ...this.jsonHeaders, ...this.rateHeaders(), ETag: etag }).end();
  }

  private sendJson(exchange: Exchange, operationId: string, answer: ScriptedAnswer): void {
    this.count(exchange, answer.status);
    this.served.push({ operationId, status: answer.status, body: answer.body });
    const headers = { ...this.jsonHeaders, ...this.rateHeaders(), 'Content-Type': 'application/json; charset=utf-8', ...answer.headers };
    exchange.res.writeHead(answer.status, headers).end(JSON.stringify(answer.body));
  }

  /** GitHub counts every request but a 304 to an authorized conditional request. */
  private count(exchange: Exchange, status: number): void {
    if (!(status === 304 && exchange.authorized)) this.remaining = Math.max(0, this.remaining - 1);
  }

  private rateHeaders(): Record<string, string> {
    return {
      'X-RateLimit-Limit': String(this.limit),
      'X-RateLimit-Remaining': String(this.remaining),
      'X-RateLimit-Reset': String(this.reset),
      'X-RateLimit-Used': String(this.limit - this.remaining),
      'X-RateLimit-Resource': 'core',
    };
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
