import * as vscode from 'vscode';
import type { FolderStatus } from '../../loop/folderStatus';
import type { EnvironmentDefinition } from '../environmentDefinition';
import type { ForwardInfo } from '../operate/portForward';
import type { ForwardTarget } from '../operate/portForwardTarget';
import { forwardLabel } from './deployNodes';
import { deployEngine } from './deployEngineLoader';
import type { DeployService } from './deployService';

const OTHER_PORT = 'Another port…';
const OPEN_IN_BROWSER = 'Open in Browser';

/** Asks for the target (a service, from an environment row), the remote and the local port, then starts the forward. */
export async function startPortForward(
  service: DeployService,
  status: FolderStatus,
  env: EnvironmentDefinition,
  row: ForwardTarget | undefined,
): Promise<void> {
  const { config, namespace } = await service.connection(status, env);
  const engine = deployEngine();
  const target = row ?? (await pickService(await engine.forwardableServices(config, namespace), env.name));
  if (!target) return;
  const title = `Port-forward ${target.kind}/${target.name}`;
  const choices = await engine.forwardPortChoices(config, namespace, target);
  const remotePort = await askRemotePort(title, choices);
  if (remotePort === undefined) return;
  const localPort = await askLocalPort(title, remotePort);
  if (localPort === undefined) return;
  const forward = await service.startForward(status, env, { target, remotePort, localPort });
  const choice = await vscode.window.showInformationMessage(
    `Forwarding ${forward.url} to ${target.kind}/${target.name}:${remotePort} (pod ${forward.pod}).`,
    OPEN_IN_BROWSER,
  );
  if (choice === OPEN_IN_BROWSER) await openForward(forward);
}

async function pickService(names: string[], environment: string): Promise<ForwardTarget | undefined> {
  if (names.length === 0) {
    void vscode.window.showInformationMessage(
      `No service with a selector in ${environment}: forward from a deployment or pod row instead.`,
    );
    return undefined;
  }
  const name = await vscode.window.showQuickPick(names, { placeHolder: `Port-forward which service of ${environment}?` });
  return name === undefined ? undefined : { kind: 'service', name };
}

async function askRemotePort(title: string, choices: { port: number; label: string }[]): Promise<number | undefined> {
  if (choices.length > 0) {
    const picked = await vscode.window.showQuickPick(
      [...choices.map((c) => ({ label: String(c.port), description: c.label, port: c.port })), { label: OTHER_PORT, port: 0 }],
      { title, placeHolder: 'Which port of the pod (or service)?' },
    );
    if (!picked) return undefined;
    if (picked.port) return picked.port;
  }
  return askPort(title, 'Remote port (in the pod, or of the service)', '', false);
}

/** The remote port itself when it is free of privileges; empty means any free port. */
function askLocalPort(title: string, remotePort: number): Promise<number | undefined> {
  return askPort(title, 'Local port on 127.0.0.1 (empty: any free port)', remotePort >= 1024 ? String(remotePort) : '', true);
}

async function askPort(title: string, prompt: string, value: string, emptyIsAny: boolean): Promise<number | undefined> {
  const answer = await vscode.window.showInputBox({
    title,
    prompt,
    value,
    validateInput: (text) => {
      const trimmed = text.trim();
      if (trimmed === '' && emptyIsAny) return undefined;
      return /^\d+$/.test(trimmed) && Number(trimmed) >= 1 && Number(trimmed) <= 65535 ? undefined : 'A port number from 1 to 65535';
    },
  });
  return answer === undefined ? undefined : Number(answer.trim() || '0');
}

export async function openForward(forward: ForwardInfo): Promise<void> {
  await vscode.env.openExternal(vscode.Uri.parse(forward.url));
}

/** The forwards of this window in a list: pick one to open it, its trash button stops it. */
export function showForwards(service: DeployService): void {
  if (service.forwards().length === 0) {
    void vscode.window.showInformationMessage('No port forwards: start one with Port Forward… on a pod, deployment or environment row.');
    return;
  }
  const stop = { iconPath: new vscode.ThemeIcon('debug-stop'), tooltip: 'Stop' };
  const items = () =>
    service.forwards().map((forward) => ({
      label: `$(plug) ${forwardLabel(forward)}`,
      description: forward.state === 'ended' ? 'ended' : `pod ${forward.pod}`,
      detail: forward.message,
      buttons: [stop],
      forward,
    }));
  const pick = vscode.window.createQuickPick<ReturnType<typeof items>[number]>();
  pick.title = 'Port forwards';
  pick.placeholder = 'Pick one to open it in the browser; the stop button ends it';
  pick.items = items();
  pick.onDidTriggerItemButton(({ item }) => {
    service.stopForward(item.forward.id);
    pick.items = items();
    if (pick.items.length === 0) pick.hide();
  });
  pick.onDidAccept(() => {
    const [item] = pick.selectedItems;
    pick.hide();
    if (item) void openForward(item.forward);
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
}
