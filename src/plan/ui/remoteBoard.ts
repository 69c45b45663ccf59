import * as vscode from 'vscode';
import type { FolderStatus } from '../../loop/folderStatus';
import { githubAccess, signInToGitHub } from '../../ui/githubAuth';
import { githubBoardRepository, isHosted, PROVIDER_NAMES } from '../boardProviders';
import type { BoardProvider } from '../workItem';
import { refreshBoardState } from '../hostedBoardState';
import type { RemoteBoardState } from '../hostedBoardState';
import { loadBundle } from '../../ui/lazyBundle';
import type * as HostedBoards from '../hostedBoards';
import { ServiceError } from '../../core/errors';
import { checkTokenHost, type TokenHost } from '../../core/http/tokenHost';
import type { RememberedConsent } from '../../core/rememberedConsent';

const jiraSecret = (site: string) => `conveyor.board.jira.${site}`;
const LINEAR_SECRET = 'conveyor.board.linear.apiKey';
const NOTION_SECRET = 'conveyor.board.notion.token';

/** A Projects v2 board needs the project scope on top of repo (reading and setting the Status field). */
const projectScopes = (status: FolderStatus) => (status.config.config.board?.github?.project ? ['repo', 'project'] : ['repo']);

const githubRepository = (status: FolderStatus) => githubBoardRepository(status.config.config.board, status.git.originUrl);

/** A Jira site always comes from conveyor.yml: its API token goes there once the user allowed it. */
const jiraHost = (site: string): TokenHost => ({
  service: 'Jira',
  token: 'your Jira API token',
  url: site,
  chosenBy: 'conveyor.yml (board.jira.site)',
});

/**
 * Hosted boards (Jira Cloud, Linear, GitHub Issues or a GitHub project, a Notion database) for folders whose conveyor.yml chooses one: credentials from
 * SecretStorage only, items loaded while the Board view is visible (and on Refresh), kept on errors.
 */
export class RemoteBoards implements vscode.Disposable {
  private readonly states = new Map<string, RemoteBoardState>();
  /**
   * GitHub Issues boards by repository, API and token: a provider keeps the ETag of its last list, so a refresh
   * that finds nothing changed is a 304, which GitHub does not charge to the rate limit.
   */
  private readonly githubIssueBoards = new Map<string, BoardProvider>();
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly consent: RememberedConsent,
  ) {}

  state(folder: string): RemoteBoardState | undefined {
    return this.states.get(folder);
  }

  /** The provider for a folder, or undefined when it is local or credentials are missing. */
  async provider(status: FolderStatus): Promise<BoardProvider | undefined> {
    const board = status.config.config.board;
    const engine = loadBundle<typeof HostedBoards>('hostedBoards.js');
    if (status.board.provider === 'jira' && board?.jira) {
      const stored = await this.secrets.get(jiraSecret(board.jira.site));
      const auth = stored ? (JSON.parse(stored) as { email: string; apiToken: string }) : undefined;
      if (auth) await checkTokenHost(jiraHost(board.jira.site), this.consent);
      return auth && new engine.JiraBoardProvider({ site: board.jira.site, project: board.jira.project, jql: board.jira.jql, ...auth });
    }
    if (status.board.provider === 'linear') {
      const apiKey = await this.secrets.get(LINEAR_SECRET);
      return apiKey ? new engine.LinearBoardProvider({ apiKey, team: board?.linear?.team }) : undefined;
    }
    if (status.board.provider === 'notion' && board?.notion) {
      const token = await this.secrets.get(NOTION_SECRET);
      return token ? new engine.NotionBoardProvider({ token, ...board.notion }) : undefined;
    }
    if (status.board.provider === 'github') {
      const repo = githubRepository(status);
      if (!repo) return undefined;
      const { baseUrl, token } = await githubAccess(status, this.secrets, this.consent, projectScopes(status));
      const project = board?.github?.project;
      // With a project, its Status field is the board; GitHub's GraphQL API always needs a token.
      if (project) return token ? new engine.GitHubProjectBoardProvider({ ...repo, project, token, baseUrl }) : undefined;
      // Public repositories can be read without a token; writes ask to sign in.
      const key = JSON.stringify([repo.owner, repo.repo, baseUrl, token]);
      const known = this.githubIssueBoards.get(key);
      if (known) return known;
      const created = new engine.GitHubIssuesBoardProvider({ ...repo, token, baseUrl });
      this.githubIssueBoards.set(key, created);
      return created;
    }
    return undefined;
  }

  /** Why a hosted board has no provider (no repository or database to read, or no sign-in yet), as what the user can do to `want`. */
  noProvider(status: FolderStatus, want: string): ServiceError {
    const name = PROVIDER_NAMES[status.board.provider];
    if (status.board.provider === 'github' && !githubRepository(status))
      return new ServiceError(name, 'invalid', 'Set board.github.owner and repo in conveyor.yml, or add a GitHub origin remote.');
    if (status.board.provider === 'notion' && !status.config.config.board?.notion)
      return new ServiceError(name, 'invalid', 'Set board.notion.database in conveyor.yml to the id or URL of the Notion database.');
    return new ServiceError(name, 'unauthorized', `Sign in to ${name} to ${want}.`);
  }

  async load(status: FolderStatus, mine: boolean): Promise<void> {
    if (!isHosted(status)) return;
    const previous = this.states.get(status.folder);
    const state: RemoteBoardState = { items: previous?.items ?? [], loading: true, shortened: previous?.shortened };
    this.states.set(status.folder, state);
    this.changed.fire(status.folder);
    try {
      await refreshBoardState(state, async (onShortened) => {
        const provider = await this.provider(status);
        if (!provider) throw this.noProvider(status, 'see this board');
        return provider.list({ mine, onShortened });
      });
    } finally {
      state.loading = false;
      this.changed.fire(status.folder);
    }
  }

  async signIn(status: FolderStatus): Promise<boolean> {
    const board = status.config.config.board;
    if (status.board.provider === 'jira' && board?.jira) {
      // Asked before the token is typed: a site the user does not trust gets no token at all.
      await checkTokenHost(jiraHost(board.jira.site), this.consent, { askAgain: true });
      const email = await vscode.window.showInputBox({
        title: `Jira ${board.jira.site}`,
        prompt: 'Atlassian account email',
        ignoreFocusOut: true,
      });
      if (!email) return false;
      const apiToken = await vscode.window.showInputBox({
        title: `Jira ${board.jira.site}`,
        prompt: 'API token (id.atlassian.com › Security › API tokens)',
        password: true,
        ignoreFocusOut: true,
      });
      if (!apiToken) return false;
      await this.secrets.store(jiraSecret(board.jira.site), JSON.stringify({ email: email.trim(), apiToken: apiToken.trim() }));
      return true;
    }
    if (status.board.provider === 'linear')
      return this.storeTypedToken(LINEAR_SECRET, 'Linear', 'Personal API key (Linear › Settings › API)');
    if (status.board.provider === 'notion')
      return this.storeTypedToken(
        NOTION_SECRET,
        'Notion',
        'Internal integration secret (notion.so/profile/integrations › your integration › Configuration)',
      );
    if (status.board.provider === 'github') {
      this.consent.forgetRefusals();
      return signInToGitHub(this.secrets, undefined, projectScopes(status));
    }
    void vscode.window.showInformationMessage('The local board needs no sign-in.');
    return false;
  }

  /** Asks for a token and keeps it in SecretStorage under `key`; false when the user cancels. */
  private async storeTypedToken(key: string, title: string, prompt: string): Promise<boolean> {
    const token = await vscode.window.showInputBox({ title, prompt, password: true, ignoreFocusOut: true });
    if (!token) return false;
    await this.secrets.store(key, token.trim());
    return true;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
