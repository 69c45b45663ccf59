// A local GitHub REST API for the Actions endpoints Conveyor uses. Its bodies start from the examples in
// GitHub's own OpenAPI description (@octokit/openapi) and are checked against the schemas of the same
// operations; its headers are copied from real recorded GitHub answers (@octokit/fixtures: the `errors`
// scenario's 422 for JSON answers, the `get-archive` scenario's cross-host 302 for the log redirect).
// Conditional requests, rate-limit accounting, the log redirect to another host and scripted failures
// behave as GitHub documents them (test/support/githubApi).
import * as path from 'node:path';
import type * as http from 'node:http';
import { GitHubApi, GitHubRestStub, publishedExample, recordedHeaders, validateResponse } from './githubApi';
import type { GitHubFailure, ServedResponse } from './githubApi';
import { findRoute, StubServer } from './stubServer';
import type { Route, StubExchange } from './stubServer';

export const STUB_OWNER = 'octo-org';
export const STUB_REPO = 'octo-repo';

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
  const run = {
    ...base,
    url: api,
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    html_url: `https://github.com/${STUB_OWNER}/${STUB_REPO}/actions/runs/${id}`,
    ...fields,
  };
  return conforming<{ workflow_runs: WorkflowRun[] }>(OPERATIONS.listRuns, 200, { total_count: 1, workflow_runs: [run] }).workflow_runs[0];
}

/** GitHub's example job with `fields` replaced. */
export function job(fields: Partial<JobFields> = {}): Job {
  const base = exampleJobs()[0];
  const id = fields.id ?? base.id;
  const runId = fields.run_id ?? base.run_id;
  const urls = {
    url: `https://api.github.com/repos/${STUB_OWNER}/${STUB_REPO}/actions/jobs/${id}`,
    html_url: `https://github.com/${STUB_OWNER}/${STUB_REPO}/actions/runs/${runId}/job/${id}`,
    run_url: `https://api.github.com/repos/${STUB_OWNER}/${STUB_REPO}/actions/runs/${runId}`,
  };
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

// --- The server. ---

export type StubFailure = GitHubFailure;

export interface StubRequest {
  method: string;
  /** Path and query. */
  path: string;
  host: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface GitHubStubOptions {
  rateLimit?: { limit?: number; remaining?: number; resetAt?: number /* epoch s */ };
  /** Workflow files that have no `workflow_dispatch` trigger. */
  withoutDispatch?: string[];
  /** Where to listen (see StubServerOptions.host). */
  host?: string;
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
  let stub: GitHubStubServer | undefined;
  const server = await StubServer.start<StubRequest>({
    record: (e) => ({ method: e.method, path: e.path, host: e.headers.host ?? '', headers: e.headers, body: e.body }),
    handle: (e) => stub?.route(e),
    host: options.host,
  });
  return (stub = new GitHubStubServer(server, options));
}

const SIGNED_LOGS = '/_signed/job-logs/';

class GitHubStubServer extends GitHubRestStub<StubRequest> implements GitHubStub {
  readonly logOrigin: string;
  readonly dispatches: { workflow: string; body: unknown }[] = [];
  private runs: WorkflowRun[] = exampleRuns();
  private readonly jobs = new Map<number, Job[]>(exampleJobs().map((j) => [j.run_id, [j]]));
  private readonly logs = new Map<number, string>(exampleJobs().map((j) => [j.id, jobLogOf(j)]));
  private readonly workflows = exampleWorkflows();
  private readonly withoutDispatch: Set<string>;
  private readonly redirectHeaders = recordedHeaders('get-archive', 302);
  private readonly routes: (Route & { operationId: string })[] = [
    { method: 'GET', path: /^\/actions\/runs$/, operationId: OPERATIONS.listRuns, answer: (e) => this.listRuns(e) },
    { method: 'GET', path: /^\/actions\/runs\/(\d+)$/, operationId: OPERATIONS.getRun, answer: (e, id) => this.getRun(e, Number(id)) },
    {
      method: 'GET',
      path: /^\/actions\/runs\/(\d+)\/jobs$/,
      operationId: OPERATIONS.listJobs,
      answer: (e, id) => this.listJobs(e, Number(id)),
    },
    { method: 'GET', path: /^\/actions\/jobs\/(\d+)$/, operationId: OPERATIONS.getJob, answer: (e, id) => this.getJob(e, Number(id)) },
    {
      method: 'GET',
      path: /^\/actions\/jobs\/(\d+)\/logs$/,
      operationId: OPERATIONS.jobLogs,
      answer: (e, id) => this.redirectToLog(e, Number(id)),
    },
    { method: 'GET', path: /^\/actions\/workflows$/, operationId: OPERATIONS.listWorkflows, answer: (e) => this.listWorkflows(e) },
    {
      method: 'POST',
      path: /^\/actions\/runs\/(\d+)\/rerun$/,
      operationId: OPERATIONS.rerun,
      answer: (e, id) => this.rerun(e, OPERATIONS.rerun, Number(id)),
    },
    {
      method: 'POST',
      path: /^\/actions\/runs\/(\d+)\/rerun-failed-jobs$/,
      operationId: OPERATIONS.rerunFailed,
      answer: (e, id) => this.rerun(e, OPERATIONS.rerunFailed, Number(id)),
    },
    {
      method: 'POST',
      path: /^\/actions\/runs\/(\d+)\/cancel$/,
      operationId: OPERATIONS.cancel,
      answer: (e, id) => this.cancel(e, Number(id)),
    },
    {
      method: 'POST',
      path: /^\/actions\/workflows\/([^/]+)\/dispatches$/,
      operationId: OPERATIONS.dispatch,
      answer: (e, name) => this.dispatch(e, decodeURIComponent(name)),
    },
  ];

  constructor(server: StubServer<StubRequest>, options: GitHubStubOptions) {
    const rateLimit = { remaining: 4999, resetAt: Math.floor(Date.now() / 1000) + 3600, ...options.rateLimit };
    super(server, new GitHubApi({ docs: 'https://docs.github.com/rest/actions', rateLimit, etags: 'strong', malformed: 'truncated-json' }));
    this.logOrigin = `http://localhost:${server.port}`;
    this.withoutDispatch = new Set(options.withoutDispatch ?? ['linter.yaml']);
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

  route(exchange: StubExchange): void {
    const pathname = GitHubApi.pathname(exchange);
    if (pathname.startsWith(SIGNED_LOGS)) return this.serveSignedLog(exchange, Number(pathname.slice(SIGNED_LOGS.length)));
    const repo = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(pathname);
    const found = findRoute(this.routes, exchange.method, repo?.[3] ?? pathname);
    const operationId = found?.route.operationId ?? 'unknown';
    const failure = this.api.failureFor(exchange);
    if (failure) return this.api.fail(exchange, operationId, failure);
    if (!found || repo?.[1] !== STUB_OWNER || repo[2] !== STUB_REPO) return this.api.sendJson(exchange, operationId, this.api.notFound());
    found.route.answer(exchange, ...found.params);
  }

  private listRuns(exchange: StubExchange): void {
    const query = exchange.url.searchParams;
    const runs = this.runs.filter(
      (r) =>
        (!query.has('branch') || r.head_branch === query.get('branch')) && (!query.has('head_sha') || r.head_sha === query.get('head_sha')),
    );
    const { page, link } = this.api.paginate(exchange, runs);
    this.api.sendConditional(exchange, OPERATIONS.listRuns, { total_count: runs.length, workflow_runs: page }, link ? { Link: link } : {});
  }

  private getRun(exchange: StubExchange, runId: number): void {
    const run = this.runs.find((r) => r.id === runId);
    if (run) this.api.sendConditional(exchange, OPERATIONS.getRun, run);
    else this.api.sendJson(exchange, OPERATIONS.getRun, this.api.notFound());
  }

  private listJobs(exchange: StubExchange, runId: number): void {
    const jobs = this.jobs.get(runId);
    if (jobs) this.api.sendConditional(exchange, OPERATIONS.listJobs, { total_count: jobs.length, jobs });
    else this.api.sendJson(exchange, OPERATIONS.listJobs, this.api.notFound());
  }

  private getJob(exchange: StubExchange, jobId: number): void {
    const found = [...this.jobs.values()].flat().find((j) => j.id === jobId);
    if (found) this.api.sendConditional(exchange, OPERATIONS.getJob, found);
    else this.api.sendJson(exchange, OPERATIONS.getJob, this.api.notFound());
  }

  /** Like GitHub: a 302 to a signed URL on another host, valid for a minute. */
  private redirectToLog(exchange: StubExchange, jobId: number): void {
    if (!this.logs.has(jobId)) return this.api.sendJson(exchange, OPERATIONS.jobLogs, this.api.notFound());
    const expires = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
    const location = `${this.logOrigin}${SIGNED_LOGS}${jobId}?urlExpires=${expires}&urlSigningMethod=HMACV1&urlSignature=c3R1Yg%3D%3D`;
    this.api.sendEmpty(exchange, 302, {
      ...this.redirectHeaders,
      'Content-Type': 'text/html;charset=utf-8',
      'Content-Length': '0',
      Location: location,
    });
  }

  private listWorkflows(exchange: StubExchange): void {
    this.api.sendConditional(exchange, OPERATIONS.listWorkflows, { total_count: this.workflows.length, workflows: this.workflows });
  }

  /** A re-run queues a new attempt of the same run. */
  private rerun(exchange: StubExchange, operationId: string, runId: number): void {
    const run = this.runs.find((r) => r.id === runId);
    if (!run) return this.api.sendJson(exchange, operationId, this.api.notFound());
    Object.assign(run, { status: 'queued', conclusion: null, run_attempt: run.run_attempt + 1 });
    this.api.sendJson(exchange, operationId, { status: 201, body: {} });
  }

  private cancel(exchange: StubExchange, runId: number): void {
    const run = this.runs.find((r) => r.id === runId);
    if (!run) return this.api.sendJson(exchange, OPERATIONS.cancel, this.api.notFound());
    if (run.status === 'completed')
      return this.api.sendJson(exchange, OPERATIONS.cancel, this.api.error(409, 'Cannot cancel a workflow run that is completed.'));
    Object.assign(run, { status: 'completed', conclusion: 'cancelled' });
    this.api.sendJson(exchange, OPERATIONS.cancel, { status: 202, body: {} });
  }

  private dispatch(exchange: StubExchange, name: string): void {
    const workflow = this.workflows.find((w) => String(w.id) === name || path.posix.basename(w.path) === name);
    if (!workflow) return this.api.sendJson(exchange, OPERATIONS.dispatch, this.api.notFound());
    const body = exchange.readJson();
    if (!body.ok || body.value === undefined)
      return this.api.sendJson(exchange, OPERATIONS.dispatch, this.api.error(400, 'Problems parsing JSON'));
    if (typeof body.value !== 'object' || body.value === null || typeof (body.value as { ref?: unknown }).ref !== 'string') {
      return this.api.sendJson(exchange, OPERATIONS.dispatch, this.api.error(422, 'Invalid request.\n\n"ref" wasn\'t supplied.'));
    }
    if (this.withoutDispatch.has(path.posix.basename(workflow.path))) {
      return this.api.sendJson(exchange, OPERATIONS.dispatch, this.api.error(422, "Workflow does not have 'workflow_dispatch' trigger"));
    }
    this.dispatches.push({ workflow: name, body: body.value });
    this.api.sendEmpty(exchange, 204);
  }

  private serveSignedLog(exchange: StubExchange, jobId: number): void {
    // Signed storage URLs take no token: a request carrying one is a leak, and fails loudly here.
    if (exchange.headers.authorization)
      return exchange.send(400, 'Authorization is not accepted on a signed URL', { 'Content-Type': 'text/plain' });
    const text = this.logs.get(jobId);
    if (text === undefined || exchange.headers.host !== new URL(this.logOrigin).host)
      return exchange.send(404, 'BlobNotFound', { 'Content-Type': 'text/plain' });
    exchange.send(200, text, { 'Content-Type': 'text/plain; charset=utf-8' });
  }
}
