// What Conveyor knows about one workspace folder: its configuration (with problems) and what it detected
// for each stage of the loop. Shared by the extension's views and `conveyor status`.
import * as path from 'node:path';
import { readGitInfo } from '../code/gitInfo';
import type { GitInfo } from '../code/gitInfo';
import { loadConfig } from '../core/config/loadConfig';
import type { LoadedConfig } from '../core/config/loadConfig';
import { resolveCiSetup } from '../ci/ciSetup';
import type { CiSetup } from '../ci/ciSetup';
import { resolveDeploySetup } from '../deploy/environmentDefinition';
import type { DeploySetup } from '../deploy/environmentDefinition';
import { resolveMonitorSetup } from '../monitor/monitorSetup';
import type { MonitorSetup } from '../monitor/monitorSetup';
import { resolvePipeline } from '../pipeline/pipelineDefinition';
import type { PipelineDefinition } from '../pipeline/pipelineDefinition';
import { resolveBoardSetup } from '../plan/localBoard';
import type { BoardSetup } from '../plan/localBoard';
import { resolveImage } from '../release/imageDefinition';
import type { ImageDefinition } from '../release/imageDefinition';
import { resolvePackage } from '../release/package/packageDefinition';
import type { PackageDefinition } from '../release/package/packageDefinition';

export interface FolderStatus {
  folder: string;
  name: string;
  git: GitInfo;
  config: LoadedConfig;
  board: BoardSetup;
  pipeline: PipelineDefinition;
  image?: ImageDefinition;
  /** The npm package a release publishes. */
  package?: PackageDefinition;
  deploy: DeploySetup;
  ci: CiSetup;
  monitor: MonitorSetup;
}

/**
 * @param configText the text of conveyor.yml when the caller has a newer one than the disk (an editor
 *   with unsaved changes); otherwise the file is read.
 */
export async function describeFolder(folder: string, configText?: string): Promise<FolderStatus> {
  const absolute = path.resolve(folder);
  const [git, config] = await Promise.all([readGitInfo(absolute), loadConfig(absolute, configText)]);
  const settings = config.config;
  const [board, pipeline, image, npmPackage, deploy, ci, monitor] = await Promise.all([
    resolveBoardSetup(absolute, settings),
    resolvePipeline(absolute, settings),
    resolveImage(absolute, settings),
    resolvePackage(absolute, settings),
    resolveDeploySetup(absolute, settings),
    resolveCiSetup(absolute, settings, git.originUrl),
    resolveMonitorSetup(absolute, settings),
  ]);
  return { folder: absolute, name: path.basename(absolute), git, config, board, pipeline, image, package: npmPackage, deploy, ci, monitor };
}
