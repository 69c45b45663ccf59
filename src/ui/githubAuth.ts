import * as vscode from 'vscode';
import type { FolderStatus } from '../loop/folderStatus';
import { messageOf } from '../core/errors';

/** Where a GitHub token entered by hand is kept (for hosts without VS Code's GitHub sign-in); shared by CI and the board. */
export const GITHUB_TOKEN_SECRET = 'conveyor.ci.githubToken';

/** VS Code's GitHub sign-in when there is a session (never prompting), else a token stored in SecretStorage. */
export async function githubToken(secrets: vscode.SecretStorage, scopes: readonly string[] = ['repo']): Promise<string | undefined> {
  const session = await Promise.resolve(vscode.authentication.getSession('github', [...scopes], { silent: true })).catch(() => undefined);
  return session?.accessToken ?? (await secrets.get(GITHUB_TOKEN_SECRET));
}

/**
 * VS Code's GitHub sign-in; where it is unavailable (offline hosts, GitHub Enterprise without it) a token typed
 * by the user, kept in SecretStorage. True when either worked.
 */
export async function signInToGitHub(
  secrets: vscode.SecretStorage,
  log: vscode.LogOutputChannel | undefined,
  scopes: readonly string[] = ['repo'],
): Promise<boolean> {
  try {
    if (await vscode.authentication.getSession('github', [...scopes], { createIfNone: true })) return true;
  } catch (error) {
    log?.warn(`GitHub sign-in is not available here: ${messageOf(error)}`);
  }
  const token = await vscode.window.showInputBox({
    title: 'GitHub token',
    prompt: `A personal access token with the ${[...new Set([...scopes, 'workflow'])].join(', ')} scopes (kept in SecretStorage)`,
    password: true,
    ignoreFocusOut: true,
  });
  if (!token) return false;
  await secrets.store(GITHUB_TOKEN_SECRET, token.trim());
  return true;
}

/** The GitHub API root for a folder (Actions and the GitHub board): the setting, else GitHub Enterprise from conveyor.yml, else github.com's. */
export function githubApiUrl(status: FolderStatus): string | undefined {
  const setting = vscode.workspace.getConfiguration('conveyor.ci.github').get<string>('apiUrl');
  if (setting) return setting.replace(/\/$/, '');
  const enterprise = status.config.config.ci?.github?.enterpriseUrl;
  return enterprise ? `${enterprise.replace(/\/$/, '')}/api/v3` : undefined;
}
