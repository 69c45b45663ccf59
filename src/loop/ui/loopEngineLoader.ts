import { loadBundle } from '../../ui/lazyBundle';
import type * as LoopEngine from '../loopEngine';

/** The loop's readers of a folder's records (git, the belt's records) as a separate bundle, loaded on first use. */
export function loopEngine(): typeof LoopEngine {
  return loadBundle<typeof LoopEngine>('loopEngine.js');
}
