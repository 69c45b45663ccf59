import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import type { FolderStatus } from '../../loop/folderStatus';
import { githubAccess, githubApi, signInToGitHub } from '../../ui/githubAuth';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type * as Engine from '../ciEngine';
import { ciEngine } from './ciEngineLoader';
import type { CiPoller, GitHubSource, JenkinsSource } from '../ciPoller';
import { headCi } from '../ciStatus';
import type { CiRun } from '../ciModel';
import { PushedCommits } from '../pushedCommits';
import type { HeadCi } from '../ciStatus';
import type { CiViewState } from '../ciModel';
import { messageOf } from '../../core/errors';
import { checkTokenHost, type TokenHost } from '../../core/http/tokenHost';
import type { RememberedConsent } from '../../core/rememberedConsent';
import { withoutCredentials } from '../../core/http/urlCredentials';

const jenkinsSecret = (url: string) => `conveyor.ci.jenkins.${url}`;
const jenkinsHost = (url: string): TokenHost => ({
  service: 'Jenkins',
  token: 'your Jenkins API token',
  url,
  chosenBy: 'conveyor.yml (ci.jenkins.url)',
});

interface FolderCi {
  /** What the poller was built for; a change (new branch, new repo, new URL) rebuilds it. */
  key: string;
  poller: CiPoller;
  github?: { client: InstanceType<typeof Engine.GitHubActionsClient>; owner: string; repo: string };
  jenkins?: { client: InstanceType<typeof Engine.JenkinsClient> };
  /** Commits pushed from this window whose runs are awaited, and the watcher of the remote refs that tells of a push. */
  pushed: PushedCommits;
  refsWatcher?: vscode.Disposable;
}

const run = promisify(execFile);

/**
 * Remote CI per folder: builds the clients (GitHub through VS Code's GitHub sign-in or a stored token,
 * Jenkins with a stored API token), runs one poller per folder that polls only while the CI view is
 * visible or a followed run is in progress, and tells the view and the status bar.
 */
export class CiService implements vscode.Disposable {
  private readonly folders = new Map<string, FolderCi>();
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;
  private visible = false;
  private pending: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly model: WorkspaceModel,
    private readonly log: vscode.LogOutputChannel,
    private readonly secrets: vscode.SecretStorage,
    private readonly tokenHosts: RememberedConsent,
  ) {
    this.disposables.push(
      model.onDidChange(() => void this.sync()),
      vscode.authentication.onDidChangeSessions((e) => e.provider.id === 'github' && void this.rebuild()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('conveyor.ci') && void this.rebuild()),
    );
    void model.ready.then(() => this.sync());
  }

  viewState(folder: string): CiViewState {
    return this.folders.get(folder)?.poller.state ?? {};
  }

  head(folder: string): HeadCi | undefined {
    const state = this.folders.get(folder)?.poller.state;
    const status = this.model.statusOf(folder);
    if (!state || !status) return undefined;
    return headCi(this.runsOf(folder), status.git.head);
  }

  /** The GitHub Actions runs and Jenkins builds last fetched for the folder (the CI view polls while visible). */
  runsOf(folder: string): CiRun[] {
    const state = this.folders.get(folder)?.poller.state;
    return [...(state?.github?.runs ?? []), ...[...(state?.jenkins?.builds.values() ?? [])].flat()];
  }

  setViewVisible(visible: boolean): void {
    this.visible = visible;
    for (const entry of this.folders.values()) entry.poller.setVisible(visible);
  }

  async refresh(folder?: string): Promise<void> {
    await Promise.all([...this.folders].filter(([key]) => !folder || key === folder).map(([, entry]) => entry.poller.refresh()));
  }

  watch(folder: string, runId: string | undefined): void {
    this.folders.get(folder)?.poller.watch(runId);
  }

  github(folder: string): FolderCi['github'] {
    return this.folders.get(folder)?.github;
  }

  jenkins(folder: string): FolderCi['jenkins'] {
    return this.folders.get(folder)?.jenkins;
  }

  async signInGitHub(): Promise<void> {
    this.tokenHosts.forgetRefusals();
    if (await signInToGitHub(this.secrets, this.log)) await this.rebuild();
  }

  async signInJenkins(url: string): Promise<void> {
    // Asked before the token is typed: a Jenkins the user does not trust gets no token at all.
    await checkTokenHost(jenkinsHost(url), this.tokenHosts, { askAgain: true });
    const user = await vscode.window.showInputBox({
      title: `Jenkins ${withoutCredentials(url)}`,
      prompt: 'User name',
      ignoreFocusOut: true,
    });
    if (!user) return;
    const apiToken = await vscode.window.showInputBox({
      title: `Jenkins ${withoutCredentials(url)}`,
      prompt: `API token of ${user} (Jenkins › user › Configure › API Token)`,
      password: true,
      ignoreFocusOut: true,
    });
    if (!apiToken) return;
    await this.secrets.store(jenkinsSecret(url), JSON.stringify({ user, apiToken }));
    await this.rebuild();
  }

  private rebuild(): Promise<void> {
    return this.queued(async () => {
      for (const entry of this.folders.values()) disposeEntry(entry);
      this.folders.clear();
      await this.syncNow();
    });
  }

  private sync(): Promise<void> {
    return this.queued(() => this.syncNow());
  }

  /**
   * Syncs and rebuilds run one at a time: creating a poller waits for a sign-in session and secrets, and two
   * syncs at once (the model's first change and its ready promise, both at startup) each made a poller for the
   * same folder, one of them never disposed and polling on while the view was hidden.
   */
  private queued(work: () => Promise<void>): Promise<void> {
    const next = this.pending.then(() => (this.disposed ? undefined : work()));
    this.pending = next.catch(() => undefined);
    return next;
  }

  /** Creates, keeps or replaces each folder's poller to match its CI setup and branch. */
  private async syncNow(): Promise<void> {
    const live = new Set<string>();
    for (const status of this.model.folders()) {
      live.add(status.folder);
      const key = JSON.stringify([
        status.ci.githubRepository,
        status.ci.jenkinsUrl,
        status.config.config.ci?.jenkins?.jobs,
        status.git.branch,
        githubApi(status).url,
      ]);
      const known = this.folders.get(status.folder);
      if (known?.key === key) continue;
      if (known) disposeEntry(known);
      this.folders.delete(status.folder);
      if (!vscode.workspace.isTrusted || (!usesActions(status) && !status.ci.jenkinsUrl)) continue;
      try {
        const entry = await this.create(status, key);
        // Disposed while the session or secrets were read: the new poller goes too.
        if (this.disposed) return disposeEntry(entry);
        this.folders.set(status.folder, entry);
      } catch (error) {
        this.log.error(`${status.name}: CI unavailable: ${messageOf(error)}`);
      }
    }
    for (const [folder, entry] of this.folders) {
      if (!live.has(folder)) {
        disposeEntry(entry);
        this.folders.delete(folder);
      }
    }
    this.changed.fire('');
  }

  private async create(status: FolderStatus, key: string): Promise<FolderCi> {
    const engine = ciEngine();
    const repo = usesActions(status) ? status.ci.githubRepository : undefined;
    // A host the token may not go to leaves the client without it, and the view shows why.
    const githubOutcome = repo ? await settled(githubAccess(status, this.secrets, this.tokenHosts)) : undefined;
    const github = repo
      ? {
          client: new engine.GitHubActionsClient({
            baseUrl: githubApi(status).url,
            token: githubOutcome?.value?.token,
            userAgent: 'conveyor-vscode',
          }),
          ...repo,
        }
      : undefined;
    const jenkinsUrl = status.ci.jenkinsUrl;
    const jenkinsAuth = jenkinsUrl ? await this.jenkinsAuth(jenkinsUrl) : undefined;
    const jenkinsOutcome = jenkinsUrl && jenkinsAuth ? await settled(checkTokenHost(jenkinsHost(jenkinsUrl), this.tokenHosts)) : undefined;
    const jenkins = jenkinsUrl
      ? { client: new engine.JenkinsClient({ url: jenkinsUrl, ...(jenkinsOutcome?.error ? {} : jenkinsAuth) }) }
      : undefined;
    const githubSource: GitHubSource | undefined = github && {
      owner: github.owner,
      repo: github.repo,
      runsFor: (o, r, q, etag) => refusedOr(githubOutcome, () => github.client.runsFor(o, r, q, etag)),
      jobsFor: (o, r, id, etag) => refusedOr(githubOutcome, () => github.client.jobsFor(o, r, id, etag)),
      rateBudget: () => github.client.rateBudget(),
    };
    const jenkinsSource: JenkinsSource | undefined = jenkins && {
      jobs: () => refusedOr(jenkinsOutcome, () => jenkins.client.jobs()),
      builds: (name, limit) => jenkins.client.builds(name, limit),
      queue: async () => (await jenkins.client.queue()).map((item) => ({ name: item.name, why: item.why })),
    };
    const pushed = new PushedCommits();
    const poller = new engine.CiPoller(
      { github: githubSource, jenkins: jenkinsSource, jenkinsJobs: status.config.config.ci?.jenkins?.jobs, branch: status.git.branch },
      () => {
        this.announcePushed(status.folder);
        this.changed.fire(status.folder);
      },
    );
    poller.setVisible(this.visible);
    // One look at startup, so the status bar knows HEAD's state; after that, only while shown or followed.
    void poller.refresh();
    // A push moves a remote-tracking ref: then the pushed commit's runs are followed until they finish.
    let refsWatcher: vscode.Disposable | undefined;
    if (status.git.gitDir) {
      const watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(status.git.gitDir), '{refs/remotes/**,packed-refs}'),
      );
      const check = () => void this.followPush(status.folder);
      refsWatcher = vscode.Disposable.from(watcher, watcher.onDidChange(check), watcher.onDidCreate(check));
    }
    return { key, poller, github, jenkins, pushed, refsWatcher };
  }

  /** HEAD is what its upstream points at now: it was just pushed, so its CI runs are followed. */
  private async followPush(folder: string): Promise<void> {
    const entry = this.folders.get(folder);
    if (!entry) return;
    const shas = await run('git', ['rev-parse', 'HEAD', '@{upstream}'], { cwd: folder }).then(
      ({ stdout }) => stdout.trim().split('\n'),
      () => [],
    );
    if (shas.length !== 2 || shas[0] !== shas[1] || entry.pushed.isFollowed(shas[0])) return;
    entry.pushed.follow(shas[0], Date.now());
    this.log.info(`CI: following the runs of ${shas[0].slice(0, 7)}, just pushed`);
    entry.poller.setFollowingPush(true);
    void entry.poller.refresh();
  }

  private announcePushed(folder: string): void {
    const entry = this.folders.get(folder);
    if (!entry?.pushed.following) return;
    const state = entry.poller.state;
    const runs: CiRun[] = [...(state.github?.runs ?? []), ...[...(state.jenkins?.builds.values() ?? [])].flat()];
    for (const finished of entry.pushed.finished(runs, Date.now())) void this.announce(finished);
    if (!entry.pushed.following) entry.poller.setFollowingPush(false);
  }

  private async announce(ciRun: CiRun): Promise<void> {
    const what = `${ciRun.name} #${ciRun.number} for ${ciRun.commit?.slice(0, 7) ?? 'your push'}`;
    const open = 'Open';
    const answer =
      ciRun.state === 'passed'
        ? await vscode.window.showInformationMessage(`CI passed: ${what}.`, open)
        : await vscode.window.showErrorMessage(`CI ${ciRun.state === 'cancelled' ? 'was cancelled' : 'failed'}: ${what}.`, open);
    if (answer === open) await vscode.env.openExternal(vscode.Uri.parse(ciRun.url));
  }

  private async jenkinsAuth(url: string): Promise<{ user?: string; apiToken?: string } | undefined> {
    const stored = await this.secrets.get(jenkinsSecret(url));
    try {
      return stored ? (JSON.parse(stored) as { user: string; apiToken: string }) : undefined;
    } catch {
      return undefined;
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const entry of this.folders.values()) disposeEntry(entry);
    vscode.Disposable.from(...this.disposables).dispose();
  }
}

function disposeEntry(entry: FolderCi): void {
  entry.poller.dispose();
  entry.refsWatcher?.dispose();
}

/** Actions runs are asked for only where the folder has workflows or conveyor.yml names the repository. */
function usesActions(status: FolderStatus): boolean {
  return (
    status.ci.githubRepository !== undefined && (status.ci.githubWorkflows.length > 0 || status.config.config.ci?.github !== undefined)
  );
}

/** A promise's outcome as data, so a refused token host can be shown by the view rather than fail the whole folder. */
async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: Error }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
  );
}

async function refusedOr<T>(outcome: { error?: Error } | undefined, call: () => Promise<T>): Promise<T> {
  if (outcome?.error) throw outcome.error;
  return call();
}
