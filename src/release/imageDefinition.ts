import * as path from 'node:path';
import type { ConveyorConfig } from '../core/config/conveyorConfig';
import { exists } from '../core/fsUtil';

/** Registry used when none is configured: a local one, so releases work with no account. */
export const DEFAULT_REGISTRY = '127.0.0.1:5000';

export interface ImageDefinition {
  name: string;
  dockerfile: string;
  context: string;
  registry: string;
  buildArgs: Record<string, string>;
  source: 'conveyor.yml' | 'detected';
}

/** The image a release builds: conveyor.yml's `image`, or the folder's Dockerfile/Containerfile. */
export async function resolveImage(folder: string, config: ConveyorConfig): Promise<ImageDefinition | undefined> {
  const configured = config.image;
  if (configured) {
    return {
      name: configured.name,
      dockerfile: configured.dockerfile ?? 'Dockerfile',
      context: configured.context ?? '.',
      registry: configured.registry ?? DEFAULT_REGISTRY,
      buildArgs: configured.buildArgs ?? {},
      source: 'conveyor.yml',
    };
  }
  for (const dockerfile of ['Dockerfile', 'Containerfile']) {
    if (await exists(path.join(folder, dockerfile))) {
      return { name: imageNameFor(folder), dockerfile, context: '.', registry: DEFAULT_REGISTRY, buildArgs: {}, source: 'detected' };
    }
  }
  return undefined;
}

/** A valid repository name from a folder name: `My App_2` → `my-app_2`. */
export function imageNameFor(folder: string): string {
  const name = path
    .basename(path.resolve(folder))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name || 'app';
}
