// Where Start Work moves an item on its board: the status conveyor.yml names (board.onStartWork, the provider's own
// name), else the provider's move into its In progress column. Decided before any branch is made, so a status the
// board does not have stops Start Work with nothing done.
import { isServiceError, ServiceError } from '../core/errors';
import { PROVIDER_NAMES } from './boardProviders';
import { matchStatus } from './statusMatch';
import type { BoardProvider, WorkItem, WorkItemTransition } from './workItem';

/** The move Start Work makes, or undefined when the item stays where it is (it was started already, or is there). */
export async function startWorkMove(
  provider: BoardProvider,
  item: WorkItem,
  configured: string | undefined,
): Promise<WorkItemTransition | undefined> {
  // Starting again on an item in review or done must not pull it back.
  if (item.column !== 'todo') return undefined;
  const board = PROVIDER_NAMES[item.provider];
  if (!provider.transitions || !provider.move) throw new ServiceError(board, 'unsupported', `${board} cannot move ${item.key}.`);
  const transitions = await provider.transitions(item);
  if (!configured) return transitions.find((t) => t.column === 'in-progress');
  const match = matchStatus(configured, item, transitions);
  if (match.kind === 'unknown')
    throw new ServiceError(
      board,
      'invalid',
      `${item.key} cannot move to "${configured}" (board.onStartWork in conveyor.yml); on ${board} it can be: ${match.available.join(', ')}. Nothing was changed.`,
      { detail: { unknownStartStatus: configured } },
    );
  return match.kind === 'move' ? match.transition : undefined;
}

/** The board has no status named by board.onStartWork: the one board answer that stops Start Work before its branch. */
export function isUnknownStartStatus(error: unknown): boolean {
  return isServiceError(error, 'invalid') && error.detail?.unknownStartStatus !== undefined;
}
