import type * as Engine from '../planEngine';
import { loadBundle } from '../../ui/lazyBundle';

/** The plan engine bundle (dist/planEngine.js: Start Work and item links through git), loaded on first use. */
export function planEngine(): typeof Engine {
  return loadBundle<typeof Engine>('planEngine.js');
}
