import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { DeployService } from './deployService';

const ROLLOUT_ICONS = { running: '$(sync~spin)', complete: '$(check)', failed: '$(error)', 'rolled-back': '$(history)' } as const;

/** `$(cloud) ctx/ns` and the last rollout's state; click switches the context. Shown when a folder deploys. */
export function registerDeployStatusBar(model: WorkspaceModel, service: DeployService): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('conveyor.deploy', vscode.StatusBarAlignment.Left, 44);
  item.name = 'Conveyor Kubernetes Context';
  item.command = 'conveyor.deploy.switchContext';
  const update = () => {
    if (!model.folders().some((f) => f.deploy.environments.length > 0)) return item.hide();
    const { context, namespace, problem } = service.current();
    const rollout = service.currentRollout();
    const where = problem ? 'no kubeconfig' : context ? `${context}/${namespace ?? 'default'}` : 'no context';
    item.text = `$(cloud) ${where}${rollout ? ` ${ROLLOUT_ICONS[rollout.state]} ${rollout.release} → ${rollout.environment}` : ''}`;
    item.tooltip = [
      problem ?? `Kube context ${context ?? '(none)'}, namespace ${namespace ?? 'default'}. Click to switch.`,
      rollout ? `Last deploy: ${rollout.release} to ${rollout.environment}: ${rollout.state} — ${rollout.message}` : undefined,
    ]
      .filter(Boolean)
      .join('\n');
    item.backgroundColor = rollout?.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.show();
  };
  update();
  return vscode.Disposable.from(item, service.onDidChange(update), model.onDidChange(update), registerForwardsItem(service));
}

/** `$(plug) 2 forwards` while there are port-forwards; click lists them, each with a stop button. */
function registerForwardsItem(service: DeployService): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('conveyor.deploy.forwards', vscode.StatusBarAlignment.Left, 43);
  item.name = 'Conveyor Port Forwards';
  item.command = 'conveyor.deploy.showPortForwards';
  const update = () => {
    const forwards = service.forwards();
    if (forwards.length === 0) return item.hide();
    const ended = forwards.filter((f) => f.state === 'ended').length;
    item.text = `$(plug) ${forwards.length === 1 ? '1 forward' : `${forwards.length} forwards`}`;
    item.tooltip = [
      ...forwards.map((f) => `${f.url} → ${f.target.kind}/${f.target.name}:${f.remotePort}${f.state === 'ended' ? ' (ended)' : ''}`),
      'Click to open or stop one.',
    ].join('\n');
    item.backgroundColor = ended ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  update();
  return vscode.Disposable.from(item, service.onDidChange(update));
}
