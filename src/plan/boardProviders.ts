import type { BoardSetup } from './localBoard';
import type { BoardConfig } from '../core/config/conveyorConfig';
import { parseGitHubRemote } from '../code/gitInfo';

/** How the view names each board provider. */
export const PROVIDER_NAMES = { local: 'the local board', jira: 'Jira', linear: 'Linear', github: 'GitHub', notion: 'Notion' } as const;

/** Boards kept by a hosted service (read over the network, with credentials), not in the repository. */
export function isHosted(status: { board: BoardSetup }): boolean {
  return status.board.provider !== 'local';
}

/** The repository of a GitHub board: board.github in conveyor.yml, else the folder's GitHub origin. */
export function githubBoardRepository(
  board: BoardConfig | undefined,
  originUrl: string | undefined,
): { owner: string; repo: string } | undefined {
  const configured = board?.github;
  if (configured?.owner && configured.repo) return { owner: configured.owner, repo: configured.repo };
  return parseGitHubRemote(originUrl);
}
