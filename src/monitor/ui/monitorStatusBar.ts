import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { ErrorService } from './errorService';
import { formatPercent, newErrors } from './monitorNodes';
import type { UptimeService } from './uptimeService';

/** `$(bug) 3 new in 1.4.2` for errors, `$(pulse) 99.9%` for the active folder's uptime checks. */
export function registerMonitorStatusBar(model: WorkspaceModel, errors: ErrorService, uptime: UptimeService): vscode.Disposable {
  const errorItem = vscode.window.createStatusBarItem('conveyor.errors', vscode.StatusBarAlignment.Left, 46);
  errorItem.name = 'Conveyor Errors';
  errorItem.command = 'conveyor.errors.focus';
  const uptimeItem = vscode.window.createStatusBarItem('conveyor.uptime', vscode.StatusBarAlignment.Left, 45);
  uptimeItem.name = 'Conveyor Uptime';
  uptimeItem.command = 'conveyor.uptime.focus';

  const updateErrors = () => {
    const { release, issues } = newErrors(errors.issues());
    if (issues.length === 0) return errorItem.hide();
    const events = issues.reduce((sum, i) => sum + i.count, 0);
    errorItem.text = `$(bug) ${issues.length}${release ? ` new in ${release}` : ''}`;
    errorItem.tooltip = `${issues.length} error${issues.length === 1 ? '' : 's'} ${release ? `first seen in ${release}` : 'in the last 24 hours'} (${events} events):\n${issues
      .slice(0, 5)
      .map((i) => `• ${i.title}`)
      .join('\n')}${issues.length > 5 ? '\n…' : ''}`;
    errorItem.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    errorItem.accessibilityInformation = { label: `${issues.length} new errors${release ? ` in release ${release}` : ''}` };
    errorItem.show();
  };
  const updateUptime = () => {
    const folder = model.activeFolder()?.folder;
    const rows = folder ? uptime.rows(folder).filter((r) => r.stats.lastStatus !== 'unknown') : [];
    if (rows.length === 0) return uptimeItem.hide();
    const down = rows.filter((r) => r.stats.lastStatus === 'down');
    const known = rows.map((r) => r.stats.uptime24h).filter((v): v is number => v !== undefined);
    const worst = known.length ? Math.min(...known) : undefined;
    uptimeItem.text = down.length ? `$(pulse) ${down.length} down` : `$(pulse) ${formatPercent(worst)}`;
    uptimeItem.backgroundColor = down.length ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    uptimeItem.tooltip = rows
      .map(
        (r) =>
          `${r.stats.lastStatus === 'down' ? '✗' : '✓'} ${r.check.name}: ${formatPercent(r.stats.uptime24h)} (24 h)${r.stats.lastStatus === 'down' && r.stats.lastResult?.reason ? ` — ${r.stats.lastResult.reason}` : ''}`,
      )
      .join('\n');
    uptimeItem.accessibilityInformation = { label: down.length ? `${down.length} uptime checks down` : `Uptime ${formatPercent(worst)}` };
    uptimeItem.show();
  };
  return vscode.Disposable.from(
    errorItem,
    uptimeItem,
    errors.onDidChange(updateErrors),
    uptime.onDidChange(updateUptime),
    model.onDidChange(updateUptime),
    vscode.window.onDidChangeActiveTextEditor(updateUptime),
  );
}
