// GitHub Actions through the REST API, in Conveyor's CI shape (ciModel.ts). Plain Node (global fetch), no
// VS Code: the CI view, the status bar and the CLI share it. Every failure becomes a ServiceError that says what
// to do next. Conveyor's GitHub transport rather than Octokit: the calls that matter here are the ones Octokit
// makes awkward (a 304 thrown as an error, network failures reported as status 500, non-JSON bodies passed on
// as strings, the log redirect handled by hand), and the rest is a URL and an Authorization header.
import type { CiJob, CiRun, CiState, CiStep, Conditional, RateBudget } from '../ciModel';
import { unexpectedShape } from '../../core/answerShape';
import type { GitHubPurpose } from '../../core/github/githubHttp';
import { GitHubHttp, hostOf } from '../../core/github/githubHttp';
import { capitalize } from '../../core/http/httpClient';
import { isRecord } from '../../core/records';

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

/** One page only: an ETag covers one page, and runs with more than 100 jobs are rare. */
const JOBS_PER_PAGE = 100;
const WORKFLOWS_PER_PAGE = 100;
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
  private readonly http: GitHubHttp;
  private readonly now: () => number;

  constructor(options: GitHubActionsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.http = new GitHubHttp({ ...options, need: READ_ACCESS, refusal: 'unsupported', now: this.now });
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
    return this.getConditional(
      `${repoPath(owner, repo)}/actions/runs/${segment(runId)}/jobs?per_page=${JOBS_PER_PAGE}`,
      etag,
      purpose,
      (body) => {
        const now = this.now();
        return listIn(body, 'jobs').map((job) => toJob(job, now));
      },
    );
  }

  /**
   * The job's plain-text log. GitHub answers with a redirect to a short-lived signed URL on another host
   * (blob storage): it is followed by hand so that the token never travels there, whatever `fetch` does.
   */
  async jobLog(owner: string, repo: string, jobId: Id): Promise<string> {
    const purpose = reading(`The log of job ${jobId} in ${owner}/${repo}`, `read the log of job ${jobId} in ${owner}/${repo}`);
    const url = `${this.http.baseUrl}${repoPath(owner, repo)}/actions/jobs/${segment(jobId)}/logs`;
    const answer = await this.http.send('GET', url, purpose, { redirect: 'manual' });
    if (answer.status < 300 || answer.status >= 400) return answer.text();
    const location = answer.headers.get('location');
    await answer.discard();
    if (!location) throw this.http.error('malformed', `${this.http.peer} redirected the log of job ${jobId} nowhere (no Location header)`);
    return this.download(new URL(location, url).href, purpose);
  }

  /** Starts the run again: all its jobs, or only the failed ones and what depends on them. */
  async rerun(owner: string, repo: string, runId: Id, options: { failedOnly?: boolean } = {}): Promise<void> {
    const endpoint = options.failedOnly ? 'rerun-failed-jobs' : 'rerun';
    const purpose = writing(
      `Run ${runId} of ${owner}/${repo}`,
      `re-run ${options.failedOnly ? 'the failed jobs of ' : ''}run ${runId} of ${owner}/${repo}`,
    );
    await (await this.http.send('POST', `${repoPath(owner, repo)}/actions/runs/${segment(runId)}/${endpoint}`, purpose)).discard();
  }

  async cancel(owner: string, repo: string, runId: Id): Promise<void> {
    const purpose = writing(`Run ${runId} of ${owner}/${repo}`, `cancel run ${runId} of ${owner}/${repo}`);
    await (await this.http.send('POST', `${repoPath(owner, repo)}/actions/runs/${segment(runId)}/cancel`, purpose)).discard();
  }

  /** The repository's workflows (first 100), including those whose file is only on other branches. */
  async workflows(owner: string, repo: string): Promise<CiWorkflow[]> {
    const purpose = reading(`Repository ${owner}/${repo}`, `list the workflows of ${owner}/${repo}`);
    const answer = await this.http.send('GET', `${repoPath(owner, repo)}/actions/workflows?per_page=${WORKFLOWS_PER_PAGE}`, purpose);
    const body = await this.http.json(answer, purpose);
    return this.http.shaped(purpose, () => listIn(body, 'workflows').map(toWorkflow));
  }

  /**
   * Starts a `workflow_dispatch` run of a workflow (its id, file name or `.github/workflows/…` path) on
   * `ref`. GitHub answers without the run, which shows up in `runsFor` moments later.
   */
  async dispatch(
    owner: string,
    repo: string,
    workflowIdOrFile: Id,
    ref: string,
    inputs: Record<string, string | number | boolean> = {},
  ): Promise<void> {
    const workflow = String(workflowIdOrFile).split('/').pop() ?? '';
    const purpose = writing(`Workflow ${workflow} in ${owner}/${repo}`, `start workflow ${workflow} of ${owner}/${repo} on ${ref}`);
    const body = Object.keys(inputs).length > 0 ? { ref, inputs } : { ref };
    await (
      await this.http.send('POST', `${repoPath(owner, repo)}/actions/workflows/${segment(workflow)}/dispatches`, purpose, { body })
    ).discard();
  }

  /** From the last answer that carried `x-ratelimit-*` headers. */
  rateBudget(): RateBudget | undefined {
    return this.http.rateBudget();
  }

  private async getConditional<T>(
    path: string,
    etag: string | undefined,
    purpose: GitHubPurpose,
    map: (body: unknown) => T,
  ): Promise<Conditional<T>> {
    const answer = await this.http.send('GET', path, purpose, { etag });
    if (answer.status === 304) {
      await answer.discard();
      return { changed: false };
    }
    const body = await this.http.json(answer, purpose);
    const data = this.http.shaped(purpose, () => map(body));
    const newEtag = answer.headers.get('etag');
    return newEtag ? { changed: true, data, etag: newEtag } : { changed: true, data };
  }

  private async download(url: string, purpose: GitHubPurpose): Promise<string> {
    const peer = `GitHub's log storage at ${hostOf(url)}`;
    const answer = await this.http.download(url, peer, ({ status }) => {
      if (status >= 500)
        return this.http.error('server', `${capitalize(peer)} could not serve the log (${status}): try again in a moment`, { status });
      // The signed link lives about a minute: asking GitHub again gives a fresh one.
      return this.http.error(
        'not-found',
        `${capitalize(peer)} refused to serve ${purpose.subject.replace(/^The /, 'the ')} (${status}): the download link may have expired, open the log again`,
        { status },
      );
    });
    return answer.text();
  }
}

/** GitHub's `status` and `conclusion` in one word; a conclusion exists only once a run, job or step is done. */
export function ciStateOf(status: string | undefined, conclusion: string | undefined): CiState {
  if (conclusion) return CONCLUSION_STATES.get(conclusion) ?? 'unknown';
  if (!status || status === 'completed') return 'unknown';
  return ACTIVE_STATES.get(status) ?? 'unknown';
}

// --- The JSON GitHub sends, narrowed to the fields Conveyor shows. ---

type JsonObject = Record<string, unknown>;

function objectOf(value: unknown, what: string): JsonObject {
  if (!isRecord(value)) throw unexpectedShape('GitHub', `${what} is not an object`);
  return value;
}

function listIn(body: unknown, key: string): unknown[] {
  const list = objectOf(body, 'the answer')[key];
  if (!Array.isArray(list)) throw unexpectedShape('GitHub', `"${key}" is not a list`);
  return list;
}

function requiredString(o: JsonObject, key: string): string {
  const value = o[key];
  if (typeof value !== 'string') throw unexpectedShape('GitHub', `"${key}" is not a string`);
  return value;
}

function requiredInteger(o: JsonObject, key: string): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw unexpectedShape('GitHub', `"${key}" is not an integer`);
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

// --- Small helpers. ---

function reading(subject: string, action: string): GitHubPurpose {
  return { subject, action, need: READ_ACCESS };
}

function writing(subject: string, action: string): GitHubPurpose {
  return { subject, action, need: WRITE_ACCESS };
}

function repoPath(owner: string, repo: string): string {
  return `/repos/${segment(owner)}/${segment(repo)}`;
}

function segment(value: Id): string {
  return encodeURIComponent(String(value));
}
