import * as vscode from 'vscode';

/**
 * Restricted Mode: says what waits (the middle of "Restricted Mode: … until you trust this workspace.") and
 * offers to manage trust. True when the workspace is trusted and the work may go on.
 */
export function requireTrust(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(`Restricted Mode: ${what} until you trust this workspace.`, 'Manage Workspace Trust')
    .then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return false;
}
