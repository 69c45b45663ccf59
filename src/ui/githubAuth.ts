import * as vscode from 'vscode';
import type { FolderStatus } from '../loop/folderStatus';
import { messageOf } from '../core/errors';
import { GITHUB_API_URL } from '../core/github/githubHttp';
import { checkTokenHost } from '../core/http/tokenHost';
import type { RememberedConsent } from '../core/rememberedConsent';
import { settingWithOrigin } from './hostConsent';

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

/**
 * The GitHub API root for a folder (Actions and the GitHub board) and which workspace file chose it: the setting,
 * else GitHub Enterprise from conveyor.yml, else github.com's (no URL).
 */
export function githubApi(status: FolderStatus): { url?: string; chosenBy?: string } {
  const setting = settingWithOrigin<string>('conveyor.ci.github', 'apiUrl');
  if (setting.value) return { url: setting.value.replace(/\/$/, ''), chosenBy: setting.chosenBy };
  const enterprise = status.config.config.ci?.github?.enterpriseUrl;
  return enterprise ? { url: `${enterprise.replace(/\/$/, '')}/api/v3`, chosenBy: 'conveyor.yml (ci.github.enterpriseUrl)' } : {};
}

/** The folder's GitHub API root and the token, which goes only where checkTokenHost lets it (it throws otherwise). */
export async function githubAccess(
  status: FolderStatus,
  secrets: vscode.SecretStorage,
  consent: RememberedConsent,
  scopes: readonly string[] = ['repo'],
): Promise<{ baseUrl?: string; token?: string }> {
  const api = githubApi(status);
  const token = await githubToken(secrets, scopes);
  if (token && api.url) {
    await checkTokenHost(
      { service: 'GitHub', token: 'your GitHub sign-in', url: api.url, chosenBy: api.chosenBy, publicUrl: GITHUB_API_URL },
      consent,
    );
  }
  return { baseUrl: api.url, token };
}
