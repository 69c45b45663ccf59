import type * as Engine from '../pipelineEngine';
import { loadBundle } from '../../ui/lazyBundle';

/** The pipeline engine bundle (dist/pipelineEngine.js), loaded on the first run. */
export function pipelineEngine(): typeof Engine {
  return loadBundle<typeof Engine>('pipelineEngine.js');
}
