import { loadBundle } from '../../ui/lazyBundle';
import type * as LoopEngine from '../loopEngine';

/** The loop engine bundle (dist/loopEngine.js: the folder's records, items following the belt), loaded on first use. */
export function loopEngine(): typeof LoopEngine {
  return loadBundle<typeof LoopEngine>('loopEngine.js');
}
