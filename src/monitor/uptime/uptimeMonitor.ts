// The uptime checks of one workspace folder, wired together: the scheduler probes, history records every
// result and seeds the scheduler after a reload. This is the object the UI holds.
import type { UptimeCheckConfig } from '../../core/config/conveyorConfig';
import { UptimeHistory, type UptimeHistoryOptions } from './uptimeHistory';
import type { Disposable } from '../../core/events';
import { UptimeScheduler, type UptimeSchedulerOptions } from './uptimeScheduler';

export interface UptimeMonitorOptions {
  scheduler?: Omit<UptimeSchedulerOptions, 'lastKnown'>;
  history?: UptimeHistoryOptions;
}

export class UptimeMonitor {
  private readonly recording: Disposable;

  private constructor(
    readonly history: UptimeHistory,
    readonly scheduler: UptimeScheduler,
    /** History files found unreadable while opening (each was moved aside). */
    readonly problems: string[],
  ) {
    this.recording = scheduler.onResult(({ check, result }) => history.record(check, result));
  }

  /** Loads the history in `historyDir` (a directory only uptime history uses) and builds a stopped scheduler. */
  static async open(historyDir: string, checks: readonly UptimeCheckConfig[], options: UptimeMonitorOptions = {}): Promise<UptimeMonitor> {
    const history = new UptimeHistory(historyDir, options.history);
    const problems = await history.load(checks);
    const scheduler = new UptimeScheduler(checks, { ...options.scheduler, lastKnown: (check) => history.lastKnown(check) });
    return new UptimeMonitor(history, scheduler, problems);
  }

  /** Loads the history of new checks before the scheduler sees them, so they start from their last status. */
  async updateChecks(checks: readonly UptimeCheckConfig[]): Promise<string[]> {
    const problems = await this.history.load(checks);
    this.scheduler.updateChecks(checks);
    return problems;
  }

  /** Stops probing and saves pending history. */
  async dispose(): Promise<void> {
    this.scheduler.stop();
    this.recording.dispose();
    await this.history.flush();
  }
}
