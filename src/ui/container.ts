import * as vscode from 'vscode';
import { registerBoardCommands } from '../plan/ui/boardCommands';
import { registerPipelineCommands } from '../pipeline/ui/pipelineCommands';
import { registerPipelineStatusBar } from '../pipeline/ui/pipelineStatusBar';
import { PipelineService } from '../pipeline/ui/pipelineService';
import { registerReleaseCommands } from '../release/ui/releaseCommands';
import { ReleaseService } from '../release/ui/releaseService';
import { registerCiCommands } from '../ci/ui/ciCommands';
import { CiService } from '../ci/ui/ciService';
import { registerCiStatusBar } from '../ci/ui/ciStatusBar';
import { BoardService } from '../plan/ui/boardService';
import { registerActiveItemStatusBar } from '../plan/ui/activeItemStatusBar';
import { registerKanban } from '../plan/ui/kanbanPanel';
import { registerConfigDiagnostics } from './configDiagnostics';
import { registerConveyorViews } from './conveyorViews';
import { RefreshManager } from './refreshManager';
import { registerStatusDocuments } from './statusDocument';
import { registerWorkspaceCommands } from './workspaceCommands';
import { WorkspaceModel } from './workspaceModel';

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

  constructor(secrets: vscode.SecretStorage, workspaceState: vscode.Memento, extensionUri: vscode.Uri) {
    this.log = vscode.window.createOutputChannel('Conveyor', { log: true });
    this.model = new WorkspaceModel(this.log);
    this.refreshManager = new RefreshManager();
    this.pipeline = new PipelineService(this.model, this.log);
    this.release = new ReleaseService(this.model, this.log, secrets);
    this.ci = new CiService(this.model, this.log, secrets);
    this.board = new BoardService(this.model, workspaceState, secrets);
    this.disposables.push(
      this.log,
      this.model,
      this.refreshManager,
      this.pipeline,
      this.release,
      this.ci,
      this.board,
      registerConveyorViews(this.model, this.refreshManager, { pipeline: this.pipeline, release: this.release, ci: this.ci, board: this.board }),
      registerConfigDiagnostics(this.model),
      registerStatusDocuments(this.model),
      registerWorkspaceCommands(this.model, this.log),
      registerPipelineCommands(this.model, this.pipeline),
      registerPipelineStatusBar(this.model, this.pipeline),
      registerBoardCommands(this.model, this.board, this.log),
      registerActiveItemStatusBar(this.model, this.board),
      registerKanban(this.model, this.board, extensionUri),
      registerReleaseCommands(this.model, this.release, this.log),
      registerCiCommands(this.model, this.ci, this.log),
      registerCiStatusBar(this.model, this.ci),
    );
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
