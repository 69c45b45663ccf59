import type { PipelineDefinition } from '../pipelineDefinition';
import type { StageDefinition } from '../stageDefinition';

export const SECURITY_STAGE = 'security';

/** A stage as the engine runs it: a shell command, or the built-in security stage. */
export type PlannedStage =
  { kind: 'command'; name: string; definition: StageDefinition } | { kind: 'security'; name: typeof SECURITY_STAGE };

/**
 * The belt's order: the folder's stages, with the security stage after lint and build and before the
 * first test stage (a leaked key should stop the belt before slow tests run), or last when none is a test.
 */
export function plannedStages(definition: PipelineDefinition): PlannedStage[] {
  const stages: PlannedStage[] = definition.stages.map((d) => ({ kind: 'command', name: d.name, definition: d }));
  if (!definition.security || stages.some((s) => s.name === SECURITY_STAGE)) return stages;
  const firstTest = stages.findIndex((s) => /^(test|e2e|integration)/.test(s.name));
  stages.splice(firstTest === -1 ? stages.length : firstTest, 0, { kind: 'security', name: SECURITY_STAGE });
  return stages;
}
