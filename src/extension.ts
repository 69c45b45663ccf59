// Must stay the first import: it records when the bundle started loading.
import { bundleLoadStartedAt, millisecondsSince } from './core/activationClock';
import type * as vscode from 'vscode';
import { Container } from './ui/container';

/** What activate() returns: used by the extension-host tests and by other extensions. */
export interface ConveyorApi {
  /** Milliseconds from the start of loading the bundle to the end of activate(). */
  activationMs: number;
  /** Resolves when every workspace folder has been described once. */
  whenReady(): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): ConveyorApi {
  const container = new Container(context);
  context.subscriptions.push(container);
  const activationMs = millisecondsSince(bundleLoadStartedAt);
  container.log.info(`Activated in ${activationMs} ms (bundle load + activate)`);
  return { activationMs, whenReady: () => container.model.ready };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
