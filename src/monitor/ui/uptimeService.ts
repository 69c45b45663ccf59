import * as path from 'node:path';
import * as vscode from 'vscode';
import type { UptimeCheckConfig } from '../../core/config/conveyorConfig';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { UptimeMonitor } from '../uptime/uptimeMonitor';
import type { UptimeTransition } from '../uptime/uptimeScheduler';
import type { UptimeSeries } from '../uptime/uptimeStats';
import type { UptimeRow, UptimeViewState } from './monitorNodes';
import { monitorEngine } from './monitorEngineLoader';
import { messageOf } from '../../core/errors';

/**
 * The uptime checks of every folder: probed in the extension host while the workspace is trusted, backing off
 * while the window is unfocused, with history in the extension's storage and a notification when a check
 * goes down and when it comes back.
 */
export class UptimeService implements vscode.Disposable {
  private readonly monitors = new Map<string, Promise<UptimeMonitor>>();
  /** The monitors that finished opening, for synchronous reads by the views. */
  private readonly loaded = new Map<string, UptimeMonitor>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly listeners: vscode.Disposable[];
  private focused = vscode.window.state.focused;

  constructor(
    private readonly model: WorkspaceModel,
    private readonly storage: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.listeners = [
      model.onDidChange(() => void this.sync()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.sync()),
      vscode.window.onDidChangeWindowState((e) => {
        this.focused = e.focused;
        void this.each((monitor) => monitor.scheduler.setFocused(e.focused));
      }),
    ];
    void model.ready.then(() => this.sync());
  }

  /** conveyor.yml's checks (Add Uptime Check writes there too, so the team shares them). */
  checks(folder: string): UptimeCheckConfig[] {
    return this.model.statusOf(folder)?.monitor.uptimeChecks ?? [];
  }

  viewState(folder: string): UptimeViewState {
    return { rows: this.rows(folder), trusted: vscode.workspace.isTrusted };
  }

  /** Rows for the Uptime view and the dashboard; "unknown" until the history is loaded. */
  rows(folder: string): UptimeRow[] {
    const monitor = this.loaded.get(folder);
    return this.checks(folder).map((check) => ({ check, stats: monitor?.history.stats(check) ?? { probes24h: 0, lastStatus: 'unknown' } }));
  }

  series(folder: string, check: UptimeCheckConfig): UptimeSeries {
    return this.loaded.get(folder)?.history.series(check) ?? { xs: [], latencyMs: [], up: [] };
  }

  async probeNow(folder: string, name: string): Promise<void> {
    const monitor = await this.monitors.get(folder);
    await monitor?.scheduler.probeNow(name);
  }

  /** Starts, updates or stops each folder's monitor to match its checks. Probes only in a trusted workspace. */
  private async sync(): Promise<void> {
    const wanted = vscode.workspace.isTrusted ? this.model.folders().filter((f) => this.checks(f.folder).length > 0) : [];
    for (const [folder, pending] of this.monitors) {
      if (wanted.some((f) => f.folder === folder)) continue;
      this.monitors.delete(folder);
      this.loaded.delete(folder);
      void pending.then((monitor) => monitor.dispose());
    }
    for (const status of wanted) {
      const checks = this.checks(status.folder);
      const existing = this.monitors.get(status.folder);
      if (existing) {
        const problems = await (await existing).updateChecks(checks);
        this.reportProblems(problems);
        continue;
      }
      const opening = this.open(status.folder, checks);
      this.monitors.set(status.folder, opening);
      await opening.catch((error: unknown) => {
        this.monitors.delete(status.folder);
        this.log.error(`Uptime checks of ${status.name} could not start: ${messageOf(error)}`);
      });
    }
    this.changed.fire();
  }

  private async open(folder: string, checks: UptimeCheckConfig[]): Promise<UptimeMonitor> {
    // One history directory per folder, named by a hash so paths with odd characters stay safe.
    const { createHash } = await import('node:crypto');
    const dir = path.join(this.storage.fsPath, 'uptime', createHash('sha256').update(folder).digest('hex').slice(0, 16));
    const monitor = await monitorEngine().UptimeMonitor.open(dir, checks);
    this.reportProblems(monitor.problems);
    monitor.scheduler.onResult(() => this.changed.fire());
    monitor.scheduler.onTransition((transition) => this.notify(folder, transition));
    monitor.scheduler.setFocused(this.focused);
    monitor.scheduler.start();
    this.loaded.set(folder, monitor);
    return monitor;
  }

  /** Once per change of status: down (with why), and back up. */
  private notify(folder: string, { check, to, result }: UptimeTransition): void {
    const name = this.model.statusOf(folder)?.name;
    const where = this.model.folders().length > 1 && name ? ` (${name})` : '';
    if (to === 'down') {
      this.log.warn(`Uptime: ${check.name} is down: ${result.reason ?? 'no reason given'}`);
      void vscode.window
        .showWarningMessage(`${check.name}${where} is down: ${result.reason ?? 'the check failed'}.`, 'Show Uptime')
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('conveyor.uptime.focus');
        });
    } else {
      this.log.info(`Uptime: ${check.name} is up again (${Math.round(result.latencyMs)} ms)`);
      void vscode.window.showInformationMessage(`${check.name}${where} is up again (${Math.round(result.latencyMs)} ms).`);
    }
  }

  private reportProblems(problems: string[]): void {
    for (const problem of problems) this.log.warn(`Uptime history: ${problem}`);
  }

  private async each(action: (monitor: UptimeMonitor) => void): Promise<void> {
    for (const pending of this.monitors.values()) action(await pending);
  }

  dispose(): void {
    vscode.Disposable.from(...this.listeners).dispose();
    for (const pending of this.monitors.values()) void pending.then((monitor) => monitor.dispose());
    this.monitors.clear();
    this.changed.dispose();
  }
}
