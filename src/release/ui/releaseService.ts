import * as vscode from 'vscode';
import type { FolderStatus } from '../../loop/folderStatus';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { ReleaseCatalog } from '../releaseCatalog';
import type { RegistryCredentials } from '../registry/credentials';
import { registryHostOf } from '../registry/credentials';
import { releaseEngine } from './releaseEngineLoader';
import { messageOf } from '../../core/errors';

interface FolderReleases {
  catalog?: ReleaseCatalog;
  error?: string;
  loading?: Promise<void>;
  stale: boolean;
}

export interface ReleaseViewState {
  catalog?: ReleaseCatalog;
  loading: boolean;
  error?: string;
}

const SECRET_PREFIX = 'conveyor.registry.';
const NPM_SECRET_PREFIX = 'conveyor.npm.';

/**
 * The releases of each folder (tags joined with the registry, read lazily while the view asks) and the
 * registry credentials: the user's Docker config first, then what they entered, kept in SecretStorage; npm
 * registry tokens likewise, per host (without one npm reads the user's .npmrc).
 */
export class ReleaseService implements vscode.Disposable {
  private readonly folders = new Map<string, FolderReleases>();
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly model: WorkspaceModel,
    private readonly log: vscode.LogOutputChannel,
    private readonly secrets: vscode.SecretStorage,
  ) {}

  /** Cached releases; a stale or missing catalog starts loading (git and registry calls, trusted only). */
  viewState(folder: string): ReleaseViewState {
    const state = this.stateOf(folder);
    if (state.stale && !state.loading && vscode.workspace.isTrusted) state.loading = this.load(folder);
    return { catalog: state.catalog, loading: state.loading !== undefined, error: state.error };
  }

  /** Whether a catalog already loaded lists a release; nothing is loaded for it. */
  hasReleases(): boolean {
    return [...this.folders.values()].some((state) => (state.catalog?.releases.length ?? 0) > 0);
  }

  invalidate(folder?: string): void {
    for (const [key, state] of this.folders) if (!folder || key === folder) state.stale = true;
    if (folder && !this.folders.has(folder)) this.stateOf(folder);
    this.changed.fire(folder ?? '');
  }

  async credentialsFor(host: string): Promise<RegistryCredentials | undefined> {
    const stored = await this.secrets.get(SECRET_PREFIX + host);
    if (stored) {
      try {
        return JSON.parse(stored) as RegistryCredentials;
      } catch {
        await this.secrets.delete(SECRET_PREFIX + host);
      }
    }
    // A credential helper that fails rejects, naming itself and the host, for the caller to show.
    const lookup = await releaseEngine().findDockerCredentials(host);
    if (lookup.helper && !lookup.credentials) this.log.info(lookup.reason ?? '');
    return lookup.credentials;
  }

  /** Asks for a user and password (or token) and keeps them in SecretStorage, never in settings. */
  async signIn(host: string): Promise<boolean> {
    const username = await vscode.window.showInputBox({ title: `Sign in to ${host}`, prompt: 'User name', ignoreFocusOut: true });
    if (!username) return false;
    const password = await vscode.window.showInputBox({
      title: `Sign in to ${host}`,
      prompt: `Password or access token for ${username}`,
      password: true,
      ignoreFocusOut: true,
    });
    if (!password) return false;
    await this.secrets.store(SECRET_PREFIX + host, JSON.stringify({ username, password }));
    this.log.info(`Stored credentials for ${host} in SecretStorage (user ${username})`);
    this.invalidate();
    return true;
  }

  async npmTokenFor(registry: string): Promise<string | undefined> {
    return (await this.secrets.get(NPM_SECRET_PREFIX + registryHostOf(registry))) || undefined;
  }

  /** Asks for an npm registry's token and keeps it in SecretStorage, per host, never in settings or logs. */
  async setNpmToken(registry: string): Promise<boolean> {
    const host = registryHostOf(registry);
    const token = await vscode.window.showInputBox({
      title: `npm token for ${host}`,
      prompt: `An access token that may publish to ${registry} (npm: an automation or granular token; GitHub Packages: a token with write:packages). Empty removes the stored one.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (token === undefined) return false;
    if (token.trim() === '') {
      await this.secrets.delete(NPM_SECRET_PREFIX + host);
      this.log.info(`Removed the npm token for ${host} from SecretStorage`);
    } else {
      await this.secrets.store(NPM_SECRET_PREFIX + host, token.trim());
      this.log.info(`Stored an npm token for ${host} in SecretStorage`);
    }
    this.invalidate();
    return true;
  }

  async signOut(host: string): Promise<void> {
    await this.secrets.delete(SECRET_PREFIX + host);
    this.invalidate();
  }

  dockerHost(): string | undefined {
    return vscode.workspace.getConfiguration('conveyor.release').get<string>('dockerHost') || process.env.DOCKER_HOST || undefined;
  }

  private async load(folder: string): Promise<void> {
    const state = this.stateOf(folder);
    const status: FolderStatus | undefined = this.model.statusOf(folder);
    try {
      if (!status?.git.isRepository) {
        state.catalog = { releases: [] };
        return;
      }
      const engine = releaseEngine();
      const image = status.image && engine.imageTarget(status.image);
      const registry = image && (async () => new engine.RegistryClient(image.address, await this.credentialsFor(image.host)));
      state.catalog = await engine.readReleaseCatalog(folder, image, registry, (npmRegistry) => this.npmTokenFor(npmRegistry));
      state.error = undefined;
      if (state.catalog.registryError) this.log.warn(`${status.name}: registry not checked: ${state.catalog.registryError}`);
      if (state.catalog.npmRegistryError) this.log.warn(`${status.name}: npm registry not checked: ${state.catalog.npmRegistryError}`);
    } catch (error) {
      state.error = messageOf(error);
      this.log.error(`${status?.name ?? folder}: could not read releases: ${state.error}`);
    } finally {
      state.stale = false;
      state.loading = undefined;
      this.changed.fire(folder);
    }
  }

  private stateOf(folder: string): FolderReleases {
    let state = this.folders.get(folder);
    if (!state) this.folders.set(folder, (state = { stale: true }));
    return state;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
