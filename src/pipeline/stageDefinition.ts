import type { ProblemMatcherConfig } from '../core/config/conveyorConfig';

/** A pipeline stage as Conveyor will run it, whether written in conveyor.yml or detected. */
export interface StageDefinition {
  name: string;
  run: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Seconds. */
  timeoutSeconds?: number;
  problemMatcher?: ProblemMatcherConfig;
  junit?: string;
  tap?: string;
  /** Where the stage came from: `conveyor.yml`, or the file it was detected in. */
  source: string;
}

/** `90`, `"90s"`, `"10m"`, `"1h"`, `"500ms"` → seconds. */
export function parseTimeoutSeconds(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const match = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] as 'ms' | 's' | 'm' | 'h';
  return { ms: amount / 1000, s: amount, m: amount * 60, h: amount * 3600 }[unit];
}
