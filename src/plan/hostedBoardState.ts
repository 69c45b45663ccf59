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
}

/** Lists into `state`: the new items replace the old only when the whole list arrived. */
export async function refreshBoardState(state: RemoteBoardState, list: () => Promise<WorkItem[]>): Promise<void> {
  try {
    state.items = await list();
    state.error = undefined;
    state.needsSignIn = undefined;
  } catch (error) {
    state.error = messageOf(error);
    state.needsSignIn = isServiceError(error, 'unauthorized');
  }
}
