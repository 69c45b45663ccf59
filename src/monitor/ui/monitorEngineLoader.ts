import { loadBundle } from '../../ui/lazyBundle';
import type * as MonitorEngine from '../monitorEngine';

/** The monitor's core (receiver, Sentry client, probes, goals) as a separate bundle, loaded on first use. */
export function monitorEngine(): typeof MonitorEngine {
  return loadBundle<typeof MonitorEngine>('monitorEngine.js');
}
