import type * as Engine from '../releaseEngine';
import { loadBundle } from '../../ui/lazyBundle';

/** The release engine bundle (dist/releaseEngine.js), loaded on first use. */
export function releaseEngine(): typeof Engine {
  return loadBundle<typeof Engine>('releaseEngine.js');
}
