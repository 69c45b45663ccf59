// The workbench: every stage's views, commands and status bars (the Container). A bundle of its own
// (dist/workbench.js), loaded by activation in the task after it (src/extension.ts), so activation itself stays
// a few milliseconds and VS Code goes on activating other extensions meanwhile.
import * as vscode from 'vscode';
import { millisecondsSince } from '../core/activationClock';
import type { CommandRouter } from '../core/commandRouter';
import { registerCommandsThrough } from './commands';
import { Container } from './container';

export function startWorkbench(
  context: vscode.ExtensionContext,
  router: CommandRouter,
  timing: { extensionVersion: string; activationMs: number; loadStartedAt: number },
): Container {
  registerCommandsThrough((id, handler) => router.register(id, handler));
  // Workspace storage when a folder is open; the global one for an empty window (nothing is monitored there).
  const container = new Container(
    context.secrets,
    context.workspaceState,
    context.globalState,
    context.extensionUri,
    context.storageUri ?? context.globalStorageUri,
    timing.extensionVersion,
  );
  context.subscriptions.push(container);
  container.log.info(
    `Activated in ${timing.activationMs} ms (bundle load + activate); the workbench loaded in ${millisecondsSince(timing.loadStartedAt)} ms after; ${vscode.workspace.workspaceFolders?.length ?? 0} workspace folder(s)`,
  );
  return container;
}
