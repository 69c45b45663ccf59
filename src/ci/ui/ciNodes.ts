import * as path from 'node:path';
import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../folderStatus';

/** The CI definitions found in the folder: GitHub workflow files and a Jenkinsfile. */
export function ciNodes(status: FolderStatus): ViewNode[] {
  const { ci } = status;
  const repo = ci.githubRepository ? `${ci.githubRepository.owner}/${ci.githubRepository.repo}` : undefined;
  const nodes: ViewNode[] = ci.githubWorkflows.map((workflow) => ({
    id: `${status.folder}/ci/github/${workflow}`,
    label: workflow,
    description: repo ? `GitHub Actions · ${repo}` : 'GitHub Actions',
    tooltip: `Workflow file .github/workflows/${workflow}`,
    icon: 'github-action',
    file: path.join(status.folder, '.github', 'workflows', workflow),
  }));
  if (ci.jenkinsfile || ci.jenkinsUrl) {
    nodes.push({
      id: `${status.folder}/ci/jenkins`,
      label: 'Jenkins',
      description: ci.jenkinsUrl ?? 'Jenkinsfile',
      icon: 'server-process',
      file: ci.jenkinsfile ? path.join(status.folder, 'Jenkinsfile') : undefined,
    });
  }
  return nodes;
}
