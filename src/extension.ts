// Must stay the first import: it records when the bundle started loading.
import { bundleLoadStartedAt, millisecondsSince } from './core/activationClock';
import * as vscode from 'vscode';
import type { PipelineRun } from './pipeline/run/pipelineRun';
import type * as Workbench from './ui/workbench';
import { CommandRouter, contributedCommands } from './core/commandRouter';
import { loadBundle } from './ui/lazyBundle';
import { version } from '../package.json';

/** What activate() returns: used by the extension-host tests and by other extensions. */
export interface ConveyorApi {
  /** Milliseconds from the start of loading the bundle to the end of activate(). */
  activationMs: number;
  /** Resolves when the workbench has loaded and every workspace folder has been described once. */
  whenReady(): Promise<void>;
  /** The pipeline run in progress in a folder, else its last run (undefined until the workbench has loaded). */
  pipelineRun(folder: string): PipelineRun | undefined;
}

type Started = ReturnType<typeof Workbench.startWorkbench>;

/**
 * Activation registers the contributed commands and nothing else; the workbench (views, status bars, the
 * stages' services) loads in the next task. A command run before that waits for it.
 */
export function activate(context: vscode.ExtensionContext): ConveyorApi {
  let started: Started | undefined;
  const workbench = new Promise<Started>((resolve, reject) => {
    setImmediate(() => {
      try {
        const loadStartedAt = performance.now();
        const timing = { extensionVersion: version, activationMs, loadStartedAt };
        started = loadBundle<typeof Workbench>('workbench.js').startWorkbench(context, router, timing);
        resolve(started);
      } catch (error) {
        router.forgetHandlers();
        // The stack goes to the extension host's log; the notification gets the sentence.
        console.error('Conveyor: the workbench failed to load', error);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
  const router = new CommandRouter(
    contributedCommands(context.extension.packageJSON),
    () => workbench,
    (id, handler) => vscode.commands.registerCommand(id, handler),
  );
  context.subscriptions.push(router);
  workbench.catch(
    (error: Error) => void vscode.window.showErrorMessage(`Conveyor could not start its views and commands: ${error.message}`),
  );
  const activationMs = millisecondsSince(bundleLoadStartedAt);
  return {
    activationMs,
    whenReady: () => workbench.then((loaded) => loaded.model.ready),
    pipelineRun: (folder) => started?.pipeline.lastRun(folder),
  };
}
