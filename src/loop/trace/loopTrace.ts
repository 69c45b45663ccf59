// The loop, linked: from one work item, commit, release or error, the chain through every stage, as far as
// the local records reach, and what is missing where they do not.
import type { RunResult } from '../../pipeline/run/pipelineRun';
import type { DeploymentOutcome } from '../metrics/deployments';

export type TraceQuery = { item: string } | { commit: string } | { release: string } | { errorId: string };

export interface TracedItem {
  key: string;
  /** Local branches whose name holds the key. */
  branches: string[];
}

export interface TracedCommit {
  sha: string;
  subject: string;
  /** Undefined when git no longer has the commit (only a record names it). */
  authoredAt?: string;
  /** Work-item keys its subject mentions. */
  items: string[];
  /** The first release that contains it (without the `v`). */
  release?: string;
}

export interface TracedRun {
  id: string;
  commit?: string;
  result: RunResult;
  startedAt: string;
  readyForRelease: boolean;
  /** The run's log file, when the history still has it. */
  logFile?: string;
}

export interface TracedRelease {
  version: string;
  tag: string;
  /** The commit tagged. */
  commit?: string;
  /** The commit the pipeline tested, when the release commit differs from it. */
  testedCommit?: string;
  readyRun?: string;
  image?: string;
  digest?: string;
  createdAt?: string;
  /** The tag is gone; the release is known from the belt's records only. */
  tagMissing?: boolean;
}

export interface TracedEnvironment {
  name: string;
  version: string;
  outcome: DeploymentOutcome;
  /** When it was deployed there (the rollout's end). */
  since?: string;
  /** When a rollback put the release before it back. */
  rolledBackAt?: string;
  /** The release still runs there by the records (its last verified deployment). */
  current: boolean;
  /** What the verification saw around the deploy: uptime probes and new errors over the bake. */
  verification?: string;
  beltRunId: string;
}

export interface TracedError {
  id: string;
  shortId: string;
  title: string;
  firstRelease?: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  /** The work item made from it (Create Work Item from Error). */
  item?: { key: string; url?: string };
}

export interface LoopTrace {
  query: { kind: 'item' | 'commit' | 'release' | 'error'; value: string };
  /** Whether anything at all is known of what was asked. */
  found: boolean;
  items: TracedItem[];
  /** Newest first. */
  commits: TracedCommit[];
  /** Newest first. */
  runs: TracedRun[];
  /** Oldest first. */
  releases: TracedRelease[];
  environments: TracedEnvironment[];
  errors: TracedError[];
  /** What the records do not say, and why. */
  gaps: string[];
}

/** What a command-line argument names: `SHOP-12` or `#4` an item, `v1.2.0` a release, hex a commit, else an error id. */
export function queryOf(argument: string): TraceQuery {
  if (/^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/.test(argument)) return { release: argument };
  if (/^[0-9a-f]{7,64}$/i.test(argument)) return { commit: argument.toLowerCase() };
  if (/^(?:[A-Za-z][A-Za-z0-9]*-\d+|#\d+)$/.test(argument) && !/^local-\d+$/i.test(argument)) return { item: argument.toUpperCase() };
  return { errorId: argument };
}
