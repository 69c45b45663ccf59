import * as path from 'node:path';
import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../folderStatus';

/** Stages in run order; until the pipeline has run they show as not run yet. */
export function pipelineNodes(status: FolderStatus): ViewNode[] {
  const { stages, source, security } = status.pipeline;
  if (stages.length === 0) return [];
  const origin = source === 'conveyor.yml' ? 'conveyor.yml' : 'detected';
  const nodes: ViewNode[] = stages.map((stage) => ({
    id: `${status.folder}/pipeline/${stage.name}`,
    label: stage.name,
    description: stage.run,
    tooltip: `${stage.name}: ${stage.run}\nFrom ${stage.source}${stage.timeoutSeconds ? `\nTimeout ${stage.timeoutSeconds}s` : ''}\nNot run yet`,
    icon: 'circle-large-outline',
    contextValue: `stage.${origin}`,
    file: stage.source === 'conveyor.yml' ? status.config.file : path.join(status.folder, stage.source),
  }));
  if (security) {
    nodes.push({
      id: `${status.folder}/pipeline/security`,
      label: 'security',
      description: 'secret scan and dependency audit (built in)',
      tooltip: 'Built-in security stage. Turn it off with pipeline.security: false in conveyor.yml.',
      icon: 'shield',
      contextValue: 'stage.builtin',
    });
  }
  return nodes;
}
