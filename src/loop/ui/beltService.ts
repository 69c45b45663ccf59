import * as vscode from 'vscode';
import { deployEngine } from '../../deploy/ui/deployEngineLoader';
import type { DeployService } from '../../deploy/ui/deployService';
import type { FolderStatus } from '../folderStatus';
import type { ErrorService } from '../../monitor/ui/errorService';
import { monitorEngine } from '../../monitor/ui/monitorEngineLoader';
import { messageOf } from '../../core/errors';
import { pipelineStateDir } from '../../pipeline/run/runHistory';
import type { PipelineService } from '../../pipeline/ui/pipelineService';
import { releaseEngine } from '../../release/ui/releaseEngineLoader';
import type { ReleaseService } from '../../release/ui/releaseService';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { BeltHistory } from '../belt/beltHistory';
import type { BeltRun, EnvironmentOutcome } from '../belt/beltRun';
import { deliveryPlan, productionOf } from '../belt/deliveryPlan';
import type { DeliveryPlan, DeliveryStep } from '../belt/deliveryPlan';
import { engineStations } from '../belt/engineStations';
import { runBelt } from '../belt/runBelt';
import type { BeltViewState } from './beltNodes';

/** The view lists the recent runs; the history keeps two months of them for the delivery metrics. */
const RUNS_SHOWN = 30;
import type { BoardService } from '../../plan/ui/boardService';
import { loopEngine } from './loopEngineLoader';

interface FolderBelt {
  active?: { run: BeltRun; abort: AbortController };
  history?: BeltRun[];
}

export interface BeltStages {
  pipeline: PipelineService;
  release: ReleaseService;
  deploy: DeployService;
  errors: ErrorService;
  board: BoardService;
}

/**
 * Ship in the editor: the same belt as `conveyor ship`, on the stages' services (the pipeline run shows in
 * the Pipeline view and terminal as usual; release, deploy and monitor engines load lazily), with the
 * promotion asked in a notification that carries the verification summary.
 */
export class BeltService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly ended = new vscode.EventEmitter<string>();
  /** A run ended and its record is written (the folder): the delivery metrics may have moved. */
  readonly onDidEndRun = this.ended.event;
  private readonly folders = new Map<string, FolderBelt>();

  constructor(
    private readonly model: WorkspaceModel,
    private readonly stages: BeltStages,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  viewState(folder: string): BeltViewState {
    const status = this.model.statusOf(folder);
    const state = this.stateOf(folder);
    if (!state.history) void this.loadHistory(folder);
    const plan = status ? deliveryPlan(status.config.config, status.deploy.environments) : undefined;
    const runs = [...(state.active ? [state.active.run] : []), ...(state.history ?? []).filter((r) => r.id !== state.active?.run.id)].slice(
      0,
      RUNS_SHOWN,
    );
    return {
      trusted: vscode.workspace.isTrusted,
      environments: plan?.steps.map((s) => s.environment.name) ?? [],
      problem: plan?.problems.join('; ') || undefined,
      runs,
    };
  }

  /** The running belt of any folder (for the status bar). */
  running(): BeltRun | undefined {
    return [...this.folders.values()].find((f) => f.active)?.active?.run;
  }

  isRunning(folder: string): boolean {
    return this.stateOf(folder).active !== undefined;
  }

  stop(folder?: string): void {
    for (const [key, state] of this.folders) if (!folder || key === folder) state.active?.abort.abort();
  }

  async ship(status: FolderStatus): Promise<BeltRun | undefined> {
    const state = this.stateOf(status.folder);
    if (state.active) {
      void vscode.window.showInformationMessage(`Ship is already running in ${status.name}: ${state.active.run.message}`);
      return undefined;
    }
    const plan = deliveryPlan(status.config.config, status.deploy.environments);
    if (plan.problems.length > 0) {
      void vscode.window.showErrorMessage(`Cannot ship ${status.name}: ${plan.problems.join('; ')} (delivery in conveyor.yml).`);
      return undefined;
    }
    const abort = new AbortController();
    const history = new BeltHistory(pipelineStateDir(status.folder, status.git));
    const errorsChecked = this.stages.errors.dsn() !== undefined || this.stages.errors.issues().length > 0;
    const release = releaseEngine();
    const deploy = deployEngine();
    const monitor = monitorEngine();
    const stations = engineStations({
      status,
      engines: {
        runPipeline: async (signal) => {
          signal.addEventListener('abort', () => this.stages.pipeline.stop(status.folder), { once: true });
          return this.stages.pipeline.runFolder(status.folder, 'all');
        },
        planRelease: release.planRelease,
        gateProblem: release.gateProblem,
        executeRelease: release.executeRelease,
        deployRelease: deploy.deployRelease,
        rollBack: deploy.rollBack,
        probe: monitor.probe,
      },
      kubeconfig: this.stages.deploy.kubeconfigSource({ askAgain: true }),
      errorIssues: errorsChecked ? () => this.stages.errors.settledIssues() : undefined,
      credentials: (host) => this.stages.release.credentialsFor(host),
      npmToken: (registry) => this.stages.release.npmTokenFor(registry),
      docker: () => release.connectEngine(this.stages.release.dockerHost()),
      confirmPromotion: (step, version, verified) => this.askPromotion(step, version, verified),
      onDeployProgress: (environment, message) => this.log.info(`Ship ${status.name} → ${environment}: ${message}`),
      items: loopEngine().itemsFollow({ status, provider: () => this.stages.board.provider(status) }),
    });
    const result = await runBelt({
      folder: status.folder,
      steps: plan.steps,
      stations,
      signal: abort.signal,
      onChange: (run) => {
        state.active = { run, abort };
        void history.record(run).catch((error: unknown) => this.log.warn(`Could not record the belt run: ${String(error)}`));
        this.changed.fire();
      },
    });
    state.active = undefined;
    await history.record(result).catch(() => undefined);
    state.history = [result, ...(state.history ?? []).filter((r) => r.id !== result.id)];
    this.changed.fire();
    this.ended.fire(status.folder);
    this.log.info(`Ship ${status.name}: ${result.result} — ${result.message}`);
    // A hosted board is not watched like the board file: show the items where the belt moved them.
    if (result.stations.some((s) => s.station === 'board')) void this.stages.board.refreshRemote(status.folder);
    void this.announce(result);
    await this.resolveFixedErrors(status, plan);
    return result;
  }

  private async resolveFixedErrors(status: FolderStatus, plan: DeliveryPlan): Promise<void> {
    try {
      const store = await this.stages.errors.localStore();
      // An event of the new release still being read would otherwise let its issue be resolved, then reopened.
      await this.stages.errors.settled();
      const folder = { folder: status.folder, stateDir: pipelineStateDir(status.folder, status.git), production: productionOf(plan) };
      for (const r of await loopEngine().resolveAfterBelt(store, folder))
        this.log.info(`${r.errorShortId} resolved in v${r.version}: ${r.itemKey} is verified in ${r.environment}`);
    } catch (error) {
      this.log.warn(`Could not resolve the errors fixed in production: ${messageOf(error)}`);
    }
  }

  private async askPromotion(step: DeliveryStep, version: string, verified: EnvironmentOutcome[]): Promise<boolean> {
    const summary = verified.map((e) => `${e.name}: ${e.verdict?.summary ?? 'verified'}`).join('; ');
    const promote = `Promote to ${step.environment.name}`;
    const answer = await vscode.window.showInformationMessage(
      `Promote ${version} to ${step.environment.name}?${summary ? ` Verified — ${summary}.` : ''}`,
      promote,
      'Not Now',
    );
    return answer === promote;
  }

  private async announce(run: BeltRun): Promise<void> {
    if (run.result === 'shipped' || run.result === 'waiting') {
      void vscode.window.showInformationMessage(run.message);
      return;
    }
    if (run.result === 'nothing-to-release' || run.result === 'declined' || run.result === 'stopped') {
      void vscode.window.showInformationMessage(run.message);
      return;
    }
    const issue = run.environments.find((e) => e.verdict?.failure?.issue)?.verdict?.failure?.issue;
    const actions = issue?.file ? ['Show Error', 'Show Ship'] : ['Show Ship'];
    const choice = await vscode.window.showErrorMessage(run.message, ...actions);
    if (choice === 'Show Error' && issue?.file) {
      const location = this.stages.errors.locationOf(issue.id);
      const uri = location ? vscode.Uri.file(location.file) : vscode.Uri.file(issue.file);
      const line = Math.max(0, (location?.line ?? issue.line ?? 1) - 1);
      await vscode.window.showTextDocument(uri, { selection: new vscode.Range(line, 0, line, 0) });
    }
    if (choice === 'Show Ship') await vscode.commands.executeCommand('conveyor.belt.focus');
  }

  private stateOf(folder: string): FolderBelt {
    let state = this.folders.get(folder);
    if (!state) {
      state = {};
      this.folders.set(folder, state);
    }
    return state;
  }

  private async loadHistory(folder: string): Promise<void> {
    const status = this.model.statusOf(folder);
    const state = this.stateOf(folder);
    if (!status || state.history) return;
    state.history = [];
    state.history = await new BeltHistory(pipelineStateDir(status.folder, status.git)).runs();
    if (state.history.length > 0) this.changed.fire();
  }

  dispose(): void {
    this.stop();
    this.changed.dispose();
    this.ended.dispose();
  }
}
