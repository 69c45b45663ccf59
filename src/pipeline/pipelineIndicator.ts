import type { PipelineDefinition } from './pipelineDefinition';
import type { PipelineRun, StageStatus } from './run/pipelineRun';
import { plannedStages } from './run/plannedStages';
import { formatDuration } from '../core/formatDuration';

export interface PipelineIndicator {
  text: string;
  tooltip: string;
  accessibilityLabel: string;
  hasStages: boolean;
  /** Drives the item's colour: red when the last run failed. */
  state: 'idle' | 'running' | 'passed' | 'failed';
}

const MAX_STAGES_SHOWN = 5;

export const STAGE_ICONS: Record<StageStatus, string> = {
  pending: 'circle-large-outline',
  running: 'sync~spin',
  passed: 'check',
  failed: 'error',
  'timed-out': 'watch',
  cancelled: 'debug-stop',
  skipped: 'circle-slash',
};

/**
 * Status-bar text: one codicon per stage, `$(check) lint $(check) build $(sync~spin) test`, from the
 * current or last run of the folder; `$(circle-large-outline)` for stages that have not run.
 */
export function pipelineIndicator(
  status: { name: string; pipeline: PipelineDefinition } | undefined,
  trusted: boolean,
  multiRoot: boolean,
  run?: PipelineRun,
): PipelineIndicator {
  if (!status) {
    return {
      text: '$(circle-slash) Conveyor',
      tooltip: 'Conveyor: open a folder to detect its pipeline.',
      accessibilityLabel: 'Conveyor: no folder',
      hasStages: false,
      state: 'idle',
    };
  }
  const prefix = `${trusted ? '' : '$(shield) '}${multiRoot ? `${status.name}: ` : ''}`;
  const restricted = trusted ? '' : '\n\nRestricted Mode: nothing runs until the workspace is trusted.';
  const names = plannedStages(status.pipeline).map((s) => s.name);
  if (status.pipeline.stages.length === 0) {
    return {
      text: `${prefix}$(circle-slash) no pipeline`,
      tooltip: `**${status.name}**: no pipeline stages found. Click to detect them.${restricted}`,
      accessibilityLabel: `Conveyor: no pipeline stages in ${status.name}`,
      hasStages: false,
      state: 'idle',
    };
  }
  const stageStatus = (name: string): StageStatus => run?.stages.find((s) => s.name === name)?.status ?? 'pending';
  const shown = names.slice(0, MAX_STAGES_SHOWN).map((name) => `$(${STAGE_ICONS[stageStatus(name)]}) ${name}`);
  const more = names.length > MAX_STAGES_SHOWN ? ` +${names.length - MAX_STAGES_SHOWN}` : '';
  const list = names.map((name) => `- \`${name}\`: ${describeStage(run, name)}`).join('\n');
  const state = !run ? 'idle' : run.result === 'running' ? 'running' : run.result === 'passed' ? 'passed' : 'failed';
  const heading = run
    ? `**${status.name}** pipeline: ${run.result}${run.durationMs !== undefined ? ` in ${formatDuration(run.durationMs)}` : ''}${run.commit ? ` at \`${run.commit.slice(0, 7)}\`` : ''}${run.readyForRelease ? ' — ready for release' : ''}`
    : `**${status.name}** pipeline (${status.pipeline.source === 'conveyor.yml' ? 'conveyor.yml' : 'detected'})`;
  return {
    text: `${prefix}${shown.join(' ')}${more}`,
    tooltip: `${heading}\n\n${list}\n\nClick to open the Pipeline view.${restricted}`,
    accessibilityLabel: `Conveyor pipeline for ${status.name}: ${names.map((n) => `${n} ${stageStatus(n)}`).join(', ')}`,
    hasStages: true,
    state,
  };
}

function describeStage(run: PipelineRun | undefined, name: string): string {
  const stage = run?.stages.find((s) => s.name === name);
  if (!stage || stage.status === 'pending') return 'not run yet';
  const duration = stage.durationMs !== undefined ? ` in ${formatDuration(stage.durationMs)}` : '';
  return `${stage.status}${duration}${stage.summary ? ` (${stage.summary})` : ''}`;
}
