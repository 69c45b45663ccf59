// Reads an npm registry's packument (the package document listing every version and its tarball's
// integrity) over HTTP: before a release (is the registry there, is the version free), after publishing (is
// what the registry serves what was packed) and for `release list`.
import { HttpClient } from '../../core/http/httpClient';
import type { ServiceError } from '../../core/errors';
import { DEFAULT_NPM_REGISTRY } from './packageDefinition';

export interface PublishedPackage {
  distTags: Record<string, string>;
  /** Each published version's `dist.integrity` (undefined for the old ones that only have a shasum). */
  versions: Map<string, string | undefined>;
}

export interface NpmRegistryClientOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** What to do about a registry that refuses a token, or has none: the CLI and the extension say it alike. */
export const NPM_TOKEN_HINT =
  'set a token with "Conveyor: Set npm Registry Token…" (NPM_TOKEN for the CLI), or log in with `npm login --registry';

export class NpmRegistryClient {
  private readonly http: HttpClient;

  constructor(
    readonly registry: string,
    private readonly token?: string,
    options: NpmRegistryClientOptions = {},
  ) {
    const isDefault = registry === DEFAULT_NPM_REGISTRY;
    this.http = new HttpClient({
      service: `the npm registry ${registry}`,
      baseUrl: registry,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      headers: { Accept: 'application/json' },
      secrets: () => [token],
      authorization: () => (token ? `Bearer ${token}` : undefined),
      networkHint: isDefault
        ? ': start a local one with `npx verdaccio`, or name another in conveyor.yml (release.npm.registry) or in package.json (publishConfig.registry)'
        : ': check the network, or the registry URL',
      describeStatus: ({ status, purpose }) =>
        status === 401 || status === 403
          ? this.http.error(
              status === 401 ? 'unauthorized' : 'forbidden',
              `The npm registry ${registry} refused to let Conveyor read ${purpose ?? 'the package'} (${status}): ${NPM_TOKEN_HINT} ${registry}\``,
              { status },
            )
          : undefined,
    });
  }

  /** Whether Conveyor has a token of its own for this registry (npm may still have one in .npmrc). */
  get hasToken(): boolean {
    return this.token !== undefined;
  }

  /** The package's versions and dist-tags, or undefined when the registry has never seen the package. */
  async published(name: string): Promise<PublishedPackage | undefined> {
    const answer = await this.http.send({ url: packumentPath(name), accept: [404], purpose: name });
    if (answer.status === 404) {
      await answer.discard();
      return undefined;
    }
    return readPackument(await answer.json(`the packument of ${name}`), (message) => this.http.error('malformed', message));
  }
}

/** `@acme/lib` → `@acme%2flib`: the registry API takes a scoped name as one path segment. */
export function packumentPath(name: string): string {
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

export function readPackument(data: unknown, malformed: (message: string) => ServiceError | Error = (m) => new Error(m)): PublishedPackage {
  if (typeof data !== 'object' || data === null) throw malformed('The registry sent a packument that is not a JSON object');
  const { 'dist-tags': distTags = {}, versions = {} } = data as {
    'dist-tags'?: Record<string, string>;
    versions?: Record<string, unknown>;
  };
  const integrity = new Map<string, string | undefined>();
  for (const [version, manifest] of Object.entries(versions)) {
    const dist = (manifest as { dist?: { integrity?: unknown } } | null)?.dist;
    integrity.set(version, typeof dist?.integrity === 'string' ? dist.integrity : undefined);
  }
  return { distTags, versions: integrity };
}
