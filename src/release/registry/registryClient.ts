// Reads what a registry holds for a repository: its tags and the digest a tag points to. Plain Node (the core
// HTTP client), no VS Code: the Releases view, the release wizard and the CLI share it. Speaks the Docker
// Registry HTTP API v2 / OCI distribution API, signs in as Docker does (registryAuth.ts), and turns every
// failure into a ServiceError that says what to do.
import { createHash } from 'node:crypto';
import type { ServiceError } from '../../core/errors';
import { formatSeconds, nextLink, retryAfterMs } from '../../core/http/headers';
import { HttpClient } from '../../core/http/httpClient';
import type { HttpAnswer } from '../../core/http/httpClient';
import { isRecord } from '../../core/records';
import type { RegistryCredentials } from './credentials';
import { apiRepository, registryAddress, registryService } from './registryAddress';
import type { RegistryAddress } from './registryAddress';
import { forbidden, RegistryAuth, unauthorized } from './registryAuth';
import type { AccessRequest } from './registryAuth';
import { parseWwwAuthenticate } from './wwwAuthenticate';

export interface RegistryClientOptions {
  /** Per request, including reading its body. Default: the HTTP client's. */
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
/** A plain-HTTP registry addressed as HTTPS fails its handshake with this code. */
const HTTPS_MISMATCH = {
  ERR_SSL_WRONG_VERSION_NUMBER: 'it does not speak HTTPS on this port (for a plain-HTTP registry, write its address with http://)',
};
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
  private readonly http: HttpClient;
  private readonly auth: RegistryAuth;

  constructor(registry: string, credentials?: RegistryCredentials, options: RegistryClientOptions = {}) {
    this.address = registryAddress(registry);
    this.registry = this.address.display;
    // The registry and its token service are asked the same way; messages name the one that failed.
    const transport = (service: string) =>
      new HttpClient({
        service,
        fetch: options.fetch ?? ((input, init) => fetch(input, init)),
        timeoutMs: options.timeoutMs,
        networkReasons: HTTPS_MISMATCH,
        secrets: () => [credentials?.password, credentials?.identityToken],
      });
    this.http = transport(registryService(this.address));
    this.auth = new RegistryAuth(this.address, credentials, transport);
  }

  /** Resolves when the registry answers and accepts the credentials (or needs none). */
  async ping(): Promise<void> {
    const access: AccessRequest = { scope: '' };
    const answer = await this.request(`${this.address.baseUrl}/v2/`, 'GET', {}, access);
    await answer.discard();
    if (!answer.response.ok) {
      throw this.statusError(answer, access, 'its API');
    }
  }

  /** All tags of a repository, following `Link` pagination. `pageSize` asks the registry for pages of that size. */
  async tags(repository: string, options: { pageSize?: number } = {}): Promise<string[]> {
    const access = this.pullAccess(repository);
    const purpose = `tags of ${repository}`;
    let url: string | undefined =
      `${this.address.baseUrl}/v2/${apiRepository(this.address, repository)}/tags/list${options.pageSize ? `?n=${options.pageSize}` : ''}`;
    const seen = new Set<string>();
    const tags: string[] = [];
    while (url) {
      if (seen.has(url) || seen.size >= MAX_TAG_PAGES) {
        throw this.http.error('malformed', `${this.address.display} paginates the ${purpose} without end`);
      }
      seen.add(url);
      const answer = await this.request(url, 'GET', { Accept: 'application/json' }, access);
      if (!answer.response.ok) {
        throw this.statusError(answer, access, purpose);
      }
      tags.push(...this.readTags(await answer.json(`the ${purpose}`), purpose));
      url = nextLink(answer.headers.get('link'), url);
    }
    return tags;
  }

  /** The digest `reference` (a tag or a digest) resolves to, or undefined when the registry has no such manifest. */
  async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    if (!TAG.test(reference) && !DIGEST.test(reference)) {
      throw this.http.error('invalid', `"${reference}" is neither a tag nor a digest`);
    }
    const access = this.pullAccess(repository);
    const purpose = `${repository}:${reference}`;
    const url = `${this.address.baseUrl}/v2/${apiRepository(this.address, repository)}/manifests/${reference}`;
    const accept = { Accept: MANIFEST_TYPES.join(', ') };
    const head = await this.request(url, 'HEAD', accept, access);
    await head.discard();
    if (head.status === 404) {
      return undefined;
    }
    if (!head.response.ok) {
      throw this.statusError(head, access, purpose);
    }
    return head.headers.get('docker-content-digest') ?? (await this.digestOfBody(url, accept, access, purpose));
  }

  /** Some registries leave Docker-Content-Digest off HEAD answers; the digest is the SHA-256 of the bytes served. */
  private async digestOfBody(
    url: string,
    accept: Record<string, string>,
    access: AccessRequest,
    purpose: string,
  ): Promise<string | undefined> {
    const answer = await this.request(url, 'GET', accept, access);
    if (answer.status === 404) {
      await answer.discard();
      return undefined;
    }
    if (!answer.response.ok) {
      throw this.statusError(answer, access, purpose);
    }
    const body = await answer.bytes();
    return answer.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
  }

  private pullAccess(repository: string): AccessRequest {
    if (!REPOSITORY.test(repository)) {
      throw this.http.error(
        'invalid',
        `"${repository}" is not a valid repository name: use lowercase letters and digits, separated by . _ - or /`,
      );
    }
    return { scope: `repository:${apiRepository(this.address, repository)}:pull`, repository };
  }

  /**
   * Sends with what we know about sign-in; answers one 401 challenge and waits out one 429. Every status comes
   * back as an answer: what a failure means depends on the request (`statusError`).
   */
  private async request(url: string, method: 'GET' | 'HEAD', headers: Record<string, string>, access: AccessRequest): Promise<HttpAnswer> {
    let authorization = this.auth.authorization(access);
    let answeredChallenge = false;
    let waitedForRateLimit = false;
    for (;;) {
      const answer = await this.http.send({
        url,
        method,
        headers: { ...headers, ...(authorization ? { Authorization: authorization } : {}) },
        accept: () => true,
      });
      if (answer.status === 401 && !answeredChallenge) {
        answeredChallenge = true;
        await answer.discard();
        authorization = await this.auth.answer(answer.headers.get('www-authenticate'), access);
        continue;
      }
      const wait = answer.status === 429 && !waitedForRateLimit ? (retryAfterMs(answer.headers) ?? DEFAULT_RETRY_AFTER_MS) : undefined;
      if (wait !== undefined && wait <= MAX_RETRY_AFTER_MS) {
        waitedForRateLimit = true;
        await answer.discard();
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      return answer;
    }
  }

  private statusError(answer: HttpAnswer, access: AccessRequest, purpose: string): ServiceError {
    void answer.discard();
    const { display } = this.address;
    const status = answer.status;
    if (status === 401) {
      const insufficientScope = parseWwwAuthenticate(answer.headers.get('www-authenticate')).some(
        (c) => c.params.error === 'insufficient_scope',
      );
      return insufficientScope && this.auth.hasCredentials
        ? forbidden(this.address, access, 401)
        : unauthorized(this.address, access, this.auth.hasCredentials);
    }
    if (status === 403) {
      return forbidden(this.address, access, 403);
    }
    if (status === 404) {
      const message = access.repository
        ? `${display} has no ${purpose} (404): check the repository name, or push an image first`
        : `${display} does not serve the registry API at /v2/ (404): check the address`;
      return this.http.error('not-found', message, { status: 404 });
    }
    if (status === 429) {
      const wait = retryAfterMs(answer.headers);
      return this.http.error(
        'rate-limited',
        `${display} is rate-limiting requests (429): try again ${wait !== undefined ? `in ${formatSeconds(wait)}` : 'later'}`,
        { status: 429, retryAfterMs: wait },
      );
    }
    const statusText = answer.response.statusText ? ` ${answer.response.statusText}` : '';
    return this.http.error('server', `${display} failed with ${status}${statusText} while reading ${purpose}`, { status });
  }

  private readTags(body: unknown, purpose: string): string[] {
    const tags = isRecord(body) ? body.tags : undefined;
    // A repository whose tags were all deleted answers `"tags": null`.
    if (tags === null) {
      return [];
    }
    if (!Array.isArray(tags) || !tags.every((tag): tag is string => typeof tag === 'string')) {
      throw this.http.error('malformed', `${this.address.display} sent the ${purpose} without a list of tags`);
    }
    return tags;
  }
}
