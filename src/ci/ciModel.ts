// Remote CI in one shape, whether the runs come from GitHub Actions or Jenkins. Failures are ServiceErrors
// (core/errors.ts), whose `kind` lets the UI offer the right action and whose message says it in words.

/** Where a run is: GitHub's `status` and Jenkins' building/queue state, in one word. */
export type CiState = 'queued' | 'running' | 'passed' | 'failed' | 'cancelled' | 'skipped' | 'unknown';

export interface CiRun {
  provider: 'github' | 'jenkins';
  /** Stable across refreshes: GitHub run id, or Jenkins `job path#build number`. */
  id: string;
  /** Workflow name, or Jenkins job full name. */
  name: string;
  /** What the run is about: GitHub's `display_title` (commit message or pull request title). */
  title?: string;
  /** `#42`, run attempt shown separately. */
  number: number;
  attempt?: number;
  state: CiState;
  /** The provider's own words (`completed/failure`, `UNSTABLE`), for tooltips. */
  rawStatus: string;
  branch?: string;
  commit?: string;
  event?: string;
  url: string;
  startedAt?: string;
  /** Milliseconds, when finished (or elapsed so far while running). */
  durationMs?: number;
  jobs?: CiJob[];
}

export interface CiJob {
  id: string;
  name: string;
  state: CiState;
  rawStatus: string;
  url?: string;
  startedAt?: string;
  durationMs?: number;
  steps: CiStep[];
}

export interface CiStep {
  number: number;
  name: string;
  state: CiState;
  /** ISO time; lets a job's log be cut into its steps (GitHub logs carry a timestamp on every line). */
  startedAt?: string;
  durationMs?: number;
}

/** What the CI view shows beyond the folder's files: runs and builds fetched from the providers. */
export interface CiViewState {
  github?: { runs: CiRun[]; jobs: ReadonlyMap<string, CiJob[]>; error?: string; loading: boolean; branch?: string };
  jenkins?: {
    jobs: JenkinsJobRow[];
    builds: ReadonlyMap<string, CiRun[]>;
    queue: { name: string; why?: string }[];
    error?: string;
    loading: boolean;
  };
}

/** A Jenkins job or folder as the view needs it. */
export interface JenkinsJobRow {
  name: string;
  fullName: string;
  url: string;
  kind: 'folder' | 'job';
  state: CiState;
  children?: JenkinsJobRow[];
}

/** The answer of a provider call: data, or "unchanged" for a conditional request (GitHub 304). */
export type Conditional<T> = { changed: true; data: T; etag?: string } | { changed: false };

/** Rate-limit budget as the provider reports it (GitHub's `x-ratelimit-*`). */
export type { RateBudget } from '../core/github/githubHttp';
