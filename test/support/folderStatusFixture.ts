import type { FolderStatus } from '../../src/loop/folderStatus';

/** A described folder with nothing detected, for view-row tests; override the parts a test is about. */
export function folderStatus(overrides: Partial<FolderStatus> = {}): FolderStatus {
  return {
    folder: '/ws/shop',
    name: 'shop',
    git: { isRepository: true, branch: 'main' },
    config: { file: '/ws/shop/conveyor.yml', found: false, config: {}, problems: [] },
    board: { provider: 'local', file: '.conveyor/board.yml', exists: false, items: [] },
    pipeline: { source: 'none', stages: [], security: true },
    deploy: { environments: [], manifests: [] },
    ci: { githubWorkflows: [], jenkinsfile: false },
    monitor: { receiverPort: 8969, sentrySdks: [], uptimeChecks: [], goals: [] },
    ...overrides,
  };
}
