import * as path from 'node:path';
import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../loop/folderStatus';
import { formatDuration } from '../../core/formatDuration';
import { STAGE_ICONS } from '../pipelineIndicator';
import type { Problem } from '../problem';
import type { PipelineRun, StageRun } from '../run/pipelineRun';
import { plannedStages } from '../run/plannedStages';

/** What the Pipeline view knows beyond the folder's definition: the run in progress or the last one, and history. */
export interface PipelineViewState {
  /** The run in progress, else the most recent run. */
  run?: PipelineRun;
  history: PipelineRun[];
}

const ICON_COLORS: Partial<Record<StageRun['status'], string>> = {
  passed: 'testing.iconPassed',
  failed: 'testing.iconFailed',
  'timed-out': 'testing.iconFailed',
  skipped: 'disabledForeground',
};
const PROBLEMS_SHOWN = 50;
const HISTORY_SHOWN = 15;

/** Stages in run order with the latest run's state, then the run history. */
export function pipelineNodes(status: FolderStatus, state: PipelineViewState = { history: [] }): ViewNode[] {
  if (status.pipeline.stages.length === 0) return [];
  const origin = status.pipeline.source === 'conveyor.yml' ? 'conveyor.yml' : 'detected';
  const nodes = plannedStages(status.pipeline).map((planned): ViewNode => {
    const stage = state.run?.stages.find((s) => s.name === planned.name);
    const definitionFile =
      planned.kind === 'command'
        ? planned.definition.source === 'conveyor.yml'
          ? status.config.file
          : path.join(status.folder, planned.definition.source)
        : undefined;
    const command = planned.kind === 'command' ? planned.definition.run : 'secret scan and dependency audit (built in)';
    return stage && stage.status !== 'pending'
      ? stageRunNode(status, stage, definitionFile)
      : {
          id: `${status.folder}/pipeline/${planned.name}`,
          label: planned.name,
          description: command,
          tooltip: `${planned.name}: ${command}\n${planned.kind === 'command' ? `From ${planned.definition.source}${planned.definition.timeoutSeconds ? `\nTimeout ${planned.definition.timeoutSeconds}s` : ''}` : 'Turn it off with pipeline.security: false in conveyor.yml.'}\nNot run yet`,
          icon: planned.kind === 'security' ? 'shield' : STAGE_ICONS.pending,
          contextValue: planned.kind === 'security' ? 'stage.builtin' : `stage.${origin}`,
          ref: { kind: 'pipeline-stage', folder: status.folder, stage: planned.name },
          file: definitionFile,
        };
  });
  if (state.history.length > 0) nodes.push(historyNode(status, state.history));
  return nodes;
}

function stageRunNode(status: FolderStatus, stage: StageRun, definitionFile: string | undefined): ViewNode {
  const id = `${status.folder}/pipeline/${stage.name}`;
  const color = ICON_COLORS[stage.status];
  const detail = stage.status === 'running' ? (stage.lastLines.at(-1) ?? 'running…') : stage.summary;
  const duration = stage.durationMs !== undefined ? formatDuration(stage.durationMs) : undefined;
  const children: ViewNode[] = [];
  if (stage.tests) children.push(testsNode(id, stage));
  children.push(...stage.problems.slice(0, PROBLEMS_SHOWN).map((p, i) => problemNode(`${id}/problem/${i}`, status.folder, p)));
  if (stage.problems.length > PROBLEMS_SHOWN || stage.droppedProblems) {
    children.push({
      id: `${id}/problems-more`,
      label: `${stage.problems.length - Math.min(PROBLEMS_SHOWN, stage.problems.length) + (stage.droppedProblems ?? 0)} more problems`,
      icon: 'ellipsis',
    });
  }
  if (stage.lastLines.length > 0 && stage.status !== 'running') {
    children.push({
      id: `${id}/output`,
      label: 'Last output',
      description: `${stage.lastLines.length} of ${stage.outputLineCount} lines`,
      icon: 'output',
      expanded: stage.status === 'passed' ? false : stage.problems.length === 0,
      children: stage.lastLines.map((line, i) => ({ id: `${id}/output/${i}`, label: line || ' ', tooltip: line })),
    });
  }
  return {
    id,
    label: stage.name,
    description: [duration, detail].filter(Boolean).join(' · '),
    tooltip: `${stage.name}: ${stage.command}\n${stage.status}${duration ? ` in ${duration}` : ''}${stage.summary ? ` — ${stage.summary}` : ''}${stage.lastLines.length ? `\n\n${stage.lastLines.slice(-5).join('\n')}` : ''}`,
    icon: `${STAGE_ICONS[stage.status]}${color ? `:${color}` : ''}`,
    contextValue: stage.name === 'security' && !definitionFile ? 'stage.builtin' : 'stage.run',
    ref: { kind: 'pipeline-stage', folder: status.folder, stage: stage.name },
    file: definitionFile,
    expanded: stage.status === 'failed' || stage.status === 'timed-out' ? true : false,
    children,
  };
}

function testsNode(stageId: string, stage: StageRun): ViewNode {
  const tests = stage.tests!;
  const { passed, failed, skipped } = tests.counts;
  return {
    id: `${stageId}/tests`,
    label: tests.error ? 'Test report unavailable' : `Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
    // A warning (some of a glob's reports unreadable or left out) keeps the counts of the others.
    description: tests.error ?? tests.warning,
    tooltip: tests.error ?? (tests.warning ? `${tests.warning}\n${tests.reportFile}` : tests.reportFile),
    icon:
      tests.error || (tests.warning && failed === 0)
        ? 'warning'
        : failed > 0
          ? 'testing-failed-icon:testing.iconFailed'
          : 'testing-passed-icon:testing.iconPassed',
    file: tests.error ? undefined : tests.reportFile,
    expanded: failed > 0,
    children: tests.failures.map((f, i) => ({
      id: `${stageId}/tests/${i}`,
      label: f.name,
      description: f.message,
      tooltip: `${f.suite} › ${f.name}\n${f.message ?? ''}\n${f.details ?? ''}`.trim(),
      icon: 'error:testing.iconFailed',
      file: f.location?.file,
      line: f.location?.line,
      column: f.location?.column,
    })),
  };
}

function problemNode(id: string, folder: string, problem: Problem): ViewNode {
  return {
    id,
    label: problem.message,
    description: `${path.relative(folder, problem.file)}:${problem.line}:${problem.column}`,
    tooltip: `${problem.source}${problem.code ? ` ${problem.code}` : ''}: ${problem.message}`,
    icon:
      problem.severity === 'error'
        ? 'error:problemsErrorIcon.foreground'
        : problem.severity === 'warning'
          ? 'warning:problemsWarningIcon.foreground'
          : 'info',
    file: problem.file,
    line: problem.line,
    column: problem.column,
  };
}

function historyNode(status: FolderStatus, history: PipelineRun[]): ViewNode {
  return {
    id: `${status.folder}/pipeline/history`,
    label: 'History',
    description: `${history.length} recent runs`,
    icon: 'history',
    expanded: false,
    children: history.slice(0, HISTORY_SHOWN).map((run) => ({
      id: `${status.folder}/pipeline/history/${run.id}`,
      label: `${new Date(run.startedAt).toLocaleString()}`,
      description: [
        run.branch ?? (run.commit ? 'detached' : 'no git'),
        run.commit?.slice(0, 7),
        run.dirty === undefined ? undefined : run.dirty ? 'dirty' : 'clean',
        run.result,
        run.durationMs !== undefined ? formatDuration(run.durationMs) : undefined,
        run.readyForRelease ? 'ready for release' : undefined,
        run.scope === 'all' ? undefined : run.scope === 'stage' ? 'stage only' : 're-run',
      ]
        .filter(Boolean)
        .join(' · '),
      tooltip: `Run ${run.id} (${run.trigger})\n${run.stages.map((s) => `${s.name}: ${s.status}${s.summary ? ` — ${s.summary}` : ''}`).join('\n')}${run.notReadyReason && run.result === 'passed' ? `\nNot marked ready: ${run.notReadyReason}` : ''}\nClick to open the log.`,
      icon: run.readyForRelease
        ? 'rocket:testing.iconPassed'
        : run.result === 'passed'
          ? 'pass:testing.iconPassed'
          : run.result === 'cancelled'
            ? 'debug-stop'
            : 'error:testing.iconFailed',
      contextValue: 'run',
      ref: { kind: 'pipeline-run', folder: status.folder, runId: run.id, logFile: run.logFile },
      command: { command: 'conveyor.pipeline.openLog', title: 'Open Log', arguments: [run.logFile] },
    })),
  };
}
