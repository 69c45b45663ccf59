import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { CiService } from './ciService';

const TEXT = {
  passed: '$(pass) CI',
  failed: '$(error) CI',
  running: '$(sync~spin) CI',
  queued: '$(clock) CI',
  cancelled: '$(circle-slash) CI',
  skipped: '$(debug-step-over) CI',
  unknown: '$(question) CI',
  none: '$(circle-large-outline) CI',
} as const;

/** Remote CI of the active folder's HEAD: queued, running, passed or failed; click opens the run. */
export function registerCiStatusBar(model: WorkspaceModel, service: CiService): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('conveyor.ci', vscode.StatusBarAlignment.Left, 48);
  item.name = 'Conveyor Remote CI';
  const update = () => {
    const status = model.activeFolder();
    const head = status && service.head(status.folder);
    if (!status || !head) {
      item.hide();
      return;
    }
    const sha = status.git.head?.slice(0, 7) ?? 'HEAD';
    const counts = Object.entries(head.counts)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    item.text = TEXT[head.state];
    item.tooltip =
      head.state === 'none'
        ? `No remote CI run for ${sha} yet. Click to open the CI view.`
        : `Remote CI for ${sha}: ${head.state} (${counts})\n${head.run?.name ?? ''} #${head.run?.number ?? ''}\nClick to open the run.`;
    item.backgroundColor = head.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.command = head.run
      ? { command: 'vscode.open', title: 'Open Run', arguments: [vscode.Uri.parse(head.run.url)] }
      : 'conveyor.ci.focus';
    item.accessibilityInformation = { label: `Remote CI for ${sha}: ${head.state}` };
    item.show();
  };
  return vscode.Disposable.from(
    item,
    service.onDidChange(update),
    model.onDidChange(update),
    vscode.window.onDidChangeActiveTextEditor(update),
  );
}
