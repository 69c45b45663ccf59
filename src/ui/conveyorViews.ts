import * as vscode from 'vscode';
import type { Disposable, Event } from '../core/events';
import type { ViewNode } from '../core/viewNode';
import type { FolderStatus } from '../loop/folderStatus';
import { boardNodes, type BoardViewState } from '../plan/ui/boardNodes';
import { pipelineNodes } from '../pipeline/ui/pipelineNodes';
import { ciNodes } from '../ci/ui/ciNodes';
import { releaseNodes } from '../release/ui/releaseNodes';
import { environmentNodes } from '../deploy/ui/deployNodes';
import { errorNodes, goalNodes, uptimeNodes } from '../monitor/ui/monitorNodes';
import { beltNodes } from '../loop/ui/beltNodes';
import type { BeltService } from '../loop/ui/beltService';
import { traceNodes } from '../loop/ui/traceNodes';
import type { TraceService } from '../loop/ui/traceService';
import type { ErrorItemService } from '../loop/ui/errorItemService';
import type { ItemDeliveryService } from '../loop/ui/itemDeliveryService';
import { NodeTreeProvider } from './nodeTreeProvider';
import type { RefreshManager } from './refreshManager';
import type { PipelineService } from '../pipeline/ui/pipelineService';
import type { ReleaseService } from '../release/ui/releaseService';
import type { CiService } from '../ci/ui/ciService';
import type { BoardService } from '../plan/ui/boardService';
import type { WorkspaceModel } from './workspaceModel';
import type { ErrorService } from '../monitor/ui/errorService';
import type { UptimeService } from '../monitor/ui/uptimeService';
import type { GoalService } from '../monitor/ui/goalService';
import type { DeployService } from '../deploy/ui/deployService';

/** What a view may need beyond the folder's status. */
export interface ViewContext {
  pipeline: Pick<PipelineService, 'viewState'>;
  release: Pick<ReleaseService, 'viewState'>;
  ci: Pick<CiService, 'viewState'>;
  board: Pick<BoardService, 'viewState'>;
  errors: Pick<ErrorService, 'viewState'>;
  uptime: Pick<UptimeService, 'viewState'>;
  goals: Pick<GoalService, 'viewState'>;
  deploy: Pick<DeployService, 'viewState'>;
  belt: Pick<BeltService, 'viewState'>;
  trace: Pick<TraceService, 'viewState'>;
  errorItems: Pick<ErrorItemService, 'itemOf'>;
  deliveries: Pick<ItemDeliveryService, 'deliveriesOf'>;
}

/** The services behind the views (each also tells when its view must refresh). */
export interface ViewServices {
  pipeline: PipelineService;
  release: ReleaseService;
  ci: CiService;
  board: BoardService;
  errors: ErrorService;
  uptime: UptimeService;
  goals: GoalService;
  deploy: DeployService;
  belt: BeltService;
  trace: TraceService;
  errorItems: ErrorItemService;
  deliveries: ItemDeliveryService;
}

interface ViewSpec {
  id: string;
  nodes: (status: FolderStatus, context: ViewContext) => ViewNode[];
  /** The service's event that says the view's rows changed. */
  changes: (services: ViewServices) => Event<unknown>;
  /** For a service that asks its backend only while the view is visible: it hears when that changes. */
  setVisible?: (services: ViewServices, visible: boolean) => void;
  /** Views whose content is tied to commits say so when a folder has no git repository. */
  needsGit?: boolean;
  /** Views whose stage runs commands (pipeline, image builds, deploys) say so in Restricted Mode. */
  runsCommands?: boolean;
}

/** The Conveyor container's views, in the order of the DevOps loop (package.json lists the same ids). */
export const VIEW_SPECS: ViewSpec[] = [
  {
    id: 'conveyor.board',
    nodes: (status, context) => boardNodes(status, withDeliveries(status, context)),
    changes: (s) => s.board.onDidChange,
    // Hosted boards (Jira, Linear) are asked only while the Board view is visible.
    setVisible: (s, visible) => s.board.setViewVisible(visible),
    needsGit: true,
  },
  {
    id: 'conveyor.pipeline',
    nodes: (status, context) => pipelineNodes(status, context.pipeline.viewState(status.folder)),
    changes: (s) => s.pipeline.onDidChange,
    needsGit: true,
    runsCommands: true,
  },
  {
    id: 'conveyor.belt',
    nodes: (status, context) => beltNodes(status.folder, context.belt.viewState(status.folder)),
    changes: (s) => s.belt.onDidChange,
    needsGit: true,
    runsCommands: true,
  },
  {
    id: 'conveyor.ci',
    nodes: (status, context) => ciNodes(status, context.ci.viewState(status.folder)),
    changes: (s) => s.ci.onDidChange,
    // Remote CI polls only while its view is visible (or a followed run is in progress).
    setVisible: (s, visible) => s.ci.setViewVisible(visible),
  },
  {
    id: 'conveyor.releases',
    nodes: (status, context) => releaseNodes(status, context.release.viewState(status.folder)),
    changes: (s) => s.release.onDidChange,
    needsGit: true,
    runsCommands: true,
  },
  {
    id: 'conveyor.environments',
    nodes: (status, context) => environmentNodes(status, context.deploy.viewState(status.folder)),
    changes: (s) => s.deploy.onDidChange,
    // Cluster watches run only while the Environments view is visible.
    setVisible: (s, visible) => s.deploy.setViewVisible(visible),
    runsCommands: true,
  },
  {
    id: 'conveyor.errors',
    // Each error row shows the item made from it: the loop's links, handed in (the monitor stage knows no loop).
    nodes: (status, context) =>
      errorNodes(status, { ...context.errors.viewState(status.folder), itemOf: context.errorItems.itemOf(status.folder) }),
    changes: (s) => eitherOf(s.errors.onDidChange, s.errorItems.onDidChange),
    // Hosted Sentry is asked only while the Errors view is visible.
    setVisible: (s, visible) => s.errors.setViewVisible(visible),
  },
  {
    id: 'conveyor.uptime',
    nodes: (status, context) => uptimeNodes(status, context.uptime.viewState(status.folder)),
    changes: (s) => s.uptime.onDidChange,
  },
  {
    id: 'conveyor.goals',
    nodes: (status, context) => goalNodes(status, context.goals.viewState(status.folder)),
    changes: (s) => s.goals.onDidChange,
  },
  {
    id: 'conveyor.trace',
    nodes: (status, context) => traceNodes(status.folder, context.trace.viewState(status.folder)),
    changes: (s) => s.trace.onDidChange,
    // A shown trace is made again when the records change, only while the view is visible.
    setVisible: (s, visible) => s.trace.setViewVisible(visible),
  },
];

export function registerConveyorViews(model: WorkspaceModel, refreshManager: RefreshManager, services: ViewServices): vscode.Disposable {
  const context: ViewContext = services;
  const disposables: Disposable[] = [];
  for (const spec of VIEW_SPECS) {
    const provider = new NodeTreeProvider(async () => {
      await model.ready;
      const roots = rootsFor(model.folders(), spec, context);
      // A message hides the welcome text, so an empty view carries its notes in viewsWelcome instead
      // (driven by the context keys below) and only a view with rows shows them as its message.
      view.message = roots.length > 0 ? messageFor(model.folders(), spec) : undefined;
      return roots;
    });
    const view = vscode.window.createTreeView(spec.id, { treeDataProvider: provider, showCollapseAll: false });
    refreshManager.register(spec.id, view, () => provider.refresh());
    const { setVisible } = spec;
    if (setVisible) disposables.push(view.onDidChangeVisibility((e) => setVisible(services, e.visible)));
    disposables.push(
      view,
      provider,
      spec.changes(services)(() => refreshManager.requestRefresh(spec.id)),
    );
  }
  const updateContext = () =>
    void vscode.commands.executeCommand(
      'setContext',
      'conveyor.folderWithoutGit',
      model.folders().some((f) => !f.git.isRepository),
    );
  void model.ready.then(updateContext);
  disposables.push(
    model.onDidChange(() => {
      updateContext();
      refreshManager.requestRefresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => refreshManager.requestRefresh()),
    // New commits and tags may mean new releases; the registry is asked again only if the view is shown.
    model.onDidChange(() => services.release.invalidate()),
    services.deliveries.onDidChange(() => refreshManager.requestRefresh('conveyor.board')),
  );
  return vscode.Disposable.from(...disposables);
}

/** The board's state with where its items are on the belt: the loop works that out, the plan stage only shows it. */
function withDeliveries(status: FolderStatus, context: ViewContext): BoardViewState {
  const state = context.board.viewState(status.folder);
  const keys = (state.remote?.items ?? status.board.items).map((i) => i.key);
  return { ...state, deliveries: context.deliveries.deliveriesOf(status.folder, keys) };
}

/** One folder: its rows. Several folders: a row per folder that has something, its rows beneath. */
function rootsFor(folders: FolderStatus[], spec: ViewSpec, context: ViewContext): ViewNode[] {
  if (folders.length === 1) return spec.nodes(folders[0], context);
  return folders
    .map((status) => ({ status, children: spec.nodes(status, context) }))
    .filter(({ children }) => children.length > 0)
    .map(({ status, children }) => ({
      id: `${status.folder}/${spec.id}`,
      label: status.name,
      icon: 'root-folder',
      tooltip: status.folder,
      expanded: true,
      children,
    }));
}

function messageFor(folders: FolderStatus[], spec: ViewSpec): string | undefined {
  const notes: string[] = [];
  if (spec.runsCommands && !vscode.workspace.isTrusted)
    notes.push('Restricted Mode: Conveyor shows what it finds but runs nothing until you trust this workspace.');
  if (spec.needsGit) {
    const withoutGit = folders.filter((f) => !f.git.isRepository).map((f) => f.name);
    if (withoutGit.length > 0) notes.push(`No git repository in ${withoutGit.join(', ')}: runs and releases will not be tied to commits.`);
  }
  return notes.length ? notes.join(' ') : undefined;
}

/** One event for several: a listener hears each of them. */
function eitherOf(...events: Event<unknown>[]): Event<unknown> {
  return (listener) => {
    const subscriptions = events.map((event) => event(listener));
    return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
  };
}
