// What a pipeline run is, as the engine reports it and the history keeps it.
import type { Problem } from '../problem';
import type { TestCaseResult, TestCounts } from '../reports/testReport';

export type StageStatus = 'pending' | 'running' | 'passed' | 'failed' | 'timed-out' | 'cancelled' | 'skipped';
export type RunResult = 'running' | 'passed' | 'failed' | 'cancelled';
export type RunScope = 'all' | 'stage' | 'failed';

export interface StageRun {
  name: string;
  /** The command as run (`npm run lint`), or a description for built-in stages. */
  command: string;
  status: StageStatus;
  startedAt?: string;
  durationMs?: number;
  exitCode?: number | null;
  /** One line that says why a stage did not pass: `exit code 2`, `timed out after 5 s`, `command not found`. */
  summary?: string;
  /** The last lines of output, for the view. */
  lastLines: string[];
  outputLineCount: number;
  problems: Problem[];
  /** Problems found beyond the kept ones. */
  droppedProblems?: number;
  tests?: StageTests;
  /** Set when the stage was not run in this run but passed in the run this one re-ran. */
  carriedFromRun?: string;
}

export interface StageTests {
  counts: TestCounts;
  /** Failed tests (bounded), with their location when known. */
  failures: (TestCaseResult & { suite: string })[];
  /** Every test's outcome (bounded), for the Testing API. */
  results: (Pick<TestCaseResult, 'name' | 'className' | 'outcome' | 'durationMs' | 'location' | 'message'> & {
    suite: string;
    suiteFile?: string;
  })[];
  reportFile: string;
  /** Set when the report could not be read. */
  error?: string;
  /** Set when some of the reports a glob found could not be read or were left out: the others count. */
  warning?: string;
}

export interface PipelineRun {
  id: string;
  folder: string;
  scope: RunScope;
  trigger: 'editor' | 'cli';
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  result: RunResult;
  commit?: string;
  branch?: string;
  /** Whether the working tree had uncommitted changes when the run started (undefined without git). */
  dirty?: boolean;
  stages: StageRun[];
  readyForRelease: boolean;
  /** Why a passing run did not mark its commit ready (dirty tree, partial run, HEAD moved). */
  notReadyReason?: string;
  /** Absolute path of the run's log. */
  logFile: string;
}

/** What a run tells whoever shows it (the extension's UI, the CLI's progress). All optional. */
export interface PipelineRunListener {
  runStarted?(run: PipelineRun): void;
  stageStarted?(run: PipelineRun, stage: StageRun): void;
  /** Raw bytes as the stage printed them (for a terminal). */
  output?(stage: StageRun, chunk: Buffer): void;
  /** Cleaned lines (for matchers, views). */
  line?(stage: StageRun, line: string): void;
  stageFinished?(run: PipelineRun, stage: StageRun): void;
  runFinished?(run: PipelineRun): void;
}

export function isStageFailure(status: StageStatus): boolean {
  return status === 'failed' || status === 'timed-out';
}
