import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FolderStatus } from '../../loop/folderStatus';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { servedUrl } from '../errors/errorModel';
import type { ErrorIssue, WorkspaceLocation } from '../errors/errorModel';
import type { ErrorReceiver } from '../errors/errorReceiver';
import type { ErrorStore } from '../errors/errorStore';
import { STORE_FILE_NAME } from '../errors/errorStore';
import type { FrameMapper, FrameNote, IssueLocation } from '../errors/frameMapping';
import { hostedErrorsSource, staleHostedFolders, type ErrorViewState, type HostedErrorsState } from './monitorNodes';
import { monitorEngine } from './monitorEngineLoader';
import { isServiceError, messageOf } from '../../core/errors';
import { checkTokenHost, type TokenHost } from '../../core/http/tokenHost';
import type { RememberedConsent } from '../../core/rememberedConsent';

const RECEIVER_KEY = 'conveyor.errors.receiver';
const sentrySecret = (url: string) => `conveyor.sentry.token.${url}`;
const SENTRY_URL = 'https://sentry.io';
/** sentry.io needs no consent; a self-hosted Sentry named in conveyor.yml gets the token once the user allowed it. */
const sentryHost = (sentry: { url?: string }): TokenHost => ({
  service: 'Sentry',
  token: 'your Sentry auth token',
  url: sentry.url ?? SENTRY_URL,
  chosenBy: sentry.url ? 'conveyor.yml (sentry.url)' : undefined,
  publicUrl: SENTRY_URL,
});
/** Hosted Sentry is asked again this often while the Errors view is visible. */
const HOSTED_REFRESH_MS = 60_000;

interface ReceiverSettings {
  publicKey: string;
  /** Started once in this workspace: start again on the next window, so the app's DSN keeps working. */
  enabled: boolean;
}

/**
 * Errors from the local Sentry-compatible receiver (the embedded default) and from hosted Sentry when
 * conveyor.yml names one, mapped onto workspace files for the diagnostics, CodeLens and hovers.
 */
export class ErrorService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private store: ErrorStore | undefined;
  private receiver: ErrorReceiver | undefined;
  private starting: Promise<void> | undefined;
  private receiverProblem: string | undefined;
  private readonly hosted = new Map<string, HostedErrorsState>();
  private byFile = new Map<string, IssueLocation[]>();
  private readonly issueLocations = new Map<string, WorkspaceLocation>();
  private notes = new Map<string, FrameNote[]>();
  private mapper: FrameMapper | undefined;
  private remapTimer: NodeJS.Timeout | undefined;
  private hostedTimer: NodeJS.Timeout | undefined;
  /** One client per Sentry, org and token: its rate-limit budget, learned from the answers, carries over. */
  private readonly hostedClients = new Map<string, InstanceType<ReturnType<typeof monitorEngine>['SentryClient']>>();
  private visible = false;
  private readonly listeners: vscode.Disposable[];

  constructor(
    private readonly model: WorkspaceModel,
    private readonly state: vscode.Memento,
    private readonly secrets: vscode.SecretStorage,
    private readonly storage: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly tokenHosts: RememberedConsent,
  ) {
    this.listeners = [
      model.onDidChange(() => {
        this.mapper = undefined;
        this.forgetStaleHosted();
        void this.autoStart();
        this.scheduleRemap();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.autoStart()),
      // A saved file may move lines or rebuild a source map.
      vscode.workspace.onDidSaveTextDocument(() => {
        this.mapper = undefined;
        this.scheduleRemap();
      }),
    ];
    void model.ready.then(() => this.autoStart());
  }

  /** The DSN apps send to, while the receiver runs. */
  dsn(): string | undefined {
    return this.receiver?.isRunning ? this.receiver.dsn : undefined;
  }

  /** Local and hosted issues, most recently seen first. */
  issues(): ErrorIssue[] {
    const all = [...(this.store?.issues() ?? []), ...[...this.hosted.values()].flatMap((h) => h.issues)];
    return all.sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  }

  /** `issues()` once every event the receiver has accepted is in the store (it reads them just after answering). */
  async settledIssues(): Promise<ErrorIssue[]> {
    await this.settled();
    return this.issues();
  }

  /** Waits until the events the receiver has answered are in the local store. */
  async settled(): Promise<void> {
    await this.receiver?.settled();
  }

  issue(id: string): ErrorIssue | undefined {
    return this.issues().find((issue) => issue.id === id);
  }

  /** The marks in one file, sorted by line (see locationsByFile). */
  locationsIn(file: string): IssueLocation[] {
    return this.byFile.get(path.resolve(file)) ?? [];
  }

  filesWithErrors(): string[] {
    return [...this.byFile.keys()];
  }

  locationOf(issueId: string): WorkspaceLocation | undefined {
    return this.issueLocations.get(issueId);
  }

  /** An issue's frames that did not map (and why) or matched several files, innermost first. */
  frameNotesOf(issueId: string): FrameNote[] {
    return this.notes.get(issueId) ?? [];
  }

  /** Every unmapped frame served over HTTP, for Map URL to Folder from the command palette. */
  unmappedUrlFrames(): Array<FrameNote & { issue: ErrorIssue; url: string }> {
    return this.issues().flatMap((issue) =>
      this.frameNotesOf(issue.id).flatMap((note) => (note.url && note.resolution.unmapped ? [{ ...note, issue, url: note.url }] : [])),
    );
  }

  /** Maps one frame of an issue's stack (for the stack trace picker). */
  async mapFrame(issue: ErrorIssue, index: number): Promise<WorkspaceLocation | undefined> {
    const frame = issue.latestEvent?.frames[index];
    return frame && this.frameMapper().map(frame);
  }

  viewState(folder: string): ErrorViewState {
    return {
      receiver: { dsn: this.dsn(), problem: this.receiverProblem, trusted: vscode.workspace.isTrusted },
      localIssues: this.store?.issues() ?? [],
      hosted: this.hosted.get(folder),
      locationOf: (id) => this.issueLocations.get(id),
      notesOf: (id) => this.frameNotesOf(id),
    };
  }

  /** Starts the receiver (trusted workspaces only) and remembers to start it in later windows. */
  async startReceiver(): Promise<string | undefined> {
    if (!vscode.workspace.isTrusted)
      throw new Error('Restricted Mode: the local error receiver opens a port, so it waits until you trust this workspace.');
    if (this.receiver?.isRunning) return this.receiver.dsn;
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    await this.starting;
    return this.dsn();
  }

  async stopReceiver(): Promise<void> {
    await this.receiver?.stop();
    await this.state.update(RECEIVER_KEY, { ...this.settings(), enabled: false });
    this.changed.fire();
  }

  /** The local receiver's store (loaded on first use), for the belt to resolve the errors it fixed in production. */
  localStore(): Promise<ErrorStore> {
    return this.ensureStore();
  }

  async clearLocal(): Promise<void> {
    await this.ensureStore();
    this.store?.clear();
  }

  /** Hosted Sentry is asked only while the Errors view is visible (and on Refresh). */
  setViewVisible(visible: boolean): void {
    const opened = visible && !this.visible;
    this.visible = visible;
    clearInterval(this.hostedTimer);
    this.hostedTimer = undefined;
    if (!visible) return;
    if (opened) void this.refreshHosted();
    this.hostedTimer = setInterval(() => void this.refreshHosted(), HOSTED_REFRESH_MS);
  }

  async refreshHosted(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    await Promise.all(
      this.model
        .folders()
        .filter((f) => f.monitor.sentry)
        .map((f) => this.loadHosted(f)),
    );
    this.scheduleRemap();
  }

  async signIn(status: FolderStatus): Promise<boolean> {
    const sentry = status.monitor.sentry;
    if (!sentry) return false;
    const url = sentry.url ?? SENTRY_URL;
    // Asked before the token is typed: a Sentry the user does not trust gets no token at all.
    await checkTokenHost(sentryHost(sentry), this.tokenHosts, { askAgain: true });
    const token = await vscode.window.showInputBox({
      title: `Sentry ${new URL(url).host}`,
      prompt: 'Auth token with event:read (Sentry › Settings › Auth Tokens)',
      password: true,
      ignoreFocusOut: true,
    });
    if (!token?.trim()) return false;
    await this.secrets.store(sentrySecret(url), token.trim());
    await this.loadHosted(status);
    this.scheduleRemap();
    return true;
  }

  private forgetStaleHosted(): void {
    const stale = staleHostedFolders(this.hosted, this.model.folders());
    for (const folder of stale) this.hosted.delete(folder);
    if (stale.length > 0) this.changed.fire();
  }

  private async loadHosted(status: FolderStatus): Promise<void> {
    const sentry = status.monitor.sentry;
    const source = hostedErrorsSource(status);
    if (!sentry?.org || !source) {
      this.hosted.set(status.folder, {
        source: source ?? '',
        issues: [],
        loading: false,
        error: 'Set sentry.org (and project) in conveyor.yml to see its issues.',
      });
      return this.changed.fire();
    }
    const url = sentry.url ?? SENTRY_URL;
    const kept = this.hosted.get(status.folder);
    const previous = kept?.source === source ? kept : undefined;
    // A look still going (a client waiting out a rate limit) is not joined by a second one.
    if (previous?.loading) return;
    const state: HostedErrorsState = { source, issues: previous?.issues ?? [], loading: true };
    this.hosted.set(status.folder, state);
    this.changed.fire();
    try {
      const token = await this.secrets.get(sentrySecret(url));
      if (!token) {
        Object.assign(state, { error: `Sign in to Sentry (${new URL(url).host}) to see the issues of ${sentry.org}.`, needsSignIn: true });
        return;
      }
      await checkTokenHost(sentryHost(sentry), this.tokenHosts);
      const clientKey = JSON.stringify([url, sentry.org, token]);
      const client = this.hostedClients.get(clientKey) ?? new (monitorEngine().SentryClient)({ baseUrl: url, token, org: sentry.org });
      this.hostedClients.set(clientKey, client);
      state.issues = await client.issuesWithLatestEvents({
        project: sentry.project,
        environment: sentry.environment,
        previous: previous?.issues,
      });
      state.error = undefined;
      state.needsSignIn = false;
    } catch (error) {
      state.error = messageOf(error);
      state.needsSignIn = isServiceError(error, 'unauthorized');
      this.log.warn(`Sentry: ${state.error}`);
    } finally {
      state.loading = false;
      this.changed.fire();
    }
  }

  private settings(): ReceiverSettings {
    const stored = this.state.get<ReceiverSettings>(RECEIVER_KEY);
    if (stored?.publicKey) return stored;
    return { publicKey: monitorEngine().generatePublicKey(), enabled: false };
  }

  /**
   * The receiver starts by itself in a trusted workspace that used it before, that depends on a Sentry SDK,
   * or whose conveyor.yml sets a receiver port. Otherwise it waits for Copy Local Sentry DSN.
   */
  private async autoStart(): Promise<void> {
    if (!vscode.workspace.isTrusted || this.receiver?.isRunning || this.starting) return;
    const folders = this.model.folders();
    const wanted =
      this.state.get<ReceiverSettings>(RECEIVER_KEY)?.enabled ||
      folders.some((f) => f.monitor.sentrySdks.length > 0 || f.config.config.sentry?.receiverPort !== undefined);
    if (!wanted) {
      // Errors received in an earlier window stay next to the code; with no store file there is nothing to load.
      if (folders.length > 0 && existsSync(path.join(this.storeDirectory(), STORE_FILE_NAME)))
        await this.ensureStore().catch(() => undefined);
      return;
    }
    await this.startReceiver().catch((error: unknown) => this.log.warn(`Local error receiver: ${messageOf(error)}`));
  }

  private async ensureStore(): Promise<ErrorStore> {
    if (this.store) return this.store;
    const engine = monitorEngine();
    const store = new engine.ErrorStore({
      directory: this.storeDirectory(),
      onSaveError: (error) => this.log.error(`Could not save the local errors: ${error.message}`),
    });
    this.store = store;
    const loaded = await store.load();
    if (loaded.problem) {
      this.log.warn(`Local errors: ${loaded.problem}${loaded.movedAside ? ` (the file was moved to ${loaded.movedAside})` : ''}`);
      void vscode.window.showWarningMessage(
        `Conveyor could not read the stored local errors: ${loaded.problem}. It starts afresh; the old file was kept${loaded.movedAside ? ` as ${path.basename(loaded.movedAside)}` : ''}.`,
      );
    }
    store.onChanged(() => this.scheduleRemap());
    this.scheduleRemap();
    return store;
  }

  private storeDirectory(): string {
    return path.join(this.storage.fsPath, 'errors');
  }

  private async start(): Promise<void> {
    const store = await this.ensureStore();
    const settings = this.settings();
    const port = this.model.folders().map((f) => f.monitor.receiverPort)[0];
    const receiver = new (monitorEngine().ErrorReceiver)({ store, publicKey: settings.publicKey, port });
    try {
      await receiver.start();
    } catch (error) {
      const code = (error as { code?: string }).code;
      this.receiverProblem =
        code === 'EADDRINUSE'
          ? `Port ${port} is in use (another window or app?): set sentry.receiverPort in conveyor.yml to another port.`
          : `The local error receiver could not start: ${messageOf(error)}`;
      this.changed.fire();
      throw new Error(this.receiverProblem, { cause: error });
    }
    receiver.onEventsDropped(({ count, reason }) =>
      this.log.warn(`Local error receiver: dropped ${count === 1 ? 'an event' : `${count} events`} it could not read: ${reason}`),
    );
    this.receiver = receiver;
    this.receiverProblem = undefined;
    await this.state.update(RECEIVER_KEY, { publicKey: settings.publicKey, enabled: true });
    this.log.info(`Local error receiver listening: ${receiver.dsn}`);
    this.changed.fire();
  }

  private frameMapper(): FrameMapper {
    if (this.mapper) return this.mapper;
    const folders = this.model.folders();
    const pathMappings = Object.assign({}, ...folders.map((f) => f.config.config.sentry?.pathMappings ?? {})) as Record<string, string>;
    this.mapper = new (monitorEngine().FrameMapper)({ roots: folders.map((f) => f.folder), pathMappings });
    return this.mapper;
  }

  /** Frames are mapped once per burst of changes, off the event that caused them. */
  private scheduleRemap(): void {
    clearTimeout(this.remapTimer);
    this.remapTimer = setTimeout(() => void this.remap(), 150);
  }

  private async remap(): Promise<void> {
    if (!this.store && this.hosted.size === 0) return;
    const engine = monitorEngine();
    const mapper = this.frameMapper();
    const issues = this.issues();
    try {
      // Frames served over HTTP are looked up by their path's tail: one walk of the workspace per batch of events.
      const served = issues.some((issue) => issue.latestEvent?.frames.some((frame) => servedUrl(frame)));
      if (served) mapper.useFiles(await engine.scanWorkspaceFiles(this.model.folders().map((f) => f.folder)));
      this.byFile = await engine.locationsByFile(issues, mapper, { allInAppFrames: true });
      const notes = await Promise.all(issues.map(async (issue) => [issue.id, await engine.frameNotes(issue, mapper)] as const));
      this.notes = new Map(notes.filter(([, list]) => list.length > 0));
    } catch (error) {
      this.log.warn(`Could not map error frames to files: ${messageOf(error)}`);
      return;
    }
    this.issueLocations.clear();
    for (const [file, marks] of this.byFile) {
      for (const mark of marks) if (mark.top) this.issueLocations.set(mark.issue.id, { file, line: mark.line, column: mark.column });
    }
    this.changed.fire();
  }

  dispose(): void {
    clearTimeout(this.remapTimer);
    clearInterval(this.hostedTimer);
    vscode.Disposable.from(...this.listeners).dispose();
    // The receiver first: envelopes it answered a moment ago go into the store before the store's last save.
    const store = this.store;
    void (this.receiver?.dispose() ?? Promise.resolve()).then(() => store?.close());
    this.changed.dispose();
  }
}
