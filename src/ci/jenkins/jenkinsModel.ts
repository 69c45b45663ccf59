// Jenkins' JSON API answers turned into Conveyor's words. Pure functions: the client fetches, these read.
// Every field is checked, because a Jenkins with other plugins (or a proxy in front of it) answers in shapes
// nobody promised; an entry that cannot be read is left out rather than invented.
import type { CiRun, CiState } from '../ciModel';
import { jobFullNameFromUrl } from './jenkinsUrls';
import { isRecord } from '../../core/records';

/** A job or folder (plain folder, multibranch project, organization folder) in the Jenkins tree. */
export interface JenkinsJob {
  name: string;
  /** `folder/multibranch/branch`: what `builds()` and `build()` take. */
  fullName: string;
  url: string;
  kind: 'folder' | 'job';
  /** From the ball `color` for jobs; for folders, the most urgent state among the children that were loaded. */
  state: CiState;
  /** Jenkins' own word (`blue_anime`, `yellow`), for tooltips; absent on folders. */
  color?: string;
  /** Loaded children of a folder; undefined on a folder deeper than one tree query reaches (load it with `jobs(fullName)`). */
  children?: JenkinsJob[];
}

export interface JenkinsQueueItem {
  id: number;
  /** The task's short name, as Jenkins shows it in the queue. */
  name: string;
  /** The job's full name when the task is a job (derived from its URL: queue items carry no folder). */
  jobFullName?: string;
  /** The queue item itself, e.g. `https://ci/queue/item/143/`. */
  url: string;
  taskUrl?: string;
  /** Jenkins' explanation: "Waiting for next available executor", "Build #9 is already in progress". */
  why?: string;
  /** ISO time the item entered the queue. */
  inQueueSince?: string;
  blocked: boolean;
  stuck: boolean;
}

const FOLDER_CLASSES = new Set([
  'com.cloudbees.hudson.plugins.folder.Folder',
  'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
  'jenkins.branch.OrganizationFolder',
]);

/** Order of urgency when a folder sums up its children. */
const FOLDER_STATE_ORDER: CiState[] = ['running', 'queued', 'failed', 'cancelled', 'passed', 'skipped', 'unknown'];

/**
 * The ball color Jenkins gives a job: `blue` passed, `red` failed, `yellow` unstable (tests failed: a failure to
 * the user), `aborted` cancelled, `notbuilt`/`disabled`/`grey` unknown; `*_anime` means a build is running.
 */
export function colorState(color: string | undefined): CiState {
  if (!color) {
    return 'unknown';
  }
  if (color.endsWith('_anime')) {
    return 'running';
  }
  switch (color) {
    case 'blue':
      return 'passed';
    case 'red':
    case 'yellow':
      return 'failed';
    case 'aborted':
      return 'cancelled';
    default:
      return 'unknown';
  }
}

/** A build's `result` (null while building): UNSTABLE counts as failed, NOT_BUILT as skipped. */
export function resultState(result: string | null | undefined, building: boolean): CiState {
  if (building) {
    return 'running';
  }
  switch (result) {
    case 'SUCCESS':
      return 'passed';
    case 'FAILURE':
    case 'UNSTABLE':
      return 'failed';
    case 'ABORTED':
      return 'cancelled';
    case 'NOT_BUILT':
      return 'skipped';
    default:
      return 'unknown';
  }
}

/**
 * The branch as the user names it: the git plugin reports `origin/main`, `refs/remotes/origin/main` or
 * `refs/heads/main`, and lists `origin/HEAD` beside the real branch when both point at the commit.
 */
export function branchName(names: readonly string[]): string | undefined {
  const cleaned = names.map(stripRemote).filter((name) => name.length > 0);
  return cleaned.find((name) => name !== 'HEAD') ?? cleaned[0];
}

function stripRemote(name: string): string {
  return name
    .trim()
    .replace(/^refs\/heads\//, '')
    .replace(/^(?:refs\/)?remotes\/[^/]+\//, '')
    .replace(/^origin\//, '');
}

/** The `jobs` of a tree answer, folders nested; `parent` is the full name of the folder they were read from. */
export function readJobs(body: unknown, parent?: string): JenkinsJob[] | undefined {
  const jobs = isRecord(body) ? body.jobs : undefined;
  return Array.isArray(jobs) ? jobs.flatMap((raw) => readJob(raw, parent) ?? []) : undefined;
}

function readJob(raw: unknown, parent: string | undefined): JenkinsJob | undefined {
  if (!isRecord(raw) || typeof raw.name !== 'string' || typeof raw.url !== 'string') {
    return undefined;
  }
  const fullName = typeof raw.fullName === 'string' && raw.fullName ? raw.fullName : parent ? `${parent}/${raw.name}` : raw.name;
  const isFolder = Array.isArray(raw.jobs) || (typeof raw._class === 'string' && FOLDER_CLASSES.has(raw._class));
  if (!isFolder) {
    const color = typeof raw.color === 'string' ? raw.color : undefined;
    return { name: raw.name, fullName, url: raw.url, kind: 'job', state: colorState(color), ...(color ? { color } : {}) };
  }
  const children = readJobs(raw, fullName);
  return { name: raw.name, fullName, url: raw.url, kind: 'folder', state: folderState(children ?? []), ...(children ? { children } : {}) };
}

function folderState(children: JenkinsJob[]): CiState {
  const states = new Set(children.map((child) => child.state));
  return FOLDER_STATE_ORDER.find((state) => states.has(state)) ?? 'unknown';
}

/** The `builds` of a job's tree answer as CiRuns; `now` measures how long running builds have taken so far. */
export function readBuilds(body: unknown, jobFullName: string, now = Date.now()): CiRun[] | undefined {
  const builds = isRecord(body) ? body.builds : undefined;
  return Array.isArray(builds) ? builds.flatMap((raw) => readBuild(raw, jobFullName, now) ?? []) : undefined;
}

function readBuild(raw: unknown, jobFullName: string, now: number): CiRun | undefined {
  if (!isRecord(raw) || typeof raw.number !== 'number' || typeof raw.url !== 'string') {
    return undefined;
  }
  const building = raw.building === true;
  const result = typeof raw.result === 'string' ? raw.result : undefined;
  const timestamp = typeof raw.timestamp === 'number' && raw.timestamp > 0 ? raw.timestamp : undefined;
  const duration = typeof raw.duration === 'number' ? raw.duration : undefined;
  const revision = gitRevision(raw.actions);
  const run: CiRun = {
    provider: 'jenkins',
    id: `${jobFullName}#${raw.number}`,
    name: jobFullName,
    number: raw.number,
    state: resultState(result, building),
    rawStatus: result ?? (building ? 'BUILDING' : 'UNKNOWN'),
    url: raw.url,
  };
  if (revision?.commit) run.commit = revision.commit;
  if (revision?.branch) run.branch = revision.branch;
  if (timestamp !== undefined) run.startedAt = new Date(timestamp).toISOString();
  // Jenkins reports duration 0 until a build ends; the model wants the time elapsed so far instead.
  const durationMs = building ? (timestamp !== undefined ? Math.max(0, now - timestamp) : undefined) : duration;
  if (durationMs !== undefined) run.durationMs = durationMs;
  return run;
}

/**
 * Commit and branch from the git plugin's BuildData action. A build that checks out several repositories (a
 * Pipeline with a shared library, say) has one BuildData each; the first is the job's own checkout.
 */
function gitRevision(actions: unknown): { commit?: string; branch?: string } | undefined {
  if (!Array.isArray(actions)) {
    return undefined;
  }
  for (const action of actions) {
    const revision = isRecord(action) ? action.lastBuiltRevision : undefined;
    if (isRecord(revision) && typeof revision.SHA1 === 'string') {
      const branches = Array.isArray(revision.branch) ? revision.branch : [];
      const names = branches.flatMap((b) => (isRecord(b) && typeof b.name === 'string' ? [b.name] : []));
      return { commit: revision.SHA1, branch: branchName(names) };
    }
  }
  return undefined;
}

/** `/queue/api/json` items; relative item URLs (`queue/item/7/`) resolve against the Jenkins root. */
export function readQueue(body: unknown, base: URL): JenkinsQueueItem[] | undefined {
  const items = isRecord(body) ? body.items : undefined;
  return Array.isArray(items) ? items.flatMap((raw) => readQueueItem(raw, base) ?? []) : undefined;
}

function readQueueItem(raw: unknown, base: URL): JenkinsQueueItem | undefined {
  if (!isRecord(raw) || typeof raw.id !== 'number') {
    return undefined;
  }
  const task = isRecord(raw.task) ? raw.task : {};
  const taskUrl = typeof task.url === 'string' ? task.url : undefined;
  const jobFullName = taskUrl ? jobFullNameFromUrl(taskUrl) : undefined;
  const name = typeof task.name === 'string' ? task.name : (jobFullName ?? `queue item ${raw.id}`);
  const item: JenkinsQueueItem = {
    id: raw.id,
    name,
    url: new URL(typeof raw.url === 'string' ? raw.url : `queue/item/${raw.id}/`, base).href,
    blocked: raw.blocked === true,
    stuck: raw.stuck === true,
  };
  if (jobFullName) item.jobFullName = jobFullName;
  if (taskUrl) item.taskUrl = taskUrl;
  if (typeof raw.why === 'string') item.why = raw.why;
  if (typeof raw.inQueueSince === 'number') item.inQueueSince = new Date(raw.inQueueSince).toISOString();
  return item;
}

/** What a queue item says about its build: started (number and URL), still waiting, or cancelled. */
export type QueueItemProgress = { started: true; number: number; url: string } | { started: false; cancelled: boolean; why?: string };

export function readQueueItemProgress(body: unknown): QueueItemProgress | undefined {
  if (!isRecord(body)) {
    return undefined;
  }
  const executable = body.executable;
  if (isRecord(executable) && typeof executable.number === 'number' && typeof executable.url === 'string') {
    return { started: true, number: executable.number, url: executable.url };
  }
  return { started: false, cancelled: body.cancelled === true, ...(typeof body.why === 'string' ? { why: body.why } : {}) };
}

/** `{crumb, crumbRequestField}` of `/crumbIssuer/api/json`. */
export function readCrumb(body: unknown): { field: string; crumb: string } | undefined {
  if (
    isRecord(body) &&
    typeof body.crumb === 'string' &&
    typeof body.crumbRequestField === 'string' &&
    body.crumb &&
    body.crumbRequestField
  ) {
    return { field: body.crumbRequestField, crumb: body.crumb };
  }
  return undefined;
}
