import type { BoardSetup } from './localBoard';

/** How the view names each board provider. */
export const PROVIDER_NAMES = { local: 'the local board', jira: 'Jira', linear: 'Linear', github: 'GitHub' } as const;

/** Boards kept by a hosted service (read over the network, with credentials), not in the repository. */
export function isHosted(status: { board: BoardSetup }): boolean {
  return status.board.provider === 'jira' || status.board.provider === 'linear' || status.board.provider === 'github';
}
