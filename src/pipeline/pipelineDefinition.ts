import type { ConveyorConfig } from '../core/config/conveyorConfig';
import { CONFIG_FILE_NAME } from '../core/config/conveyorConfig';
import { detectStages } from './detectStages';
import { parseTimeoutSeconds } from './stageDefinition';
import type { StageDefinition } from './stageDefinition';

export interface PipelineDefinition {
  /** `conveyor.yml` when it lists stages, `detected` otherwise, `none` when nothing was found. */
  source: 'conveyor.yml' | 'detected' | 'none';
  stages: StageDefinition[];
  /** Whether the built-in security stage (secret scan, dependency audit) runs. */
  security: boolean;
}

/** The stages to run for a folder: conveyor.yml's when it has any, else the detected ones. */
export async function resolvePipeline(folder: string, config: ConveyorConfig): Promise<PipelineDefinition> {
  const security = config.pipeline?.security ?? true;
  const configured = config.pipeline?.stages;
  if (configured && configured.length > 0) {
    const stages = configured.map<StageDefinition>((s) => ({
      name: s.name,
      run: s.run,
      cwd: s.cwd,
      env: s.env && Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, String(v)])),
      timeoutSeconds: parseTimeoutSeconds(s.timeout),
      problemMatcher: s.problemMatcher,
      junit: s.junit,
      tap: s.tap,
      source: CONFIG_FILE_NAME,
    }));
    return { source: 'conveyor.yml', stages, security };
  }
  const detected = await detectStages(folder);
  return { source: detected.length > 0 ? 'detected' : 'none', stages: detected, security };
}
