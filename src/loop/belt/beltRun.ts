// One run of the belt, as it is shown while it moves and kept afterwards: the stations it went through with
// their times and verdicts, the release it carried, and where each environment was left.
import type { ReleaseToDeploy } from '../../deploy/renderManifests';

/** `board`: the release's work items moved on the board (board.onRelease, board.onProduction in conveyor.yml). */
export type StationName = 'pipeline' | 'release' | 'deploy' | 'verify' | 'promote' | 'rollback' | 'board';
export type StationResult = 'running' | 'passed' | 'failed' | 'skipped' | 'stopped' | 'declined';

export interface StationRecord {
  station: StationName;
  environment?: string;
  startedAt: string;
  finishedAt?: string;
  result: StationResult;
  summary: string;
}

/** Why a verification failed, precisely enough to act on. */
export interface VerifyFailure {
  kind: 'uptime' | 'errors' | 'stopped';
  message: string;
  /** The uptime check that failed and its last answer. */
  check?: { name: string; url: string; status?: number; reason?: string };
  /** The new error issue that appeared, with its top in-app frame. */
  issue?: { id: string; shortId: string; title: string; count: number; file?: string; line?: number; url?: string };
}

export interface VerifyVerdict {
  ok: boolean;
  /** One line: "3 probes of shop-staging up, no new errors in v1.5.0 over 60 s". */
  summary: string;
  probes: number;
  newErrors: number;
  failure?: VerifyFailure;
}

export type EnvironmentState = 'pending' | 'deploying' | 'verifying' | 'verified' | 'rolled-back' | 'failed' | 'declined' | 'stopped';

export interface EnvironmentOutcome {
  name: string;
  state: EnvironmentState;
  verdict?: VerifyVerdict;
  /** What the rollback did, when there was one. */
  rollback?: string;
}

export type BeltResult = 'running' | 'shipped' | 'rolled-back' | 'failed' | 'stopped' | 'nothing-to-release' | 'waiting' | 'declined';

export interface BeltRun {
  id: string;
  folder: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  result: BeltResult;
  /** One sentence: what happened and, when it stopped, why. */
  message: string;
  commit?: string;
  pipelineRunId?: string;
  release?: ReleaseToDeploy;
  stations: StationRecord[];
  environments: EnvironmentOutcome[];
}

/** The belt's exit code, the same scheme as the other commands: 0 shipped, 1 failed or rolled back, 130 stopped. */
export function beltExitCode(run: BeltRun): number {
  if (run.result === 'shipped' || run.result === 'waiting') return 0;
  if (run.result === 'stopped') return 130;
  return 1;
}
