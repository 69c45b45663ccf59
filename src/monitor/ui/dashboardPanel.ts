import * as vscode from 'vscode';
import type { DashboardToHost, GoalCard, HostToDashboard, UptimeCard } from '../../../webviews/monitor/protocol';
import { pickFolder } from '../../ui/folderPicker';
import { webviewHtml } from '../../ui/webviewHtml';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { GoalService } from './goalService';
import { goalUnit } from './monitorNodes';
import type { UptimeService } from './uptimeService';
import { messageOf } from '../../core/errors';

/** Uptime charts and goal sparklines of a folder in an editor tab, redrawn while visible. */
export function registerMonitorDashboard(model: WorkspaceModel, uptime: UptimeService, goals: GoalService, extensionUri: vscode.Uri): vscode.Disposable {
  const panels = new Map<string, vscode.WebviewPanel>();
  const post = (folder: string, panel: vscode.WebviewPanel) => void panel.webview.postMessage(dashboardMessage(model, uptime, goals, folder));
  const refreshVisible = () => {
    for (const [folder, panel] of panels) if (panel.visible) post(folder, panel);
  };
  return vscode.Disposable.from(
    uptime.onDidChange(refreshVisible),
    goals.onDidChange(refreshVisible),
    vscode.commands.registerCommand('conveyor.monitor.openDashboard', async (arg?: unknown) => {
      const status = await pickFolder(model, typeof arg === 'string' ? arg : undefined, 'Open the monitoring dashboard of which folder?');
      if (!status) return;
      const existing = panels.get(status.folder);
      if (existing) return existing.reveal();
      const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webviews');
      const panel = vscode.window.createWebviewPanel('conveyor.dashboard', `Monitor: ${status.name}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [root] });
      // uPlot draws on canvas and styles through the CSSOM, which the CSP allows.
      panel.webview.html = webviewHtml(panel.webview, root, { title: 'Monitor', script: 'monitor.js', style: 'monitor-style.css', mainId: 'dashboard', csp: 'img-src {cspSource} data:;' });
      panels.set(status.folder, panel);
      panel.onDidDispose(() => panels.delete(status.folder));
      panel.onDidChangeViewState(() => panel.visible && post(status.folder, panel));
      panel.webview.onDidReceiveMessage(async (message: DashboardToHost) => {
        try {
          if (message.type === 'ready') post(status.folder, panel);
          else if (message.type === 'probeNow') await uptime.probeNow(status.folder, message.name);
          else await goals.measure(status.folder, message.name);
        } catch (error) {
          void panel.webview.postMessage({ type: 'error', message: messageOf(error) } satisfies HostToDashboard);
        }
      });
    }),
    { dispose: () => panels.forEach((panel) => void panel.dispose()) },
  );
}

function dashboardMessage(model: WorkspaceModel, uptime: UptimeService, goals: GoalService, folder: string): HostToDashboard {
  const status = model.statusOf(folder);
  const uptimeCards: UptimeCard[] = uptime.rows(folder).map(({ check, stats }) => ({
    name: check.name,
    url: check.url,
    status: stats.lastStatus,
    uptime24h: stats.uptime24h,
    uptime7d: stats.uptime7d,
    p50LatencyMs: stats.p50LatencyMs,
    p95LatencyMs: stats.p95LatencyMs,
    reason: stats.lastStatus === 'down' ? stats.lastResult?.reason : undefined,
    series: uptime.series(folder, check),
  }));
  const goalCards: GoalCard[] = goals.viewState(folder).rows.map(({ goal, progress }) => ({
    name: goal.name,
    unit: goalUnit(goal),
    value: progress?.value,
    target: goal.target,
    direction: progress?.direction ?? goal.direction ?? 'up',
    met: progress?.met,
    error: progress?.lastError,
    series: { xs: progress?.series[0] ?? [], values: progress?.series[1] ?? [] },
  }));
  return { type: 'dashboard', title: `${status?.name ?? 'Folder'} monitoring`, uptime: uptimeCards, goals: goalCards };
}
