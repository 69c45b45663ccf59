import type * as Engine from '../ciEngine';
import { loadBundle } from '../../ui/lazyBundle';

/** The CI engine bundle (dist/ciEngine.js: GitHub Actions and Jenkins clients, the poller), loaded on first use. */
export function ciEngine(): typeof Engine {
  return loadBundle<typeof Engine>('ciEngine.js');
}
