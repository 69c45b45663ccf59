import * as vscode from 'vscode';
import type { FolderStatus } from '../../loop/folderStatus';
import type { DashboardToHost, DeliverySection, GoalCard, HostToDashboard, UptimeCard } from '../../../webviews/monitor/protocol';
import { registerConveyorCommand } from '../../ui/commands';
import { FolderPanels } from '../../ui/folderPanel';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { DeliveryMetricsCache, type DeliveryMetricsSource } from './deliveryMetricsCache';
import type { GoalService } from './goalService';
import { goalUnit } from './monitorNodes';
import { goalDirection } from '../goals/goalDirection';
import type { UptimeService } from './uptimeService';
import { withoutCredentials } from '../../core/http/urlCredentials';

/** Uptime charts, goal sparklines and delivery metrics of a folder in an editor tab, redrawn while visible. */
export function registerMonitorDashboard(
  model: WorkspaceModel,
  uptime: UptimeService,
  goals: GoalService,
  deliverySource: DeliveryMetricsSource,
  extensionUri: vscode.Uri,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  const delivery = new DeliveryMetricsCache(deliverySource);
  const panels = new FolderPanels<DashboardToHost, HostToDashboard>(model, extensionUri, {
    viewType: 'conveyor.dashboard',
    title: (status) => `Monitor: ${status.name}`,
    // uPlot draws on canvas and styles through the CSSOM, which the CSP allows.
    page: { title: 'Monitor', script: 'monitor.js', style: 'monitor-style.css', mainId: 'dashboard', csp: 'img-src {cspSource} data:;' },
    render: (status) => dashboardMessage(uptime, goals, delivery.current(status), status),
    redrawOn: [uptime.onDidChange, goals.onDidChange, delivery.onDidChange],
    error: (message) => ({ type: 'error', message }),
    handle: async (message, status) => {
      if (message.type === 'probeNow') await uptime.probeNow(status.folder, message.name);
      else await goals.measure(status.folder, message.name);
    },
  });
  return vscode.Disposable.from(
    panels,
    delivery,
    registerConveyorCommand({ model, log }, 'conveyor.monitor.openDashboard', ({ status }) => panels.open(status), {
      folder: { placeHolder: 'Open the monitoring dashboard of which folder?' },
    }),
  );
}

function dashboardMessage(uptime: UptimeService, goals: GoalService, delivery: DeliverySection, status: FolderStatus): HostToDashboard {
  const { folder } = status;
  const uptimeCards: UptimeCard[] = uptime.rows(folder).map(({ check, stats }) => ({
    name: check.name,
    url: withoutCredentials(check.url),
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
    direction: progress?.direction ?? goalDirection(goal),
    met: progress?.met,
    error: progress?.lastError,
    series: { xs: progress?.series[0] ?? [], values: progress?.series[1] ?? [] },
  }));
  return { type: 'dashboard', title: `${status.name} monitoring`, uptime: uptimeCards, goals: goalCards, delivery };
}
