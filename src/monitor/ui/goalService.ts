import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GoalConfig } from '../../core/config/conveyorConfig';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { GoalHistory, GoalMeasurement } from '../goals/goalHistory';
import type { GoalRunner } from '../goals/goalRunner';
import type { GoalRow, GoalViewState } from './monitorNodes';
import { monitorEngine } from './monitorEngineLoader';
import { messageOf } from '../../core/errors';

interface FolderGoals {
  history: GoalHistory;
  runner: GoalRunner;
}

/**
 * Goals of every folder, measured in a trusted workspace at their interval and on demand (Lighthouse runs the
 * system Chromium in a child process), with their history in the extension's storage.
 */
export class GoalService implements vscode.Disposable {
  private readonly folders = new Map<string, FolderGoals>();
  private readonly opening = new Map<string, Promise<FolderGoals>>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly listeners: vscode.Disposable[];

  constructor(
    private readonly model: WorkspaceModel,
    private readonly storage: vscode.Uri,
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.listeners = [model.onDidChange(() => void this.sync()), vscode.workspace.onDidGrantWorkspaceTrust(() => void this.sync())];
    void model.ready.then(() => this.sync());
  }

  viewState(folder: string): GoalViewState {
    const loaded = this.folders.get(folder);
    const goals = this.model.statusOf(folder)?.monitor.goals ?? [];
    return {
      trusted: vscode.workspace.isTrusted,
      rows: goals.map((goal): GoalRow => ({
        goal,
        progress: loaded?.history.progress(goal),
        measuring: loaded?.runner.isMeasuring(goal.name) ?? false,
      })),
    };
  }

  /** Measures one goal (or all of a folder's), showing progress; the result lands in the views when done. */
  async measure(folder: string, name?: string): Promise<GoalMeasurement[]> {
    if (!vscode.workspace.isTrusted)
      throw new Error('Restricted Mode: measuring goals runs Lighthouse and fetches URLs, so it waits until you trust this workspace.');
    const goals = await this.open(folder);
    const pending = name
      ? [goals.runner.measureNow(name)].filter((p): p is Promise<GoalMeasurement> => p !== undefined)
      : [goals.runner.measureAll()].flat();
    this.changed.fire();
    return vscode.window.withProgress(
      { location: { viewId: 'conveyor.goals' }, title: name ? `Measuring ${name}` : 'Measuring goals' },
      async () => {
        const results = (await Promise.all(pending)).flat();
        this.changed.fire();
        return results;
      },
    );
  }

  private async sync(): Promise<void> {
    const wanted = vscode.workspace.isTrusted ? this.model.folders().filter((f) => f.monitor.goals.length > 0) : [];
    for (const [folder, goals] of this.folders) {
      if (wanted.some((f) => f.folder === folder)) continue;
      goals.runner.stop();
      void goals.history.flush();
      this.folders.delete(folder);
      this.opening.delete(folder);
    }
    for (const status of wanted) {
      const existing = this.folders.get(status.folder);
      if (existing) {
        await existing.history.load(status.monitor.goals);
        existing.runner.updateGoals(status.monitor.goals);
      } else {
        await this.open(status.folder).catch((error: unknown) =>
          this.log.error(`Goals of ${status.name} could not start: ${messageOf(error)}`),
        );
      }
    }
    this.changed.fire();
  }

  private open(folder: string): Promise<FolderGoals> {
    const existing = this.opening.get(folder);
    if (existing) return existing;
    const opening = this.create(folder, this.model.statusOf(folder)?.monitor.goals ?? []);
    this.opening.set(folder, opening);
    opening.catch(() => this.opening.delete(folder));
    return opening;
  }

  private async create(folder: string, goals: GoalConfig[]): Promise<FolderGoals> {
    const engine = monitorEngine();
    const dir = path.join(this.storage.fsPath, 'goals', createHash('sha256').update(folder).digest('hex').slice(0, 16));
    const history = new engine.GoalHistory(dir, { onProblem: (message) => this.log.warn(`Goals: ${message}`) });
    for (const problem of await history.load(goals)) this.log.warn(`Goals: ${problem}`);
    // Lighthouse from the workspace's node_modules, else the extension's, else npx (see lighthouse.ts).
    const runner = new engine.GoalRunner(goals, { history, lighthouse: { searchDirs: [folder, this.extensionPath] } });
    runner.onMeasurement(({ goal, measurement }) => {
      if (measurement.error) this.log.warn(`Goal ${goal.name}: ${measurement.error}`);
      else this.log.info(`Goal ${goal.name}: ${measurement.value ?? '?'} (${Math.round(measurement.durationMs)} ms)`);
      this.changed.fire();
    });
    runner.start();
    const loaded = { history, runner };
    this.folders.set(folder, loaded);
    return loaded;
  }

  dispose(): void {
    vscode.Disposable.from(...this.listeners).dispose();
    for (const goals of this.folders.values()) {
      goals.runner.stop();
      void goals.history.flush();
    }
    this.changed.dispose();
  }
}
