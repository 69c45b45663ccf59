// Must stay the first import: it records when the bundle started loading.
import { bundleLoadStartedAt, millisecondsSince } from './core/activationClock';
import * as vscode from 'vscode';
import { Container } from './ui/container';
import type { PipelineRun } from './pipeline/run/pipelineRun';
import { version } from '../package.json';

/** What activate() returns: used by the extension-host tests and by other extensions. */
export interface ConveyorApi {
  /** Milliseconds from the start of loading the bundle to the end of activate(). */
  activationMs: number;
  /** Resolves when every workspace folder has been described once. */
  whenReady(): Promise<void>;
  /** The pipeline run in progress in a folder, else its last run. */
  pipelineRun(folder: string): PipelineRun | undefined;
}

export function activate(context: vscode.ExtensionContext): ConveyorApi {
  // Workspace storage when a folder is open; the global one for an empty window (nothing is monitored there).
  const container = new Container(
    context.secrets,
    context.workspaceState,
    context.globalState,
    context.extensionUri,
    context.storageUri ?? context.globalStorageUri,
    version,
  );
  context.subscriptions.push(container);
  const activationMs = millisecondsSince(bundleLoadStartedAt);
  container.log.info(
    `Activated in ${activationMs} ms (bundle load + activate); ${vscode.workspace.workspaceFolders?.length ?? 0} workspace folder(s)`,
  );
  return { activationMs, whenReady: () => container.model.ready, pipelineRun: (folder) => container.pipeline.lastRun(folder) };
}
