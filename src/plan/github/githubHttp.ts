// GitHub's HTTP API as the boards use it: one request with a timeout, and every failure (status, rate limit,
// SAML SSO, network, timeout, non-JSON) turned into a BoardError the view can act on, with the token scrubbed.
// Shared by the Issues board (REST) and the Projects v2 board (GraphQL plus REST). Plain Node (fetch).
import type { Assignee } from '../workItem';
import { BoardError } from '../workItem';
import { messageOf } from '../../core/errors';
import { isRecord } from '../../core/records';

export const DEFAULT_TIMEOUT_MS = 15_000;
const API_VERSION = '2022-11-28';

export interface GitHubPurpose {
  /** "list the octo/repo issues", worded to follow "could not". */
  action: string;
  /** "Repository octo/repo", "Issue #42", for a not-found message. */
  subject: string;
  /** What the token lacks when GitHub answers 403, e.g. "Issues read and write access to octo/repo". */
  need?: string;
}

export interface GitHubHttpOptions {
  /** The REST API root; `https://api.github.com` unless GitHub Enterprise Server (`https://host/api/v3`). */
  baseUrl?: string;
  token?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** `owner/repo`, named in SAML SSO messages. */
  slug: string;
  /** What the token needs when a purpose does not say (see GitHubPurpose.need). */
  need: string;
}

export interface GitHubCallOptions {
  etag?: string;
  body?: unknown;
  signal?: AbortSignal;
  tolerate404?: boolean;
}

export class GitHubHttp {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly slug: string;
  private readonly need: string;

  constructor(options: GitHubHttpOptions) {
    this.baseUrl = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.token = options.token?.trim() || undefined;
    this.slug = options.slug;
    this.need = options.need;
  }

  /** GitHub's GraphQL endpoint beside the REST root: `https://api.github.com/graphql`, `https://host/api/graphql` on GHES. */
  get graphqlUrl(): string {
    return `${this.baseUrl.replace(/\/v3$/, '')}/graphql`;
  }

  /** A REST call on `path` under the root, its JSON answer; a tolerated 404 answers undefined. */
  async request(method: string, path: string, purpose: GitHubPurpose, body?: unknown, options: { tolerate404?: boolean; signal?: AbortSignal } = {}): Promise<unknown> {
    const response = await this.call(method, `${this.baseUrl}${path}`, purpose, { body, tolerate404: options.tolerate404, signal: options.signal });
    if (response.status === 404) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    return this.json(response, purpose);
  }

  /** One request; answers of 400 and above (but a tolerated 404) become BoardErrors. */
  async call(method: string, url: string, purpose: GitHubPurpose, options: GitHubCallOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': API_VERSION, 'User-Agent': 'conveyor-vscode' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (options.etag) headers['If-None-Match'] = options.etag;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let response: Response;
    try {
      response = await this.fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal });
    } catch (error) {
      throw this.networkError(error, options.signal);
    }
    if (response.status === 404 && options.tolerate404) return response;
    if (response.status >= 400) throw await this.statusError(response, purpose);
    return response;
  }

  async json(response: Response, purpose: GitHubPurpose): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.networkError(error, undefined);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // A GitHub Enterprise URL without /api/v3 answers with the web UI's HTML.
      throw this.error('malformed', `GitHub answered the request to ${purpose.action} with something that is not JSON: check the GitHub API URL (${this.baseUrl})`);
    }
  }

  /** The `rel="next"` page of a `Link` header; only on the API's own host, so the token never goes elsewhere. */
  nextPage(link: string | null, purpose: GitHubPurpose): string | undefined {
    const next = link?.split(',').map((part) => /<([^>]+)>\s*;.*\brel="?next"?/.exec(part)?.[1]).find(Boolean);
    if (!next) return undefined;
    const url = new URL(next, this.baseUrl);
    if (url.origin !== new URL(this.baseUrl).origin) {
      throw this.error('malformed', `GitHub answered the request to ${purpose.action} with a next page on another host (${url.host}): check the GitHub API URL (${this.baseUrl})`);
    }
    return url.toString();
  }

  rateLimited(headers: Headers): BoardError {
    const retryAfterMs = rateLimitWait(headers);
    const wait = retryAfterMs === undefined ? 'try again later' : `try again in ${formatWait(retryAfterMs)}`;
    if (headers.get('x-ratelimit-remaining') !== '0') {
      return this.error('rate-limited', `GitHub asks Conveyor to slow down (secondary rate limit): ${wait}`, retryAfterMs);
    }
    const limit = headers.get('x-ratelimit-limit');
    const signIn = this.token ? '' : ', or sign in for a higher limit';
    return this.error('rate-limited', `GitHub's API rate limit${limit ? ` of ${limit} requests an hour` : ''} is used up: ${wait}${signIn}`, retryAfterMs);
  }

  networkError(error: unknown, signal: AbortSignal | undefined): Error {
    // The caller cancelled: that is not a failure to show.
    if (signal?.aborted) return error instanceof Error ? error : new Error(String(error));
    if (error instanceof BoardError) return error;
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return this.error('timeout', `GitHub (${hostOf(this.baseUrl)}) did not answer within ${Math.round(this.timeoutMs / 100) / 10} s: check the network, or the GitHub API URL`);
    }
    return this.error('unreachable', `Cannot reach GitHub at ${hostOf(this.baseUrl)}: ${networkReason(error)}`);
  }

  /** Every message passes here, so a token echoed in GitHub's words never reaches the view or the log. */
  error(kind: BoardError['kind'], message: string, retryAfterMs?: number): BoardError {
    const safe = this.token ? message.split(this.token).join('***') : message;
    return new BoardError(safe, kind, retryAfterMs);
  }

  private async statusError(response: Response, purpose: GitHubPurpose): Promise<BoardError> {
    const { status, headers } = response;
    const message = githubMessage(await response.text().catch(() => ''));
    if (status === 401) {
      return this.error('unauthorized', this.token ? 'GitHub rejected the token: sign in again' : `GitHub needs a sign-in to ${purpose.action}: sign in`);
    }
    if (status === 429 || (status === 403 && isRateLimited(headers, message))) return this.rateLimited(headers);
    const sso = headers.get('x-github-sso');
    if (status === 403 && (sso || /SAML/i.test(message))) {
      const url = /url=(\S+)/.exec(sso ?? '')?.[1]?.replace(/[;,]$/, '');
      return this.error('forbidden', `The organization of ${this.slug} uses SAML single sign-on: authorize the token for it${url ? ` at ${url}` : ' in your GitHub token settings'}, then try again`);
    }
    if (status === 403) {
      return this.error('forbidden', `GitHub refused to ${purpose.action}${message ? ` ("${message}")` : ''}: the token needs ${purpose.need ?? this.need}`);
    }
    if (status === 404 || status === 410) {
      const hint = this.token ? '' : '; sign in to see private repositories';
      return this.error('not-found', `${purpose.subject} not found, or the token cannot see it (GitHub answers 404 for private repositories it hides)${hint}`);
    }
    if (status >= 500) return this.error('server', `GitHub could not ${purpose.action} (${status}${message ? `: ${message}` : ''}): try again in a moment`);
    return this.error('invalid', `GitHub could not ${purpose.action}: ${message || `it answered ${status}`}`);
  }
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

// --- GitHub's error answers. ---

/** The `message` of a REST error body, or the first GraphQL error's (GitHub's GraphQL answers 400 with `errors`). */
function githubMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (!isRecord(body)) return '';
    if (typeof body.message === 'string') return body.message;
    const first: unknown = Array.isArray(body.errors) ? body.errors[0] : undefined;
    return isRecord(first) && typeof first.message === 'string' ? first.message : '';
  } catch {
    return '';
  }
}

function isRateLimited(headers: Headers, message: string): boolean {
  return headers.get('x-ratelimit-remaining') === '0' || headers.has('retry-after') || /rate limit/i.test(message);
}

/** How long to wait: `Retry-After` (seconds), else until `X-RateLimit-Reset` (epoch seconds), else a minute for a secondary limit. */
function rateLimitWait(headers: Headers): number | undefined {
  const retryAfter = Number(headers.get('retry-after') ?? NaN);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.round(retryAfter * 1000);
  const reset = Number(headers.get('x-ratelimit-reset') ?? NaN);
  if (headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - Date.now());
  return headers.get('x-ratelimit-remaining') === '0' ? undefined : 60_000;
}

function formatWait(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 90) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} min`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error && isRecord(error.cause) ? error.cause : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve (check the GitHub API URL or the network)';
  if (code === 'ECONNREFUSED') return 'the connection was refused (check the GitHub API URL)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was reset';
  if (code?.startsWith('CERT_') || code?.includes('CERT')) return `the TLS certificate was not accepted (${code})`;
  return messageOf(error);
}

/** Who can be assigned issues in a repository (`GET /repos/{owner}/{repo}/assignees`, the first 100). */
export async function repositoryAssignees(http: GitHubHttp, repoPath: string, purpose: GitHubPurpose): Promise<Assignee[]> {
  const answer = await http.request('GET', `${repoPath}/assignees?per_page=100`, purpose);
  if (!Array.isArray(answer)) throw http.error('malformed', `GitHub answered the request to ${purpose.action} in an unexpected shape (not a list of users)`);
  return answer
    .map((user) => (isRecord(user) ? optionalString(user.login) : undefined))
    .filter((login): login is string => login !== undefined)
    .map((login) => ({ id: login, name: login }));
}
