import * as vscode from 'vscode';
import type { FolderStatus } from '../../loop/folderStatus';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { formatDuration } from '../../core/formatDuration';
import { requireTrust } from '../../ui/workspaceTrust';
import type { PipelineRun, PipelineRunListener, RunScope, StageRun } from '../run/pipelineRun';
import { isStageFailure } from '../run/pipelineRun';
import { pipelineStateDir, RunHistory } from '../run/runHistory';
import type { PipelineViewState } from './pipelineNodes';
import { PipelineDiagnostics } from './pipelineDiagnostics';
import { pipelineEngine } from './pipelineEngineLoader';
import { PipelineTerminal } from './pipelineTerminal';
import { PipelineTesting } from './pipelineTesting';
import { messageOf } from '../../core/errors';

interface FolderPipeline {
  active?: { run: PipelineRun; abort: AbortController };
  history?: PipelineRun[];
  terminal?: PipelineTerminal;
}

/** How often a running stage's latest output line reaches the view and status bar. */
const LIVE_UPDATE_MS = 1000;

/**
 * Runs pipelines for workspace folders (one run per folder at a time) and keeps what the views show:
 * the run in progress, its history, diagnostics and test results.
 */
export class PipelineService implements vscode.Disposable {
  private readonly folders = new Map<string, FolderPipeline>();
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;
  private readonly diagnostics = new PipelineDiagnostics();
  private readonly testing = new PipelineTesting((folder, stage) => this.runFolder(folder, 'stage', [stage]).then(() => undefined));

  constructor(
    private readonly model: WorkspaceModel,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The run in progress or the last one, and the recent history (loaded from disk on first ask). */
  viewState(folder: string): PipelineViewState {
    const state = this.stateOf(folder);
    if (!state.history) void this.loadHistory(folder);
    return { run: state.active?.run ?? state.history?.[0], history: state.history ?? [] };
  }

  isRunning(folder?: string): boolean {
    return folder ? this.stateOf(folder).active !== undefined : [...this.folders.values()].some((s) => s.active);
  }

  /** Whether any folder's loaded history holds a finished run; no history is read for it. */
  hasFinishedRun(): boolean {
    return [...this.folders.values()].some((state) => state.history?.some((run) => run.finishedAt !== undefined));
  }

  lastRun(folder: string): PipelineRun | undefined {
    return this.viewState(folder).run;
  }

  /** Runs a folder's pipeline; resolves with the finished run, or undefined when nothing ran. */
  async runFolder(folder: string, scope: RunScope, stageNames?: string[]): Promise<PipelineRun | undefined> {
    // Here rather than in the commands: the Testing view and Ship run the pipeline too.
    if (!requireTrust('Conveyor runs no pipeline commands (a workspace’s scripts can run any code)')) return undefined;
    const status = this.model.statusOf(folder);
    if (!status) return undefined;
    const state = this.stateOf(folder);
    if (state.active) {
      const choice = await vscode.window.showInformationMessage(
        `A pipeline run is already in progress in ${status.name}.`,
        'Show Output',
        'Stop It',
      );
      if (choice === 'Show Output') state.terminal?.show();
      if (choice === 'Stop It') this.stop(folder);
      return undefined;
    }
    if (status.config.problems.some((p) => p.severity === 'error')) {
      this.log.warn(`${status.name}: conveyor.yml has problems; running with the valid parts`);
    }
    const previous = scope === 'failed' ? this.lastRun(folder) : undefined;
    const abort = new AbortController();
    state.active = { run: placeholderRun(folder), abort };
    return this.execute(status, scope, stageNames, previous, abort);
  }

  stop(folder?: string): void {
    for (const [key, state] of this.folders) {
      if ((!folder || key === folder) && state.active) {
        this.log.info(`Stopping the pipeline run in ${key}`);
        state.active.abort.abort();
      }
    }
  }

  showOutput(folder: string): boolean {
    const terminal = this.stateOf(folder).terminal;
    if (!terminal?.isOpen) return false;
    terminal.show();
    return true;
  }

  private async execute(
    status: FolderStatus,
    scope: RunScope,
    stageNames: string[] | undefined,
    previous: PipelineRun | undefined,
    abort: AbortController,
  ): Promise<PipelineRun | undefined> {
    const state = this.stateOf(status.folder);
    const terminal = (state.terminal ??= new PipelineTerminal(`Conveyor: ${status.name}`));
    const history = new RunHistory(pipelineStateDir(status.folder, status.git));
    let lastLiveUpdate = 0;
    const listener: PipelineRunListener = {
      runStarted: (run) => {
        state.active!.run = run;
        terminal.startRun(
          `Conveyor pipeline — ${status.name}${run.commit ? ` at ${run.commit.slice(0, 7)}` : ''}${run.dirty ? ' (uncommitted changes)' : ''}`,
          this.revealTerminal(),
        );
        this.changed.fire(status.folder);
      },
      stageStarted: (_run, stage) => {
        terminal.stageHeading(`${stage.name}: ${stage.command}`);
        this.changed.fire(status.folder);
      },
      output: (_stage, chunk) => terminal.output(chunk, state.active?.run.logFile ?? ''),
      line: (stage, line) => {
        if (stage.name === 'security') terminal.line(line);
        if (Date.now() - lastLiveUpdate > LIVE_UPDATE_MS) {
          lastLiveUpdate = Date.now();
          stage.lastLines = [line];
          this.changed.fire(status.folder);
        }
      },
      stageFinished: (_run, stage) => {
        terminal.line(
          `\x1b[${stage.status === 'passed' ? '32' : '31'}m${stage.name} ${stage.status} in ${formatDuration(stage.durationMs ?? 0)}${stage.summary ? ` — ${stage.summary}` : ''}\x1b[0m`,
        );
        // A failure to show results must not stop the belt: log it and go on.
        try {
          this.diagnostics.setStageProblems(status.folder, stage.name, stage.problems);
          this.testing.report(status.folder, status.name, stage);
        } catch (error) {
          this.log.error(`${status.name}: could not show the results of ${stage.name}: ${messageOf(error)}`);
        }
        this.changed.fire(status.folder);
      },
    };
    try {
      const run = await pipelineEngine().runPipeline({
        folder: status.folder,
        definition: status.pipeline,
        history,
        trigger: 'editor',
        scope,
        stageNames,
        previous,
        signal: abort.signal,
        listener,
        color: true,
      });
      state.history = [run, ...(state.history ?? []).filter((r) => r.id !== run.id)];
      this.log.info(
        `${status.name}: pipeline ${run.result} in ${formatDuration(run.durationMs ?? 0)} (${run.stages.map((s) => `${s.name} ${s.status}`).join(', ')}); log ${run.logFile}`,
      );
      void this.announce(status, run);
      return run;
    } catch (error) {
      const message = messageOf(error);
      this.log.error(`${status.name}: the pipeline could not run: ${message}`);
      void vscode.window
        .showErrorMessage(`Conveyor could not run the pipeline of ${status.name}: ${message}`, 'Show Log')
        .then((c) => c && this.log.show());
      return undefined;
    } finally {
      state.active = undefined;
      this.changed.fire(status.folder);
    }
  }

  private async announce(status: FolderStatus, run: PipelineRun): Promise<void> {
    if (run.result === 'passed') {
      const ready = run.readyForRelease ? ` — ${run.commit?.slice(0, 7)} is ready for release` : '';
      vscode.window.setStatusBarMessage(`$(check) ${status.name}: pipeline passed in ${formatDuration(run.durationMs ?? 0)}${ready}`, 8000);
      return;
    }
    if (run.result === 'cancelled') return;
    const failed = run.stages.find((s) => isStageFailure(s.status)) as StageRun;
    const problems = failed.problems.length;
    const actions = ['Show Output', ...(problems > 0 ? ['Show Problems'] : []), 'Re-run Failed'];
    const choice = await vscode.window.showErrorMessage(
      `${status.name}: pipeline failed at ${failed.name} (${failed.summary ?? failed.status})${problems ? ` with ${problems} problem${problems === 1 ? '' : 's'}` : ''}.`,
      ...actions,
    );
    if (choice === 'Show Output') this.showOutput(status.folder);
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
    if (choice === 'Re-run Failed') await this.runFolder(status.folder, 'failed');
  }

  private revealTerminal(): boolean {
    return vscode.workspace.getConfiguration('conveyor.pipeline').get<string>('revealOutput', 'onRun') === 'onRun';
  }

  private async loadHistory(folder: string): Promise<void> {
    const status = this.model.statusOf(folder);
    const state = this.stateOf(folder);
    if (!status || state.history) return;
    state.history = [];
    try {
      state.history = await new RunHistory(pipelineStateDir(folder, status.git)).runs();
    } catch (error) {
      this.log.warn(`${status.name}: could not read the pipeline history: ${messageOf(error)}`);
    }
    if (state.history.length > 0) this.changed.fire(folder);
  }

  private stateOf(folder: string): FolderPipeline {
    let state = this.folders.get(folder);
    if (!state) this.folders.set(folder, (state = {}));
    return state;
  }

  dispose(): void {
    this.stop();
    for (const state of this.folders.values()) state.terminal?.dispose();
    this.diagnostics.dispose();
    this.testing.dispose();
    this.changed.dispose();
  }
}

/** Stands in for the run between the click and the engine's first event. */
function placeholderRun(folder: string): PipelineRun {
  return {
    id: 'starting',
    folder,
    scope: 'all',
    trigger: 'editor',
    startedAt: new Date().toISOString(),
    result: 'running',
    stages: [],
    readyForRelease: false,
    logFile: '',
  };
}
