// `conveyor pipeline run`: the engine headless. On a terminal it shows one live line per stage and the
// failing stage's last lines; elsewhere (CI logs) it streams the output with plain stage markers.
import { reportConfigErrors } from './configErrors';
import { describeFolder } from '../loop/folderStatus';
import type { PipelineRun, PipelineRunListener, StageRun } from '../pipeline/run/pipelineRun';
import { pipelineStateDir, RunHistory } from '../pipeline/run/runHistory';
import { plannedStages } from '../pipeline/run/plannedStages';
import { runPipeline } from '../pipeline/run/runPipeline';
import { formatDuration } from '../core/formatDuration';

export interface PipelineCliOptions {
  folder: string;
  stages: string[];
  json: boolean;
  tty: boolean;
  write: (text: string) => void;
  signal?: AbortSignal;
}

const MARK: Record<StageRun['status'], string> = {
  pending: '○',
  running: '⟳',
  passed: '✓',
  failed: '✗',
  'timed-out': '⏱',
  cancelled: '■',
  skipped: '–',
};

export async function pipelineRunCommand(options: PipelineCliOptions): Promise<number> {
  const { folder, write } = options;
  const status = await describeFolder(folder);
  if (reportConfigErrors(status, (text) => process.stderr.write(text))) return 1;
  const known = plannedStages(status.pipeline).map((s) => s.name);
  const unknown = options.stages.filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`conveyor: no stage named ${unknown.join(', ')} in ${status.name} (stages: ${known.join(', ') || 'none'})\n`);
    return 2;
  }
  if (status.pipeline.stages.length === 0 && options.stages.length === 0) {
    process.stderr.write(
      `conveyor: no pipeline stages in ${status.name}: add lint/build/test scripts, Makefile targets, or stages in conveyor.yml\n`,
    );
    return 1;
  }
  const listener = options.json ? undefined : options.tty ? ttyListener(write) : plainListener(write);
  const run = await runPipeline({
    folder: status.folder,
    definition: status.pipeline,
    history: new RunHistory(pipelineStateDir(status.folder, status.git)),
    trigger: 'cli',
    scope: options.stages.length > 0 ? 'stage' : 'all',
    stageNames: options.stages,
    signal: options.signal,
    listener,
    color: options.tty,
  });
  if (options.json) write(`${JSON.stringify(runSummaryJson(run), null, 2)}\n`);
  else write(runVerdict(run));
  return run.result === 'passed' ? 0 : run.result === 'cancelled' ? 130 : 1;
}

function plainListener(write: (text: string) => void): PipelineRunListener {
  return {
    stageStarted: (_run, stage) => write(`▶ ${stage.name}: ${stage.command}\n`),
    line: (_stage, line) => write(`${line}\n`),
    stageFinished: (_run, stage) =>
      write(
        `${MARK[stage.status]} ${stage.name} ${stage.status} in ${formatDuration(stage.durationMs ?? 0)}${stage.summary ? ` — ${stage.summary}` : ''}\n`,
      ),
  };
}

function ttyListener(write: (text: string) => void): PipelineRunListener {
  let timer: NodeJS.Timeout | undefined;
  const red = (t: string) => `\u001b[31m${t}\u001b[0m`;
  const green = (t: string) => `\u001b[32m${t}\u001b[0m`;
  const dim = (t: string) => `\u001b[2m${t}\u001b[0m`;
  return {
    stageStarted(_run, stage) {
      const started = Date.now();
      const draw = () => write(`\r\u001b[2K⟳ ${stage.name} ${dim(formatDuration(Date.now() - started))}`);
      draw();
      timer = setInterval(draw, 200);
    },
    stageFinished(_run, stage) {
      clearInterval(timer);
      const ok = stage.status === 'passed';
      const mark = ok ? green(MARK[stage.status]) : red(MARK[stage.status]);
      write(
        `\r\u001b[2K${mark} ${stage.name} ${dim(formatDuration(stage.durationMs ?? 0))}${stage.summary ? ` ${ok ? dim(stage.summary) : red(stage.summary)}` : ''}\n`,
      );
      if (!ok && stage.status !== 'cancelled') {
        for (const line of stage.lastLines) write(`    ${dim(line)}\n`);
        for (const p of stage.problems.slice(0, 20)) write(`    ${p.file}:${p.line}:${p.column} ${p.severity}: ${p.message}\n`);
      }
    },
  };
}

function runVerdict(run: PipelineRun): string {
  const failed = run.stages.find((s) => s.status === 'failed' || s.status === 'timed-out');
  const head =
    run.result === 'passed'
      ? 'Pipeline passed'
      : run.result === 'cancelled'
        ? 'Pipeline stopped'
        : `Pipeline failed at ${failed?.name ?? 'a stage'}`;
  const ready = run.readyForRelease
    ? `; ${run.commit?.slice(0, 12)} is ready for release`
    : run.notReadyReason && run.result === 'passed'
      ? `; not marked ready: ${run.notReadyReason}`
      : '';
  return `${head} in ${formatDuration(run.durationMs ?? 0)}${ready}\nLog: ${run.logFile}\n`;
}

/** The JSON `--json` prints: the run without bulky per-test results. */
export function runSummaryJson(run: PipelineRun): unknown {
  return { ...run, stages: run.stages.map((s) => ({ ...s, tests: s.tests && { ...s.tests, results: undefined } })) };
}
