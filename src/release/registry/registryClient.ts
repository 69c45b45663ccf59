// Reads what a registry holds for a repository: its tags and the digest a tag points to. Plain Node (global
// fetch), no VS Code: the Releases view, the release wizard and the CLI share it. Speaks the Docker
// Registry HTTP API v2 / OCI distribution API, signs in as Docker does (registryAuth.ts), and turns every
// failure into a RegistryError that says what to do.
import { createHash } from 'node:crypto';
import type { RegistryCredentials } from './credentials';
import { apiRepository, registryAddress } from './registryAddress';
import type { RegistryAddress } from './registryAddress';
import { forbidden, RegistryAuth, unauthorized } from './registryAuth';
import type { AccessRequest } from './registryAuth';
import { RegistryError } from './registryError';
import { discard, formatSeconds, RegistryHttp } from './registryHttp';
import { parseWwwAuthenticate } from './wwwAuthenticate';

export interface RegistryClientOptions {
  /** Per request, including reading its body. Default 15 s. */
  timeoutMs?: number;
  /** For tests and proxies; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** Multi-platform indexes first: a tag's digest is the index's when there is one, as `docker push` reports. */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const DEFAULT_TIMEOUT_MS = 15_000;
/** A longer Retry-After is reported rather than waited out: the user may prefer to do something else. */
const MAX_RETRY_AFTER_MS = 30_000;
/** When a 429 does not say how long to wait. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
const MAX_TAG_PAGES = 1_000;
// From the distribution reference grammar: path components of lowercase alphanumerics with separators.
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

export class RegistryClient {
  /** The registry as messages name it: `127.0.0.1:5000`, `docker.io`. */
  readonly registry: string;
  private readonly address: RegistryAddress;
  private readonly http: RegistryHttp;
  private readonly auth: RegistryAuth;
  private readonly peer: string;

  constructor(registry: string, credentials?: RegistryCredentials, options: RegistryClientOptions = {}) {
    this.address = registryAddress(registry);
    this.registry = this.address.display;
    this.peer = `registry ${this.address.display}`;
    this.http = new RegistryHttp({ fetch: options.fetch ?? ((input, init) => fetch(input, init)), timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    this.auth = new RegistryAuth(this.address, this.http, credentials);
  }

  /** Resolves when the registry answers and accepts the credentials (or needs none). */
  async ping(): Promise<void> {
    const access: AccessRequest = { scope: '' };
    const response = await this.request(`${this.address.baseUrl}/v2/`, 'GET', {}, access);
    await discard(response);
    if (!response.ok) {
      throw this.statusError(response, access, 'its API');
    }
  }

  /** All tags of a repository, following `Link` pagination. `pageSize` asks the registry for pages of that size. */
  async tags(repository: string, options: { pageSize?: number } = {}): Promise<string[]> {
    const access = this.pullAccess(repository);
    const purpose = `tags of ${repository}`;
    let url: string | undefined = `${this.address.baseUrl}/v2/${apiRepository(this.address, repository)}/tags/list${options.pageSize ? `?n=${options.pageSize}` : ''}`;
    const seen = new Set<string>();
    const tags: string[] = [];
    while (url) {
      if (seen.has(url) || seen.size >= MAX_TAG_PAGES) {
        throw new RegistryError('malformed', `${this.address.display} paginates the ${purpose} without end`);
      }
      seen.add(url);
      const response = await this.request(url, 'GET', { Accept: 'application/json' }, access);
      if (!response.ok) {
        throw this.statusError(response, access, purpose);
      }
      tags.push(...this.readTags(await this.http.json(response, this.peer, `the ${purpose}`), purpose));
      url = nextPage(response.headers.get('link'), url);
    }
    return tags;
  }

  /** The digest `reference` (a tag or a digest) resolves to, or undefined when the registry has no such manifest. */
  async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    if (!TAG.test(reference) && !DIGEST.test(reference)) {
      throw new RegistryError('not-found', `"${reference}" is neither a tag nor a digest`);
    }
    const access = this.pullAccess(repository);
    const purpose = `${repository}:${reference}`;
    const url = `${this.address.baseUrl}/v2/${apiRepository(this.address, repository)}/manifests/${reference}`;
    const accept = { Accept: MANIFEST_TYPES.join(', ') };
    const head = await this.request(url, 'HEAD', accept, access);
    await discard(head);
    if (head.status === 404) {
      return undefined;
    }
    if (!head.ok) {
      throw this.statusError(head, access, purpose);
    }
    return head.headers.get('docker-content-digest') ?? (await this.digestOfBody(url, accept, access, purpose));
  }

  /** Some registries leave Docker-Content-Digest off HEAD answers; the digest is the SHA-256 of the bytes served. */
  private async digestOfBody(url: string, accept: Record<string, string>, access: AccessRequest, purpose: string): Promise<string | undefined> {
    const response = await this.request(url, 'GET', accept, access);
    if (response.status === 404) {
      await discard(response);
      return undefined;
    }
    if (!response.ok) {
      throw this.statusError(response, access, purpose);
    }
    const body = await this.http.bytes(response, this.peer);
    return response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
  }

  private pullAccess(repository: string): AccessRequest {
    if (!REPOSITORY.test(repository)) {
      throw new RegistryError('not-found', `"${repository}" is not a valid repository name: use lowercase letters and digits, separated by . _ - or /`);
    }
    return { scope: `repository:${apiRepository(this.address, repository)}:pull`, repository };
  }

  /** Sends with what we know about sign-in; answers one 401 challenge and waits out one 429. */
  private async request(url: string, method: 'GET' | 'HEAD', headers: Record<string, string>, access: AccessRequest): Promise<Response> {
    let authorization = this.auth.authorization(access);
    let answeredChallenge = false;
    let waitedForRateLimit = false;
    for (;;) {
      const response = await this.http.send(url, { method, headers: { ...headers, ...(authorization ? { Authorization: authorization } : {}) } }, this.peer);
      if (response.status === 401 && !answeredChallenge) {
        answeredChallenge = true;
        await discard(response);
        authorization = await this.auth.answer(response.headers.get('www-authenticate'), access);
        continue;
      }
      const wait = response.status === 429 && !waitedForRateLimit ? (retryAfterMs(response.headers.get('retry-after')) ?? DEFAULT_RETRY_AFTER_MS) : undefined;
      if (wait !== undefined && wait <= MAX_RETRY_AFTER_MS) {
        waitedForRateLimit = true;
        await discard(response);
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      return response;
    }
  }

  private statusError(response: Response, access: AccessRequest, purpose: string): RegistryError {
    void discard(response);
    const { display } = this.address;
    const status = response.status;
    if (status === 401) {
      const insufficientScope = parseWwwAuthenticate(response.headers.get('www-authenticate')).some((c) => c.params.error === 'insufficient_scope');
      return insufficientScope && this.auth.hasCredentials ? forbidden(this.address, access, 401) : unauthorized(this.address, access, this.auth.hasCredentials);
    }
    if (status === 403) {
      return forbidden(this.address, access, 403);
    }
    if (status === 404) {
      const message = access.repository ? `${display} has no ${purpose} (404): check the repository name, or push an image first` : `${display} does not serve the registry API at /v2/ (404): check the address`;
      return new RegistryError('not-found', message, 404);
    }
    if (status === 429) {
      const wait = retryAfterMs(response.headers.get('retry-after'));
      return new RegistryError('rate-limited', `${display} is rate-limiting requests (429): try again ${wait !== undefined ? `in ${formatSeconds(wait)}` : 'later'}`, 429);
    }
    const statusText = response.statusText ? ` ${response.statusText}` : '';
    return new RegistryError('server', `${display} failed with ${status}${statusText} while reading ${purpose}`, status);
  }

  private readTags(body: unknown, purpose: string): string[] {
    const tags = typeof body === 'object' && body !== null ? (body as { tags?: unknown }).tags : undefined;
    // A repository whose tags were all deleted answers `"tags": null`.
    if (tags === null) {
      return [];
    }
    if (!Array.isArray(tags) || !tags.every((tag): tag is string => typeof tag === 'string')) {
      throw new RegistryError('malformed', `${this.address.display} sent the ${purpose} without a list of tags`);
    }
    return tags;
  }
}

/** `Link: </v2/shop-api/tags/list?last=b&n=2>; rel="next"`, relative to the page that carried it. */
export function nextPage(link: string | null, current: string): string | undefined {
  const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(link ?? '');
  return match ? new URL(match[1], current).href : undefined;
}

/** Retry-After is seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) {
    return undefined;
  }
  if (/^\d+$/.test(header.trim())) {
    return Number(header.trim()) * 1000;
  }
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
