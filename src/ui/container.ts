import * as vscode from 'vscode';
import { registerBoardCommands } from '../plan/ui/boardCommands';
import { registerPipelineCommands } from '../pipeline/ui/pipelineCommands';
import { registerPipelineStatusBar } from '../pipeline/ui/pipelineStatusBar';
import { PipelineService } from '../pipeline/ui/pipelineService';
import { registerReleaseCommands } from '../release/ui/releaseCommands';
import { registerBaseImageEditor } from '../release/ui/baseImageEditor';
import { ReleaseService } from '../release/ui/releaseService';
import { registerCiCommands } from '../ci/ui/ciCommands';
import { CiService } from '../ci/ui/ciService';
import { registerCiStatusBar } from '../ci/ui/ciStatusBar';
import { BoardService } from '../plan/ui/boardService';
import { registerActiveItemStatusBar } from '../plan/ui/activeItemStatusBar';
import { registerKanban } from '../plan/ui/kanbanPanel';
import { ErrorService } from '../monitor/ui/errorService';
import { UptimeService } from '../monitor/ui/uptimeService';
import { GoalService } from '../monitor/ui/goalService';
import { registerErrorEditorFeatures } from '../monitor/ui/errorEditorFeatures';
import { registerMonitorCommands } from '../monitor/ui/monitorCommands';
import { registerMonitorStatusBar } from '../monitor/ui/monitorStatusBar';
import { registerMonitorDashboard } from '../monitor/ui/dashboardPanel';
import { registerCrashReporting } from '../crashReporter/ui/crashReporting';
import { DeployService } from '../deploy/ui/deployService';
import { registerDeployCommands } from '../deploy/ui/deployCommands';
import { registerDeployStatusBar } from '../deploy/ui/deployStatusBar';
import { BeltService } from '../loop/ui/beltService';
import { ItemDeliveryService } from '../loop/ui/itemDeliveryService';
import { registerShipCommands } from '../loop/ui/shipCommands';
import { registerBaseImageCommands } from '../loop/ui/baseImageCommands';
import { registerTraceCommands } from '../loop/ui/traceCommands';
import { TraceService } from '../loop/ui/traceService';
import { registerHookCommands } from '../loop/ui/hookCommands';
import { registerCiExportCommands } from '../loop/ui/ciExportCommands';
import { deliveryMetricsSource } from '../loop/ui/deliveryMetricsSource';
import { ErrorItemService } from '../loop/ui/errorItemService';
import { registerErrorItemCommands } from '../loop/ui/errorItemCommands';
import { registerWalkthroughContext } from '../loop/ui/walkthroughContext';
import { registerSecurityPatchCommands } from '../loop/ui/securityPatchCommands';
import { registerDependencyFixActions } from '../pipeline/ui/dependencyFixActions';
import { registerConfigDiagnostics } from './configDiagnostics';
import { registerConveyorViews } from './conveyorViews';
import { RefreshManager } from './refreshManager';
import { registerStatusDocuments } from './statusDocument';
import { registerWorkspaceCommands } from './workspaceCommands';
import { WorkspaceModel } from './workspaceModel';
import { rememberedConsent, tokenHostConsent } from './hostConsent';

/**
 * The one place Conveyor's services are created. Activation builds it; every stage's UI receives what it
 * needs from here. Nothing here does I/O synchronously: the model loads in the background.
 */
export class Container implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly model: WorkspaceModel;
  readonly refreshManager: RefreshManager;
  readonly pipeline: PipelineService;
  readonly release: ReleaseService;
  readonly ci: CiService;
  readonly board: BoardService;
  private readonly disposables: vscode.Disposable[] = [];

  readonly errors: ErrorService;
  readonly uptime: UptimeService;
  readonly goals: GoalService;
  readonly deploy: DeployService;
  readonly belt: BeltService;
  readonly trace: TraceService;
  readonly errorItems: ErrorItemService;
  readonly deliveries: ItemDeliveryService;

  /** @param storage the extension's storage for this workspace (local errors, uptime and goal history). */
  constructor(
    secrets: vscode.SecretStorage,
    workspaceState: vscode.Memento,
    /** Answers that hold in every workspace: the hosts allowed a token, the kubeconfig commands allowed to run. */
    globalState: vscode.Memento,
    extensionUri: vscode.Uri,
    storage: vscode.Uri,
    extensionVersion: string,
  ) {
    this.log = vscode.window.createOutputChannel('Conveyor', { log: true });
    this.model = new WorkspaceModel(this.log);
    this.refreshManager = new RefreshManager();
    this.pipeline = new PipelineService(this.model, this.log);
    this.release = new ReleaseService(this.model, this.log, secrets);
    const tokenHosts = tokenHostConsent(globalState);
    this.ci = new CiService(this.model, this.log, secrets, tokenHosts);
    this.board = new BoardService(this.model, workspaceState, globalState, secrets, tokenHosts);
    this.errors = new ErrorService(this.model, workspaceState, secrets, storage, this.log, tokenHosts);
    this.uptime = new UptimeService(this.model, storage, this.log);
    this.goals = new GoalService(this.model, storage, extensionUri.fsPath, this.log);
    this.deploy = new DeployService(this.model, this.log, rememberedConsent(globalState, 'conveyor.allowedKubeconfigCommands'));
    this.belt = new BeltService(
      this.model,
      { pipeline: this.pipeline, release: this.release, deploy: this.deploy, errors: this.errors, board: this.board },
      this.log,
    );
    this.trace = new TraceService(this.model, { board: this.board, errors: this.errors, ci: this.ci }, this.log);
    this.errorItems = new ErrorItemService(this.model);
    this.deliveries = new ItemDeliveryService(this.model, this.belt);
    this.disposables.push(
      this.log,
      this.model,
      this.refreshManager,
      this.pipeline,
      this.release,
      this.ci,
      this.board,
      this.errors,
      this.uptime,
      this.goals,
      this.deploy,
      this.belt,
      this.trace,
      // New commits, tags or belt records: a shown trace is made again.
      this.model.onDidChange(() => this.trace.invalidate()),
      this.belt.onDidChange(() => this.trace.invalidate()),
      this.errorItems,
      this.deliveries,
      registerConveyorViews(this.model, this.refreshManager, this),
      registerConfigDiagnostics(this.model),
      registerStatusDocuments(this.model),
      registerWorkspaceCommands(this.model, this.log),
      registerPipelineCommands(this.model, this.pipeline, this.log),
      registerPipelineStatusBar(this.model, this.pipeline),
      registerBoardCommands(this.model, this.board, this.log),
      registerActiveItemStatusBar(this.model, this.board),
      registerKanban(this.model, this.board, extensionUri, this.log, this.deliveries),
      registerReleaseCommands(this.model, this.release, this.log),
      registerBaseImageEditor(this.model, this.release, this.log),
      registerCiCommands(this.model, this.ci, this.log),
      registerCiStatusBar(this.model, this.ci),
      registerErrorEditorFeatures(this.errors),
      registerMonitorCommands(this.model, { errors: this.errors, uptime: this.uptime, goals: this.goals }, this.log),
      registerMonitorStatusBar(this.model, this.errors, this.uptime),
      registerMonitorDashboard(this.model, this.uptime, this.goals, deliveryMetricsSource(this.belt), extensionUri, this.log),
      registerDeployCommands(this.model, this.deploy, this.log),
      registerDeployStatusBar(this.model, this.deploy),
      registerShipCommands(this.model, this.belt, this.log),
      registerBaseImageCommands(this.model, { release: this.release, belt: this.belt, pipeline: this.pipeline }, this.log),
      registerTraceCommands(this.model, this.trace, this.errors, this.log),
      registerHookCommands(this.model, extensionUri.fsPath, this.log),
      registerCiExportCommands(this.model, extensionUri.fsPath, this.log),
      registerSecurityPatchCommands(this.model, { belt: this.belt, pipeline: this.pipeline, log: this.log }),
      registerDependencyFixActions(this.log),
      registerErrorItemCommands(this.model, this, this.log),
      registerWalkthroughContext(this.model, this),
      registerCrashReporting(this.log, { path: extensionUri.fsPath, version: extensionVersion }),
    );
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
