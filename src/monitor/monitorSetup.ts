import * as path from 'node:path';
import type { ConveyorConfig, GoalConfig, SentryConfig, UptimeCheckConfig } from '../core/config/conveyorConfig';
import { readTextIfExists } from '../core/fsUtil';

/** Port of the local Sentry-compatible receiver when conveyor.yml does not choose one. */
export const DEFAULT_RECEIVER_PORT = 8969;

export interface MonitorSetup {
  /** Hosted Sentry, when conveyor.yml names one; otherwise errors come from the local receiver. */
  sentry?: SentryConfig;
  receiverPort: number;
  /** Sentry SDK packages the app depends on (so it can send to the local receiver). */
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

async function sentryDependencies(folder: string): Promise<string[]> {
  const text = await readTextIfExists(path.join(folder, 'package.json'));
  if (!text) return [];
  try {
    const pkg = JSON.parse(text) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    return Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
      .filter((d) => d.startsWith('@sentry/'))
      .sort();
  } catch {
    return [];
  }
}
