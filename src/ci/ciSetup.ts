import * as path from 'node:path';
import type { ConveyorConfig } from '../core/config/conveyorConfig';
import { exists, listDir } from '../core/fsUtil';
import { parseGitHubRemote } from '../code/gitInfo';

export interface CiSetup {
  /** Workflow files under .github/workflows. */
  githubWorkflows: string[];
  /** owner/repo whose Actions runs are shown: conveyor.yml's, else the GitHub `origin` remote's. */
  githubRepository?: { owner: string; repo: string };
  jenkinsfile: boolean;
  jenkinsUrl?: string;
}

export async function resolveCiSetup(folder: string, config: ConveyorConfig, originUrl: string | undefined): Promise<CiSetup> {
  const workflowDir = path.join(folder, '.github', 'workflows');
  const githubWorkflows = (await listDir(workflowDir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const configured = config.ci?.github;
  const githubRepository =
    configured?.owner && configured.repo ? { owner: configured.owner, repo: configured.repo } : parseGitHubRemote(originUrl);
  return {
    githubWorkflows,
    githubRepository,
    jenkinsfile: await exists(path.join(folder, 'Jenkinsfile')),
    jenkinsUrl: config.ci?.jenkins?.url,
  };
}
