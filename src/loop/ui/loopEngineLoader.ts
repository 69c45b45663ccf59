import { loadBundle } from '../../ui/lazyBundle';
import type * as LoopEngine from '../loopEngine';

/** The loop's core (trace, delivery metrics, the records they read) as a separate bundle, loaded on first use. */
export function loopEngine(): typeof LoopEngine {
  return loadBundle<typeof LoopEngine>('loopEngine.js');
}
