// Answers a registry's 401 the way Docker does (distribution's token authentication spec): Basic with the
// stored credentials, or a Bearer token from the realm the challenge names, fetched with those credentials
// (or anonymously) and cached per scope until it expires.
import { ServiceError } from '../../core/errors';
import type { HttpAnswer, HttpClient, HttpRequest } from '../../core/http/httpClient';
import { isRecord } from '../../core/records';
import { registryService } from './registryAddress';
import type { RegistryAddress } from './registryAddress';
import type { RegistryCredentials } from './credentials';
import { parseWwwAuthenticate } from './wwwAuthenticate';
import type { AuthChallenge } from './wwwAuthenticate';

/** What a request needs access to, for the token's scope and for messages. */
export interface AccessRequest {
  /** `repository:shop-api:pull`; empty for the API root. */
  scope: string;
  /** The repository as the user wrote it; undefined for the API root. */
  repository?: string;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

/** The spec's default when the token service does not say. */
const DEFAULT_TOKEN_LIFETIME_S = 60;
/** Renew a little early, so a token does not expire between our check and the registry's. */
const EXPIRY_MARGIN_MS = 5_000;
const CLIENT_ID = 'conveyor';

export class RegistryAuth {
  private basicAsked = false;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly address: RegistryAddress,
    private readonly credentials: RegistryCredentials | undefined,
    /** A client for the named service, sending as the registry's own does. */
    private readonly transport: (service: string) => HttpClient,
  ) {}

  get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** The Authorization header to send up front: a cached token, or Basic once the registry asked for it. */
  authorization(access: AccessRequest): string | undefined {
    const cached = this.tokens.get(access.scope);
    if (cached && cached.expiresAt > Date.now()) {
      return cached.header;
    }
    return this.basicAsked ? this.basicHeader() : undefined;
  }

  /** The Authorization header that answers a 401's challenge; throws when there is none to give. */
  async answer(wwwAuthenticate: string | null, access: AccessRequest): Promise<string> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      return this.bearer(bearer, access);
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      const header = this.basicHeader();
      if (!header) {
        throw unauthorized(this.address, access, false);
      }
      this.basicAsked = true;
      return header;
    }
    const schemes = challenges.map((c) => c.scheme).join(', ') || 'none given';
    throw new ServiceError(
      registryService(this.address),
      'unsupported',
      `${this.address.display} asks for a kind of sign-in Conveyor does not support (${schemes}) (401)`,
      { status: 401 },
    );
  }

  private basicHeader(): string | undefined {
    const { username, password } = this.credentials ?? {};
    return username !== undefined && password !== undefined
      ? `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
      : undefined;
  }

  private async bearer(challenge: AuthChallenge, access: AccessRequest): Promise<string> {
    const realm = parseRealm(challenge, this.address);
    // The challenge's scope is what the registry wants; it may be wider than ours (e.g. pull,push).
    const scope = challenge.params.scope ?? access.scope;
    const peer = `the token service of ${this.address.display} (${realm.origin})`;
    // tokenRequest adds the query to `realm`, so it runs before realm.href is read.
    const request = this.tokenRequest(realm, challenge.params.service, scope);
    const answer = await this.transport(peer).send({ url: realm.href, ...request, accept: () => true });
    if (!answer.response.ok) {
      await answer.discard();
      throw tokenServiceError(answer, this.address, access, this.hasCredentials, peer);
    }
    const token = readToken(await answer.json('a token answer'), peer);
    this.tokens.set(access.scope, { header: `Bearer ${token.value}`, expiresAt: Date.now() + token.lifetimeS * 1000 - EXPIRY_MARGIN_MS });
    return `Bearer ${token.value}`;
  }

  /** GET with Basic credentials (or none), or the OAuth2 refresh-token POST when Docker stored an identity token. */
  private tokenRequest(realm: URL, service: string | undefined, scope: string): Pick<HttpRequest, 'method' | 'headers' | 'body'> {
    const identityToken = this.credentials?.identityToken;
    if (identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: identityToken, client_id: CLIENT_ID });
      if (service) form.set('service', service);
      if (scope) form.set('scope', scope);
      return { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() };
    }
    if (service) realm.searchParams.set('service', service);
    for (const one of scope ? scope.split(' ') : []) realm.searchParams.append('scope', one);
    const basic = this.basicHeader();
    if (basic && this.credentials?.username) realm.searchParams.set('account', this.credentials.username);
    return { method: 'GET', headers: basic ? { Authorization: basic } : {} };
  }
}

function parseRealm(challenge: AuthChallenge, address: RegistryAddress): URL {
  try {
    const realm = new URL(challenge.params.realm ?? '');
    if (realm.protocol === 'https:' || realm.protocol === 'http:') {
      return realm;
    }
  } catch {
    // Reported below.
  }
  throw new ServiceError(
    registryService(address),
    'malformed',
    `${address.display} asks for a token but names no usable token service (realm)`,
    { status: 401 },
  );
}

function readToken(body: unknown, peer: string): { value: string; lifetimeS: number } {
  const answer = isRecord(body) ? body : {};
  const value = typeof answer.token === 'string' && answer.token ? answer.token : answer.access_token;
  if (typeof value !== 'string' || value === '') {
    throw new ServiceError(peer, 'malformed', `${peer} answered without a token`);
  }
  const lifetimeS = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : DEFAULT_TOKEN_LIFETIME_S;
  return { value, lifetimeS };
}

function tokenServiceError(
  answer: HttpAnswer,
  address: RegistryAddress,
  access: AccessRequest,
  hasCredentials: boolean,
  peer: string,
): ServiceError {
  const { status, statusText } = answer.response;
  if (status === 401) return unauthorized(address, access, hasCredentials);
  if (status === 403) return forbidden(address, access, 403);
  if (status === 429)
    return new ServiceError(peer, 'rate-limited', `${address.display} is rate-limiting sign-ins (429): try again later`, { status: 429 });
  return new ServiceError(peer, 'server', `${peer} failed with ${status}${statusText ? ` ${statusText}` : ''}`, { status });
}

/** What the repository is called in messages. */
function what(access: AccessRequest): string {
  return access.repository ?? 'its API';
}

export function unauthorized(address: RegistryAddress, access: AccessRequest, hasCredentials: boolean): ServiceError {
  const message = hasCredentials
    ? `${address.display} refused the credentials for ${what(access)} (401): check the user and password in your Docker config or sign in again`
    : `${address.display} requires sign-in to read ${what(access)} (401): run \`docker login ${address.display}\` or check the repository name`;
  return new ServiceError(registryService(address), 'unauthorized', message, { status: 401 });
}

/** 403, or a 401 whose challenge says the (accepted) account lacks the scope. */
export function forbidden(address: RegistryAddress, access: AccessRequest, status: number): ServiceError {
  return new ServiceError(
    registryService(address),
    'forbidden',
    `${address.display} denied access to ${what(access)} (${status}): the account may not pull it; check the repository name and the account's permissions`,
    { status },
  );
}
