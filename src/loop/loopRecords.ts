// Everything a folder keeps locally about its loop, read once for the trace and the delivery metrics: the
// release tags with their records and the commits each one brought, the pipeline's run history, the belt's
// records and the local error store. No cluster, no registry, no network. Whatever cannot be read becomes a
// gap that says what is missing and what that hides, never an exception.
import * as path from 'node:path';
import * as semver from 'semver';
import { logCommits, type LoggedCommit } from '../code/commitLog';
import { readGitInfo } from '../code/gitInfo';
import { forEachLimited } from '../core/concurrency';
import { ANNOTATION_RELEASE } from '../core/deliveryKeys';
import { messageOf } from '../core/errors';
import { ErrorStore } from '../monitor/errors/errorStore';
import type { ErrorIssue } from '../monitor/errors/errorModel';
import type { PipelineRun } from '../pipeline/run/pipelineRun';
import { pipelineStateDir, RunHistory } from '../pipeline/run/runHistory';
import { listReleaseRecords } from '../release/gitRelease';
import type { ReleaseRecord } from '../release/releaseRecord';
import { BeltHistory } from './belt/beltHistory';
import type { BeltRun } from './belt/beltRun';

const GIT_LOGS_AT_ONCE = 4;

/** A release as its tag says, with the commits it brought since the release before it. */
export interface ReleaseChange {
  /** Without the `v`: `1.4.0`. */
  version: string;
  tag: string;
  /** The commit the tag points at. */
  commit: string;
  /** The tag's date. */
  date: string;
  record?: ReleaseRecord;
  /** Newest first; merges left out, as the release's changelog leaves them out. */
  commits: LoggedCommit[];
}

export interface LoopRecords {
  folder: string;
  /** Where the run history, the belt's records and the CLI's error store live. */
  stateDir: string;
  /** Oldest version first. */
  releases: ReleaseChange[];
  /** Newest first. */
  runs: PipelineRun[];
  /** Newest first. */
  belt: BeltRun[];
  issues: ErrorIssue[];
  gaps: RecordGap[];
}

/** A record that is not there, and which part of the loop that hides. */
export interface RecordGap {
  records: 'git' | 'tags' | 'runs' | 'belt' | 'errors';
  message: string;
}

export interface LoopRecordOptions {
  /** Errors the caller already holds (the editor's own store or hosted Sentry), joined with the folder's store. */
  issues?: readonly ErrorIssue[];
}

export async function readLoopRecords(folder: string, options: LoopRecordOptions = {}): Promise<LoopRecords> {
  const git = await readGitInfo(folder);
  const stateDir = pipelineStateDir(folder, git);
  const gaps: RecordGap[] = [];
  const [releases, runs, belt, stored] = await Promise.all([
    git.isRepository ? readReleaseChanges(folder, gaps) : noGit(gaps),
    new RunHistory(stateDir).runs(),
    new BeltHistory(stateDir).runs(),
    readLocalErrors(stateDir, gaps),
  ]);
  const given = options.issues ?? [];
  const issues = [...given, ...stored.filter((s) => !given.some((g) => g.id === s.id))];
  if (runs.length === 0)
    gaps.push({ records: 'runs', message: 'No pipeline runs are recorded for this folder: which runs tested a commit is unknown.' });
  if (belt.length === 0)
    gaps.push({
      records: 'belt',
      message: `No belt records (conveyor ship): where each release was deployed, and whether it was verified or rolled back, is unknown locally; the Deployments in the cluster say it in their ${ANNOTATION_RELEASE} annotation.`,
    });
  return { folder, stateDir, releases, runs, belt, issues, gaps };
}

function noGit(gaps: RecordGap[]): Promise<ReleaseChange[]> {
  gaps.push({ records: 'git', message: 'This folder is not in a git repository: no commits and no release tags.' });
  return Promise.resolve([]);
}

async function readReleaseChanges(folder: string, gaps: RecordGap[]): Promise<ReleaseChange[]> {
  let tags;
  try {
    tags = await listReleaseRecords(folder);
  } catch (error) {
    gaps.push({ records: 'tags', message: `The release tags could not be read: ${messageOf(error)}.` });
    return [];
  }
  const released = tags.filter((t) => semver.valid(t.tag.slice(1)) !== null).sort((a, b) => semver.compare(a.tag.slice(1), b.tag.slice(1)));
  for (const t of released) {
    if (t.error)
      gaps.push({
        records: 'tags',
        message: `Tag ${t.tag} has a broken release record (${t.error}): its image and tested commit are unknown.`,
      });
    else if (!t.record)
      gaps.push({
        records: 'tags',
        message: `Tag ${t.tag} has no Conveyor release record (made by hand or another tool): its image and tested commit are unknown.`,
      });
  }
  const changes: ReleaseChange[] = released.map((t) => ({
    version: t.tag.slice(1),
    tag: t.tag,
    commit: t.commit,
    date: t.date,
    ...(t.record ? { record: t.record } : {}),
    commits: [],
  }));
  // One `git log` per release; a few at a time, since each waits mostly on its process starting.
  await forEachLimited([...changes.keys()], GIT_LOGS_AT_ONCE, async (index) => {
    const previous = released[index - 1];
    const tag = released[index].tag;
    changes[index].commits = await logCommits(folder, previous ? [`refs/tags/${tag}`, `^refs/tags/${previous.tag}`] : [`refs/tags/${tag}`]);
  });
  return changes;
}

/** The error store `conveyor ship` keeps next to the run history (the editor keeps its own in its storage). */
async function readLocalErrors(stateDir: string, gaps: RecordGap[]): Promise<ErrorIssue[]> {
  const store = new ErrorStore({ directory: path.join(stateDir, 'errors') });
  const loaded = await store.load();
  if (loaded.problem)
    gaps.push({ records: 'errors', message: `The local error store could not be read (${loaded.problem}): errors are left out.` });
  return store.issues();
}
