import type { ConveyorConfig, GoalConfig, SentryConfig, UptimeCheckConfig } from '../core/config/conveyorConfig';
import { sentryDependencies } from './sentrySdks';

/** Port of the local Sentry-compatible receiver when conveyor.yml does not choose one. */
export const DEFAULT_RECEIVER_PORT = 8969;

export interface MonitorSetup {
  /** Hosted Sentry, when conveyor.yml names one; otherwise errors come from the local receiver. */
  sentry?: SentryConfig;
  receiverPort: number;
  /** Sentry SDK packages the app depends on, in any language's manifest (so it can send to the local receiver). */
  sentrySdks: string[];
  uptimeChecks: UptimeCheckConfig[];
  goals: GoalConfig[];
}

export async function resolveMonitorSetup(folder: string, config: ConveyorConfig): Promise<MonitorSetup> {
  const sentry = config.sentry;
  return {
    sentry: sentry?.url || sentry?.org ? sentry : undefined,
    receiverPort: sentry?.receiverPort ?? DEFAULT_RECEIVER_PORT,
    sentrySdks: await sentryDependencies(folder),
    uptimeChecks: config.uptime ?? [],
    goals: config.goals ?? [],
  };
}
