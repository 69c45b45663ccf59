import * as vscode from 'vscode';
import { RememberedConsent } from '../core/rememberedConsent';

/** Asked in a modal, remembered in VS Code's global state (for every workspace) under `memoryKey`. */
export function rememberedConsent(globalState: vscode.Memento, memoryKey: string): RememberedConsent {
  return new RememberedConsent(globalState, memoryKey, async (question) => {
    const allow = 'Allow';
    return (await vscode.window.showWarningMessage(question, { modal: true }, allow)) === allow;
  });
}

/** The hosts the user allowed to receive a token a workspace file sends there (see checkTokenHost). */
export const tokenHostConsent = (globalState: vscode.Memento) => rememberedConsent(globalState, 'conveyor.allowedTokenHosts');

/**
 * A Conveyor setting's value, and the workspace file that chose it ("conveyor.ci.github.apiUrl in
 * the workspace settings") when the value comes from the workspace or a folder rather than the user.
 */
export function settingWithOrigin<T>(section: string, key: string): { value: T | undefined; chosenBy?: string } {
  const config = vscode.workspace.getConfiguration(section);
  const value = config.get<T>(key);
  const inspected = config.inspect<T>(key);
  const fromWorkspace = inspected?.workspaceFolderValue ?? inspected?.workspaceValue;
  const chosen = fromWorkspace !== undefined && JSON.stringify(fromWorkspace) === JSON.stringify(value);
  return { value, chosenBy: chosen ? `${section}.${key} in the workspace settings` : undefined };
}
