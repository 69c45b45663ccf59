// Writes what was detected as a starting conveyor.yml, so the user can see and change it.
import { stringify } from 'yaml';
import type { ConveyorConfig } from '../core/config/conveyorConfig';
import type { FolderStatus } from './folderStatus';

export function configFromDetection(status: FolderStatus): string {
  const config: ConveyorConfig = { version: 1 };
  config.board = { provider: status.board.provider, file: status.board.file };
  config.pipeline = {
    security: status.pipeline.security,
    stages: status.pipeline.stages.map((s) => ({
      name: s.name,
      run: s.run,
      ...(s.problemMatcher && s.problemMatcher !== 'generic' ? { problemMatcher: s.problemMatcher } : {}),
    })),
  };
  if (status.image) {
    config.image = {
      name: status.image.name,
      dockerfile: status.image.dockerfile,
      context: status.image.context,
      registry: status.image.registry,
    };
  }
  if (status.deploy.environments.length > 0) {
    config.environments = Object.fromEntries(
      status.deploy.environments.map((e) => [e.name, { ...(e.manifests ? { manifests: e.manifests } : {}), confirm: e.confirm }]),
    );
  }
  const header = [
    '# Conveyor configuration (schema: the Conveyor extension ships it; secrets never go here).',
    '# Generated from what Conveyor detected in this folder. Stages run in order; the first failure stops the belt.',
  ].join('\n');
  return `${header}\n${stringify(config, { lineWidth: 120 })}`;
}
