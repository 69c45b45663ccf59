import type * as Engine from '../deployEngine';
import { loadBundle } from '../../ui/lazyBundle';

/** The deploy engine bundle (dist/deployEngine.js, with @kubernetes/client-node), loaded on first use. */
export function deployEngine(): typeof Engine {
  return loadBundle<typeof Engine>('deployEngine.js');
}
