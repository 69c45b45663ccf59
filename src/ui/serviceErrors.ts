import * as vscode from 'vscode';
import { isAbort } from '../core/errors';
import { errorNotice } from './errorNotice';
import type { ErrorDisplay } from './errorNotice';

export type { ErrorDisplay } from './errorNotice';

/**
 * Logs a failure to the Conveyor log and shows it once, with the one action its kind calls for: sign in,
 * wait, fix the configuration, or read the log. A plain error shows its message (never a stack). Returns at
 * once: the notification does not hold up the command that failed. A cancelled operation shows nothing.
 */
export function showServiceError(error: unknown, log: vscode.LogOutputChannel, display: ErrorDisplay = {}): void {
  if (isAbort(error)) return;
  const { message, text, actions } = errorNotice(error, display);
  log.error(message);
  void vscode.window.showErrorMessage(text, ...actions.map((a) => a.title)).then((choice) => {
    const action = actions.find((a) => a.title === choice);
    if (action) void vscode.commands.executeCommand(action.command, ...action.arguments);
  });
}
