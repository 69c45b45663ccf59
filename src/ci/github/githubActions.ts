// GitHub Actions through the REST API, in Conveyor's CI shape (ciModel.ts). Plain Node (global fetch), no
// VS Code: the CI view, the status bar and the CLI share it. Every failure becomes a CiError that says what
// to do next. Plain fetch rather than Octokit: the calls that matter here are the ones Octokit makes
// awkward (a 304 thrown as an error, network failures reported as status 500, non-JSON bodies passed on as
// strings, the log redirect handled by hand), and the rest is a URL and an Authorization header.
import type { CiJob, CiRun, CiState, CiStep, Conditional, RateBudget } from '../ciModel';
import { CiError } from '../ciModel';
import { networkReason } from '../../core/networkReason';

export interface GitHubActionsOptions {
  /** `https://api.github.com` (default), or GitHub Enterprise Server's `https://HOST/api/v3`. */
  baseUrl?: string;
  token?: string;
  /** For tests and proxies; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Per request, including reading its body. Default 15 s. */
  timeoutMs?: number;
  userAgent?: string;
  /** Epoch ms, for the elapsed time of running runs and jobs. */
  now?: () => number;
}

export interface RunQuery {
  branch?: string;
  headSha?: string;
  /** 1–100; GitHub's default is 30. */
  perPage?: number;
}

/** A workflow as GitHub knows it: `path` is its file, `state` e.g. `active` or `disabled_manually`. */
export interface CiWorkflow {
  id: string;
  name: string;
  path: string;
  state: string;
  url: string;
}

type Id = string | number;

/** What a call is about, for messages: "`subject` not found…", "GitHub could not `action`…". */
interface Purpose {
  subject: string;
  action: string;
  write: boolean;
}

const DEFAULT_BASE_URL = 'https://api.github.com';
const API_VERSION = '2022-11-28';
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_USER_AGENT = 'conveyor-vscode';
/** One page only: an ETag covers one page, and runs with more than 100 jobs are rare. */
const JOBS_PER_PAGE = 100;
const WORKFLOWS_PER_PAGE = 100;
/** GitHub's advice when a rate-limited answer says neither `retry-after` nor `x-ratelimit-reset`. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;
const READ_ACCESS = 'the repo scope (classic token) or Actions: read (fine-grained token)';
const WRITE_ACCESS = 'the repo and workflow scopes (classic token) or Actions: read and write (fine-grained token)';

const ACTIVE_STATES = new Map<string, CiState>([
  ['queued', 'queued'],
  ['waiting', 'queued'],
  ['pending', 'queued'],
  ['requested', 'queued'],
  ['in_progress', 'running'],
]);
const CONCLUSION_STATES = new Map<string, CiState>([
  ['success', 'passed'],
  ['failure', 'failed'],
  ['timed_out', 'failed'],
  ['startup_failure', 'failed'],
  ['cancelled', 'cancelled'],
  ['skipped', 'skipped'],
  ['neutral', 'skipped'],
  ['action_required', 'unknown'],
  ['stale', 'unknown'],
]);

export class GitHubActionsClient {
  private readonly baseUrl: string;
  /** GitHub as messages name it: "GitHub at github.example.com". */
  private readonly peer: string;
  private readonly token: string | undefined;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly now: () => number;
  private budget: RateBudget | undefined;

  constructor(options: GitHubActionsOptions = {}) {
    this.baseUrl = (options.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.peer = `GitHub at ${hostOf(this.baseUrl)}`;
    this.token = options.token || undefined;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.now = options.now ?? Date.now;
  }

  /** Newest first. Pass the previous answer's `etag`: an unchanged list costs no rate limit (GitHub answers 304). */
  async runsFor(owner: string, repo: string, query: RunQuery = {}, etag?: string): Promise<Conditional<CiRun[]>> {
    const params = new URLSearchParams({ exclude_pull_requests: 'true' });
    if (query.branch) params.set('branch', query.branch);
    if (query.headSha) params.set('head_sha', query.headSha);
    if (query.perPage) params.set('per_page', String(Math.min(100, Math.max(1, Math.trunc(query.perPage)))));
    const purpose = reading(`Repository ${owner}/${repo}`, `list the workflow runs of ${owner}/${repo}`);
    return this.getConditional(`${repoPath(owner, repo)}/actions/runs?${params}`, etag, purpose, (body) => {
      const now = this.now();
      return listIn(body, 'workflow_runs').map((run) => toRun(run, now));
    });
  }

  /** The jobs of a run's latest attempt, with their steps. */
  async jobsFor(owner: string, repo: string, runId: Id, etag?: string): Promise<Conditional<CiJob[]>> {
    const purpose = reading(`Run ${runId} of ${owner}/${repo}`, `list the jobs of run ${runId} of ${owner}/${repo}`);
    return this.getConditional(`${repoPath(owner, repo)}/actions/runs/${segment(runId)}/jobs?per_page=${JOBS_PER_PAGE}`, etag, purpose, (body) => {
      const now = this.now();
      return listIn(body, 'jobs').map((job) => toJob(job, now));
    });
  }

  /**
   * The job's plain-text log. GitHub answers with a redirect to a short-lived signed URL on another host
   * (blob storage): it is followed by hand so that the token never travels there, whatever `fetch` does.
   */
  async jobLog(owner: string, repo: string, jobId: Id): Promise<string> {
    const purpose = reading(`The log of job ${jobId} in ${owner}/${repo}`, `read the log of job ${jobId} in ${owner}/${repo}`);
    const url = `${this.baseUrl}${repoPath(owner, repo)}/actions/jobs/${segment(jobId)}/logs`;
    const response = await this.call('GET', url, purpose, { redirect: 'manual' });
    if (response.status < 300 || response.status >= 400) return this.text(response, this.peer);
    const location = response.headers.get('location');
    await discard(response);
    if (!location) throw this.error('malformed', `${this.peer} redirected the log of job ${jobId} nowhere (no Location header)`);
    return this.download(new URL(location, url).href, purpose);
  }

  /** Starts the run again: all its jobs, or only the failed ones and what depends on them. */
  async rerun(owner: string, repo: string, runId: Id, options: { failedOnly?: boolean } = {}): Promise<void> {
    const endpoint = options.failedOnly ? 'rerun-failed-jobs' : 'rerun';
    const purpose = writing(`Run ${runId} of ${owner}/${repo}`, `re-run ${options.failedOnly ? 'the failed jobs of ' : ''}run ${runId} of ${owner}/${repo}`);
    await discard(await this.call('POST', `${this.baseUrl}${repoPath(owner, repo)}/actions/runs/${segment(runId)}/${endpoint}`, purpose));
  }

  async cancel(owner: string, repo: string, runId: Id): Promise<void> {
    const purpose = writing(`Run ${runId} of ${owner}/${repo}`, `cancel run ${runId} of ${owner}/${repo}`);
    await discard(await this.call('POST', `${this.baseUrl}${repoPath(owner, repo)}/actions/runs/${segment(runId)}/cancel`, purpose));
  }

  /** The repository's workflows (first 100), including those whose file is only on other branches. */
  async workflows(owner: string, repo: string): Promise<CiWorkflow[]> {
    const purpose = reading(`Repository ${owner}/${repo}`, `list the workflows of ${owner}/${repo}`);
    const response = await this.call('GET', `${this.baseUrl}${repoPath(owner, repo)}/actions/workflows?per_page=${WORKFLOWS_PER_PAGE}`, purpose);
    return this.shaped(await this.json(response, purpose), purpose, (body) => listIn(body, 'workflows').map(toWorkflow));
  }

  /**
   * Starts a `workflow_dispatch` run of a workflow (its id, file name or `.github/workflows/…` path) on
   * `ref`. GitHub answers without the run, which shows up in `runsFor` moments later.
   */
  async dispatch(owner: string, repo: string, workflowIdOrFile: Id, ref: string, inputs: Record<string, string | number | boolean> = {}): Promise<void> {
    const workflow = String(workflowIdOrFile).split('/').pop() ?? '';
    const purpose = writing(`Workflow ${workflow} in ${owner}/${repo}`, `start workflow ${workflow} of ${owner}/${repo} on ${ref}`);
    const body = Object.keys(inputs).length > 0 ? { ref, inputs } : { ref };
    await discard(await this.call('POST', `${this.baseUrl}${repoPath(owner, repo)}/actions/workflows/${segment(workflow)}/dispatches`, purpose, { body }));
  }

  /** From the last answer that carried `x-ratelimit-*` headers. */
  rateBudget(): RateBudget | undefined {
    return this.budget && { ...this.budget };
  }

  private async getConditional<T>(path: string, etag: string | undefined, purpose: Purpose, map: (body: unknown) => T): Promise<Conditional<T>> {
    const response = await this.call('GET', `${this.baseUrl}${path}`, purpose, { etag });
    if (response.status === 304) {
      await discard(response);
      return { changed: false };
    }
    const data = this.shaped(await this.json(response, purpose), purpose, map);
    const newEtag = response.headers.get('etag');
    return newEtag ? { changed: true, data, etag: newEtag } : { changed: true, data };
  }

  /** One API request; answers of 400 and above become CiErrors. */
  private async call(method: 'GET' | 'POST', url: string, purpose: Purpose, options: { etag?: string; body?: unknown; redirect?: RequestRedirect } = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': API_VERSION, 'User-Agent': this.userAgent };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (options.etag) headers['If-None-Match'] = options.etag;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const response = await this.send(url, { method, headers, body, redirect: options.redirect ?? 'follow' }, this.peer);
    if (response.status >= 400) throw await this.statusError(response, purpose);
    return response;
  }

  private async download(url: string, purpose: Purpose): Promise<string> {
    const peer = `GitHub's log storage at ${hostOf(url)}`;
    const response = await this.send(url, { method: 'GET', headers: { 'User-Agent': this.userAgent }, redirect: 'follow' }, peer);
    if (response.ok) return this.text(response, peer);
    await discard(response);
    if (response.status >= 500) throw this.error('server', `${capitalize(peer)} could not serve the log (${response.status}): try again in a moment`);
    // The signed link lives about a minute: asking GitHub again gives a fresh one.
    throw this.error('not-found', `${capitalize(peer)} refused to serve ${purpose.subject.replace(/^The /, 'the ')} (${response.status}): the download link may have expired, open the log again`);
  }

  private async send(url: string, init: RequestInit, peer: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw this.networkError(error, peer);
    }
    this.noteBudget(response.headers);
    return response;
  }

  /** The body as text; the request's timeout still applies while it streams in. */
  private async text(response: Response, peer: string): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw this.networkError(error, peer);
    }
  }

  private async json(response: Response, purpose: Purpose): Promise<unknown> {
    const text = await this.text(response, this.peer);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // A GitHub Enterprise URL without /api/v3 answers with the web UI's HTML.
      throw this.error('malformed', `${capitalize(this.peer)} answered the request to ${purpose.action} with something that is not JSON: check the GitHub API URL (${this.baseUrl})`);
    }
  }

  private shaped<T>(body: unknown, purpose: Purpose, map: (body: unknown) => T): T {
    try {
      return map(body);
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
      throw this.error('malformed', `${capitalize(this.peer)} answered the request to ${purpose.action} in an unexpected shape (${error.message})`);
    }
  }

  private async statusError(response: Response, purpose: Purpose): Promise<CiError> {
    const { status, headers } = response;
    const message = githubMessage(await response.text().catch(() => ''));
    if (status === 401) {
      return this.error('unauthorized', this.token ? 'GitHub rejected the token: sign in again' : `GitHub needs a sign-in to ${purpose.action}: sign in`);
    }
    if (status === 429 || (status === 403 && isRateLimited(headers, message))) return this.rateLimited(headers);
    if (status === 403 && isSso(headers, message)) return this.error('sso', ssoMessage(headers));
    if (status === 403) {
      return this.error('forbidden', `GitHub refused to ${purpose.action}${message ? ` ("${message}")` : ''}: the token needs ${purpose.write ? WRITE_ACCESS : READ_ACCESS}`);
    }
    if (status === 404 || status === 410) {
      const hint = this.token ? '' : '; sign in to see private repositories';
      return this.error('not-found', `${purpose.subject} not found, or the token cannot see it (GitHub answers 404 for private repositories it hides)${hint}`);
    }
    if (status >= 500) return this.error('server', `GitHub could not ${purpose.action} (${status}${message ? `: ${message}` : ''}): try again in a moment`);
    // 409 (cancelling a finished run), 422 (a workflow without workflow_dispatch, an unknown ref): GitHub's words say it.
    return this.error('unsupported', `GitHub could not ${purpose.action}: ${message || `it answered ${status}`}`);
  }

  private rateLimited(headers: Headers): CiError {
    const retryAfterMs = rateLimitWait(headers, this.now());
    const wait = `try again in ${formatWait(retryAfterMs)}`;
    if (headers.get('x-ratelimit-remaining') !== '0') {
      return this.error('rate-limited', `GitHub asks Conveyor to slow down (secondary rate limit): ${wait}`, retryAfterMs);
    }
    const limit = headers.get('x-ratelimit-limit');
    const signIn = this.token ? '' : ', or sign in for a higher limit';
    return this.error('rate-limited', `GitHub's API rate limit${limit ? ` of ${limit} requests an hour` : ''} is used up: ${wait}${signIn}`, retryAfterMs);
  }

  private networkError(error: unknown, peer: string): CiError {
    if (isTimeout(error)) {
      return this.error('timeout', `${capitalize(peer)} did not answer within ${Math.round(this.timeoutMs / 100) / 10} s: check the network, or the GitHub API URL`);
    }
    return this.error('unreachable', `Cannot reach ${peer}: ${networkReason(error)}`);
  }

  /** Every message passes here, so a token echoed in GitHub's words never reaches the UI or the log. */
  private error(kind: CiError['kind'], message: string, retryAfterMs?: number): CiError {
    const safe = this.token ? message.split(this.token).join('***') : message;
    return new CiError(safe, kind, retryAfterMs);
  }

  private noteBudget(headers: Headers): void {
    const limit = integerHeader(headers, 'x-ratelimit-limit');
    const remaining = integerHeader(headers, 'x-ratelimit-remaining');
    const reset = integerHeader(headers, 'x-ratelimit-reset');
    if (limit !== undefined && remaining !== undefined && reset !== undefined) this.budget = { limit, remaining, resetAt: reset * 1000 };
  }
}

/** GitHub's `status` and `conclusion` in one word; a conclusion exists only once a run, job or step is done. */
export function ciStateOf(status: string | undefined, conclusion: string | undefined): CiState {
  if (conclusion) return CONCLUSION_STATES.get(conclusion) ?? 'unknown';
  if (!status || status === 'completed') return 'unknown';
  return ACTIVE_STATES.get(status) ?? 'unknown';
}

// --- The JSON GitHub sends, narrowed to the fields Conveyor shows. ---

class Malformed extends Error {}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectOf(value: unknown, what: string): JsonObject {
  if (!isObject(value)) throw new Malformed(`${what} is not an object`);
  return value;
}

function listIn(body: unknown, key: string): unknown[] {
  const list = objectOf(body, 'the answer')[key];
  if (!Array.isArray(list)) throw new Malformed(`"${key}" is not a list`);
  return list;
}

function requiredString(o: JsonObject, key: string): string {
  const value = o[key];
  if (typeof value !== 'string') throw new Malformed(`"${key}" is not a string`);
  return value;
}

function requiredInteger(o: JsonObject, key: string): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Malformed(`"${key}" is not an integer`);
  return value;
}

/** Absent and null (GitHub's way of saying "not yet") both read as undefined. */
function optionalString(o: JsonObject, key: string): string | undefined {
  const value = o[key];
  return typeof value === 'string' ? value : undefined;
}

function optionalInteger(o: JsonObject, key: string): number | undefined {
  const value = o[key];
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function toRun(value: unknown, now: number): CiRun {
  const run = objectOf(value, 'a workflow run');
  const status = optionalString(run, 'status');
  const conclusion = optionalString(run, 'conclusion');
  const state = ciStateOf(status, conclusion);
  const startedAt = optionalString(run, 'run_started_at') ?? optionalString(run, 'created_at');
  const id = requiredInteger(run, 'id');
  return {
    provider: 'github',
    id: String(id),
    name: optionalString(run, 'name') ?? workflowFile(optionalString(run, 'path')) ?? `run ${id}`,
    title: optionalString(run, 'display_title'),
    number: requiredInteger(run, 'run_number'),
    attempt: optionalInteger(run, 'run_attempt'),
    state,
    rawStatus: rawStatus(status, conclusion),
    branch: optionalString(run, 'head_branch'),
    commit: optionalString(run, 'head_sha'),
    event: optionalString(run, 'event'),
    url: requiredString(run, 'html_url'),
    startedAt,
    // A finished run's updated_at is when it finished (later edits to a run are rare).
    durationMs: elapsed(state, startedAt, optionalString(run, 'updated_at'), now),
  };
}

function toJob(value: unknown, now: number): CiJob {
  const job = objectOf(value, 'a job');
  const status = optionalString(job, 'status');
  const conclusion = optionalString(job, 'conclusion');
  const state = ciStateOf(status, conclusion);
  const startedAt = optionalString(job, 'started_at');
  const steps = job.steps;
  return {
    id: String(requiredInteger(job, 'id')),
    name: requiredString(job, 'name'),
    state,
    rawStatus: rawStatus(status, conclusion),
    url: optionalString(job, 'html_url'),
    startedAt,
    durationMs: elapsed(state, startedAt, optionalString(job, 'completed_at'), now),
    steps: Array.isArray(steps) ? steps.map((step) => toStep(step, now)) : [],
  };
}

function toStep(value: unknown, now: number): CiStep {
  const step = objectOf(value, 'a step');
  const state = ciStateOf(optionalString(step, 'status'), optionalString(step, 'conclusion'));
  const startedAt = optionalString(step, 'started_at');
  return {
    number: requiredInteger(step, 'number'),
    name: requiredString(step, 'name'),
    state,
    startedAt,
    durationMs: elapsed(state, startedAt, optionalString(step, 'completed_at'), now),
  };
}

function toWorkflow(value: unknown): CiWorkflow {
  const workflow = objectOf(value, 'a workflow');
  return {
    id: String(requiredInteger(workflow, 'id')),
    name: requiredString(workflow, 'name'),
    path: requiredString(workflow, 'path'),
    state: requiredString(workflow, 'state'),
    url: requiredString(workflow, 'html_url'),
  };
}

function rawStatus(status: string | undefined, conclusion: string | undefined): string {
  return [status ?? 'unknown', conclusion].filter(Boolean).join('/');
}

/** Until now while running; between the given times once done; nothing while queued. */
function elapsed(state: CiState, startedAt: string | undefined, finishedAt: string | undefined, now: number): number | undefined {
  if (state === 'queued' || !startedAt) return undefined;
  const end = state === 'running' ? now : finishedAt ? Date.parse(finishedAt) : NaN;
  const ms = end - Date.parse(startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** `.github/workflows/ci.yml@main` → `ci.yml`. */
function workflowFile(path: string | undefined): string | undefined {
  return path?.split('@')[0].split('/').pop() || undefined;
}

// --- Errors, in the words the user needs. ---

function githubMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    return isObject(parsed) && typeof parsed.message === 'string' ? parsed.message.trim() : '';
  } catch {
    return '';
  }
}

/** Primary limit (`x-ratelimit-remaining: 0`), or a secondary one (`retry-after`, or GitHub's words). */
function isRateLimited(headers: Headers, message: string): boolean {
  return headers.get('x-ratelimit-remaining') === '0' || headers.has('retry-after') || /rate limit/i.test(message);
}

function isSso(headers: Headers, message: string): boolean {
  return /^required\b/i.test(headers.get('x-github-sso') ?? '') || /SAML/i.test(message);
}

function ssoMessage(headers: Headers): string {
  const url = /\burl=([^\s;,]+)/.exec(headers.get('x-github-sso') ?? '')?.[1];
  const where = url ? `at ${url}` : 'in GitHub (Settings → Developer settings → tokens → Configure SSO)';
  return `Resource protected by organization SAML enforcement: authorize the token for the organization ${where}`;
}

function rateLimitWait(headers: Headers, now: number): number {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(ms)) return Math.max(0, ms);
  }
  const reset = integerHeader(headers, 'x-ratelimit-reset');
  return reset === undefined ? DEFAULT_RATE_LIMIT_WAIT_MS : Math.max(0, reset * 1000 - now);
}

function integerHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

function formatWait(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.ceil(ms / 1000))} s`;
  return `${Math.ceil(ms / 60_000)} min`;
}

function isTimeout(error: unknown): boolean {
  const names = [error, error instanceof Error ? error.cause : undefined].map((e) => (e instanceof Error ? e.name : ''));
  return names.includes('TimeoutError') || names.includes('AbortError');
}


// --- Small helpers. ---

function reading(subject: string, action: string): Purpose {
  return { subject, action, write: false };
}

function writing(subject: string, action: string): Purpose {
  return { subject, action, write: true };
}

function repoPath(owner: string, repo: string): string {
  return `/repos/${segment(owner)}/${segment(repo)}`;
}

function segment(value: Id): string {
  return encodeURIComponent(String(value));
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Drops a body we do not read, so the connection can be reused. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
