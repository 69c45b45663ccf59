import * as vscode from 'vscode';
import type { DeliveryMetricsSource } from '../../monitor/ui/deliveryMetricsCache';
import type { BeltService } from './beltService';
import { loopEngine } from './loopEngineLoader';

/** The monitoring dashboard's delivery metrics: read by the loop engine, and again after each belt run. */
export function deliveryMetricsSource(belt: BeltService): DeliveryMetricsSource {
  return {
    read: (status) =>
      vscode.workspace.isTrusted
        ? loopEngine().readDashboardMetrics(status.folder)
        : Promise.resolve({ state: 'empty', message: 'Delivery metrics are read with git: trust this workspace to see them.' }),
    invalidateOn: [belt.onDidEndRun, vscode.workspace.onDidGrantWorkspaceTrust],
  };
}
