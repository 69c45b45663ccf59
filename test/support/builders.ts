// Typed builders for the model objects tests build by hand: every required field has a value that satisfies
// its type, and a test names only what it is about (`aWorkItem({ column: 'done' })`). Derived fields follow
// the fields they derive from unless given: an item's id and title its key, a release's tag its version, an
// issue's short id its id and its title its exception.
import type { ErrorIssue } from '../../src/monitor/errors/errorModel';
import type { PipelineRun, StageRun } from '../../src/pipeline/run/pipelineRun';
import type { WorkItem } from '../../src/plan/workItem';
import type { ReleaseRecord } from '../../src/release/releaseRecord';
import type { ReleaseToDeploy } from '../../src/deploy/renderManifests';

/** An item of the local board, in the To do column, unassigned and unlabelled. */
export function aWorkItem(overrides: Partial<WorkItem> = {}): WorkItem {
  const key = overrides.key ?? 'CNV-1';
  const column = overrides.column ?? 'todo';
  return { provider: 'local', id: key, key, title: `Title of ${key}`, column, status: column, labels: [], ...overrides };
}

/** A stage that passed without output or problems; its command runs the npm script of its name. */
export function aStageRun(overrides: Partial<StageRun> = {}): StageRun {
  const name = overrides.name ?? 'build';
  return { name, command: `npm run ${name}`, status: 'passed', lastLines: [], outputLineCount: 0, problems: [], ...overrides };
}

/** A run of the whole pipeline started in the editor, still without stages; its log is named after its id. */
export function aPipelineRun(overrides: Partial<PipelineRun> = {}): PipelineRun {
  const id = overrides.id ?? '20261126-093000-abcd';
  const folder = overrides.folder ?? '/ws/shop';
  return {
    id,
    folder,
    scope: 'all',
    trigger: 'editor',
    startedAt: '2026-11-26T09:30:00.000Z',
    result: 'running',
    stages: [],
    readyForRelease: false,
    logFile: `${folder}/.git/conveyor/logs/${id}.log`,
    ...overrides,
  };
}

/** The record of release 1.0.0, tagged `v1.0.0`, without an image or a pipeline run. */
export function aReleaseRecord(overrides: Partial<ReleaseRecord> = {}): ReleaseRecord {
  const version = overrides.version ?? '1.0.0';
  return {
    version,
    tag: `v${version}`,
    commit: '4c7e1d2f9a0b4c7e1d2f9a0b4c7e1d2f9a0b4c7e',
    createdAt: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

/** An error issue of the local receiver, seen once by one user. */
export function anErrorIssue(overrides: Partial<ErrorIssue> = {}): ErrorIssue {
  const id = overrides.id ?? '1';
  const exceptionType = overrides.exceptionType ?? 'TypeError';
  const exceptionValue = overrides.exceptionValue ?? 'x is undefined';
  return {
    source: 'local',
    id,
    shortId: `LOCAL-${id}`,
    title: `${exceptionType}: ${exceptionValue}`,
    exceptionType,
    exceptionValue,
    level: 'error',
    count: 1,
    userCount: 1,
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A digest made of byte `n` repeated: each test release gets its own, readable in a failure. */
export function aDigest(n: number): string {
  return `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;
}

/** Release `version` of `image`, numbered `n`: its digest and commit are made of that number. */
export function aReleaseToDeploy(version: string, n: number, image: string): ReleaseToDeploy {
  return { version, commit: `${String(n).repeat(7)}${'0'.repeat(33)}`, image, digest: aDigest(n) };
}
