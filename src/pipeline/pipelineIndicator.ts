import type { FolderStatus } from '../folderStatus';

export interface PipelineIndicator {
  text: string;
  tooltip: string;
  accessibilityLabel: string;
  hasStages: boolean;
}

const MAX_STAGES_SHOWN = 5;

/** Status-bar text: one codicon per stage (`$(circle-large-outline) lint …` until a run sets states). */
export function pipelineIndicator(status: FolderStatus | undefined, trusted: boolean, multiRoot: boolean): PipelineIndicator {
  if (!status) {
    return { text: '$(circle-slash) Conveyor', tooltip: 'Conveyor: open a folder to detect its pipeline.', accessibilityLabel: 'Conveyor: no folder', hasStages: false };
  }
  const { stages, source } = status.pipeline;
  const prefix = `${trusted ? '' : '$(shield) '}${multiRoot ? `${status.name}: ` : ''}`;
  const restricted = trusted ? '' : '\n\nRestricted Mode: nothing runs until the workspace is trusted.';
  if (stages.length === 0) {
    return {
      text: `${prefix}$(circle-slash) no pipeline`,
      tooltip: `**${status.name}**: no pipeline stages found. Click to detect them.${restricted}`,
      accessibilityLabel: `Conveyor: no pipeline stages in ${status.name}`,
      hasStages: false,
    };
  }
  const shown = stages.slice(0, MAX_STAGES_SHOWN).map((s) => `$(circle-large-outline) ${s.name}`);
  const more = stages.length > MAX_STAGES_SHOWN ? ` +${stages.length - MAX_STAGES_SHOWN}` : '';
  const list = stages.map((s) => `- \`${s.name}\`: not run yet`).join('\n');
  return {
    text: `${prefix}${shown.join(' ')}${more}`,
    tooltip: `**${status.name}** pipeline (${source === 'conveyor.yml' ? 'conveyor.yml' : 'detected'})\n\n${list}\n\nClick to open the Pipeline view.${restricted}`,
    accessibilityLabel: `Conveyor pipeline for ${status.name}: ${stages.map((s) => s.name).join(', ')}, not run yet`,
    hasStages: true,
  };
}
