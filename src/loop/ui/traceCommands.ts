import * as vscode from 'vscode';
import { registerConveyorCommand } from '../../ui/commands';
import type { ErrorService } from '../../monitor/ui/errorService';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { FolderStatus } from '../folderStatus';
import { loopEngine } from './loopEngineLoader';
import type { TraceService } from './traceService';

const REVISION_SCHEME = 'conveyor-git';
const TRACE_NEEDS = 'Trace reads the git history of this workspace; Conveyor runs no git command';

interface TracePick extends vscode.QuickPickItem {
  argument: string;
}

/**
 * `Conveyor: Trace…` (a quick pick over the folder's items, releases and errors, or anything typed: a sha,
 * `v1.5.0`, `SHOP-12`), Trace on the rows of the Board, Pipeline, Releases, Environments, Errors and Trace
 * views, and what the Trace view's rows open: a commit or a release tag as `git show` tells it.
 */
export function registerTraceCommands(
  model: WorkspaceModel,
  traces: TraceService,
  errors: ErrorService,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  const host = { model, log };
  const revisions = new RevisionDocuments();
  // The view shows "Tracing …" while the records are read.
  const show = async (trace: Promise<unknown>) => {
    await vscode.commands.executeCommand('conveyor.trace.focus');
    await trace;
  };
  return vscode.Disposable.from(
    revisions,
    registerConveyorCommand(
      host,
      'conveyor.trace',
      async ({ status }, argument?: unknown) => {
        const chosen =
          typeof argument === 'string' && argument !== status.folder ? argument : await pickTraceTarget(status, traces, errors);
        if (chosen) await show(traces.trace(status, chosen));
      },
      { needsTrust: TRACE_NEEDS, folder: { placeHolder: 'Trace in which folder?' } },
    ),
    registerConveyorCommand(
      host,
      'conveyor.trace.fromRow',
      async ({ ref, status }) => {
        if (ref && status) await show(traces.traceRef(status, ref));
      },
      { needsTrust: TRACE_NEEDS, refs: ['work-item', 'commit', 'pipeline-run', 'release', 'environment', 'error'] },
    ),
    registerConveyorCommand(host, 'conveyor.trace.clear', () => traces.clear()),
    registerConveyorCommand(host, 'conveyor.trace.openCommit', async (_call, folder: string, revision: string) => {
      await revisions.open(folder, revision);
    }),
    registerConveyorCommand(host, 'conveyor.trace.showEnvironment', async () => {
      await vscode.commands.executeCommand('conveyor.environments.focus');
    }),
    registerConveyorCommand(host, 'conveyor.trace.openError', async (_call, id: string, shortId: string) => {
      if (errors.issue(id)) await vscode.commands.executeCommand('conveyor.errors.openIssue', id);
      else
        void vscode.window.showInformationMessage(
          `${shortId} is in the error store of \`conveyor ship\`, not in the editor's: its details are in \`conveyor trace ${shortId}\`.`,
        );
    }),
  );
}

/** Items of the board, releases by their tags (newest first) and errors, plus whatever is typed. */
async function pickTraceTarget(status: FolderStatus, traces: TraceService, errors: ErrorService): Promise<string | undefined> {
  const quickPick = vscode.window.createQuickPick<TracePick>();
  quickPick.title = `Trace in ${status.name}`;
  quickPick.placeholder = 'A work item, release or error — or type a key, a commit sha or vX.Y.Z';
  quickPick.matchOnDescription = true;
  const items = traces
    .items(status.folder)
    .map((item) => ({ label: `$(issues) ${item.key}`, description: item.title, argument: item.key }));
  const issues = errors
    .issues()
    .map((issue) => ({ label: `$(bug) ${issue.shortId}`, description: `${issue.title} ×${issue.count}`, argument: issue.id }));
  let releases: TracePick[] = [];
  const typed = (value: string): TracePick[] =>
    value.trim() ? [{ label: `$(search) Trace “${value.trim()}”`, alwaysShow: true, argument: value.trim() }] : [];
  const update = () =>
    (quickPick.items = [
      ...typed(quickPick.value),
      ...group('Work items', items),
      ...group('Releases', releases),
      ...group('Errors', issues),
    ]);
  update();
  quickPick.busy = true;
  quickPick.show();
  // The tags come from git; the pick is usable before they arrive.
  void loopEngine()
    .listReleaseRecords(status.folder)
    .then(
      (entries) =>
        (releases = entries.map((e) => ({ label: `$(tag) ${e.tag}`, description: e.record?.image?.repository, argument: e.tag }))),
    )
    .catch(() => undefined)
    .finally(() => {
      quickPick.busy = false;
      update();
    });
  return new Promise<string | undefined>((resolve) => {
    quickPick.onDidChangeValue(update);
    quickPick.onDidAccept(() => {
      resolve(quickPick.selectedItems[0]?.argument);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
  });
}

function group(label: string, picks: TracePick[]): TracePick[] {
  return picks.length > 0 ? [{ label, kind: vscode.QuickPickItemKind.Separator, argument: '' }, ...picks] : [];
}

/** Read-only documents of `git show <revision>` (a commit, or a release tag with its record and commit). */
class RevisionDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(REVISION_SCHEME, this);

  async open(folder: string, revision: string): Promise<void> {
    const uri = vscode.Uri.from({
      scheme: REVISION_SCHEME,
      path: `/${revision.replace(/[^\w.-]+/g, '-').slice(0, 40)}.diff`,
      query: JSON.stringify({ folder, revision }),
    });
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { folder, revision } = JSON.parse(uri.query) as { folder: string; revision: string };
    return (
      (await loopEngine().showRevision(folder, revision)) ??
      `git does not know ${revision} in ${folder} (a deleted tag or a rewritten history).`
    );
  }

  dispose(): void {
    this.registration.dispose();
  }
}
