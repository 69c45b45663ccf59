// What the Board view shows of a hosted board between refreshes: a refresh that fails keeps the items of the
// last one that worked, and says why beside them, so a rate limit or a dropped connection never empties the board.
import { isServiceError, messageOf } from '../core/errors';
import type { WorkItem } from './workItem';

export interface RemoteBoardState {
  items: WorkItem[];
  loading: boolean;
  error?: string;
  /** The error asks the user to sign in (missing or rejected credentials). */
  needsSignIn?: boolean;
  /** The provider stopped at its cap and the board has more items: what it said was left out. */
  shortened?: string;
}

/** Lists into `state`: the new items replace the old only when the whole list arrived. */
export async function refreshBoardState(
  state: RemoteBoardState,
  list: (onShortened: (note: string) => void) => Promise<WorkItem[]>,
): Promise<void> {
  try {
    let shortened: string | undefined;
    state.items = await list((note) => (shortened = note));
    state.shortened = shortened;
    state.error = undefined;
    state.needsSignIn = undefined;
  } catch (error) {
    state.error = messageOf(error);
    state.needsSignIn = isServiceError(error, 'unauthorized');
  }
}
