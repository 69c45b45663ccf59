// GitHub's REST and GraphQL API as the board and CI use it, on the one HTTP client: the token as a bearer token,
// GitHub's media type and API version, conditional requests (ETag / If-None-Match: a 304 costs no rate limit),
// the rate-limit budget, Link pages on the API's own origin only, and every failure in GitHub's words (sign in,
// SAML single sign-on, the permission the token lacks, rate limits with the wait, a GitHub Enterprise Server
// URL that is not the API's). Messages never carry the token.
import { readShape } from '../answerShape';
import type { ServiceError, ServiceErrorKind, ServiceErrorOptions } from '../errors';
import type { ErrorAnswer, HttpAnswer, NetworkFailure } from '../http/httpClient';
import { capitalize, HttpClient } from '../http/httpClient';
import { formatSeconds, formatWait, nextLink, retryAfterMs, sameOrigin } from '../http/headers';
import { networkReason } from '../networkReason';
import { isRecord } from '../records';

export const GITHUB_API_URL = 'https://api.github.com';
const API_VERSION = '2022-11-28';
const DEFAULT_USER_AGENT = 'conveyor-vscode';
/** GitHub's advice when a rate-limited answer says neither `retry-after` nor `x-ratelimit-reset`. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/** What a call is about, for messages: "`subject` not found…", "GitHub could not `action`…". */
export interface GitHubPurpose {
  /** "list the issues of octo/repo", worded to follow "could not". */
  action: string;
  /** "Repository octo/repo", "Issue #42", for a not-found message. */
  subject: string;
  /** What the token lacks when GitHub answers 403, e.g. "Issues read and write access to octo/repo". */
  need?: string;
}

/** Rate-limit budget as GitHub reports it; `resetAt` is epoch ms. */
export interface RateBudget {
  limit: number;
  remaining: number;
  resetAt: number;
}

export interface GitHubHttpOptions {
  /** The REST API root: `https://api.github.com` (default), or GitHub Enterprise Server's `https://HOST/api/v3`. */
  baseUrl?: string;
  token?: string;
  /** For tests and proxies; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Per request, including reading its body. */
  timeoutMs?: number;
  userAgent?: string;
  /** What the token needs when a purpose does not say (see GitHubPurpose.need). */
  need: string;
  /**
   * The kind of a request GitHub refuses in its own words (400, 409, 422): `invalid` on a board (a change it did
   * not accept), `unsupported` in CI (a finished run cannot be cancelled, a workflow without a dispatch trigger
   * cannot be started).
   */
  refusal?: 'invalid' | 'unsupported';
  /** Epoch ms, for the wait until a rate limit resets. */
  now?: () => number;
}

export interface GitHubRequest {
  /** Sent as JSON. */
  body?: unknown;
  /** The ETag of the previous answer: GitHub answers 304 when nothing changed. */
  etag?: string;
  signal?: AbortSignal;
  /** Statuses that are answers, not failures (404 for "already gone"). */
  accept?: number[];
  redirect?: RequestRedirect;
}

export class GitHubHttp {
  readonly baseUrl: string;
  readonly token: string | undefined;
  /** GitHub as messages name it: "GitHub at api.github.com". */
  readonly peer: string;
  private readonly client: HttpClient;
  private readonly need: string;
  private readonly refusal: 'invalid' | 'unsupported';
  private readonly now: () => number;
  private budget: RateBudget | undefined;

  constructor(private readonly options: GitHubHttpOptions) {
    this.baseUrl = (options.baseUrl || GITHUB_API_URL).replace(/\/+$/, '');
    this.token = options.token?.trim() || undefined;
    this.peer = `GitHub at ${hostOf(this.baseUrl)}`;
    this.need = options.need;
    this.refusal = options.refusal ?? 'invalid';
    this.now = options.now ?? Date.now;
    this.client = new HttpClient({
      service: 'GitHub',
      baseUrl: this.baseUrl,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      secrets: () => [this.token],
      headers: {
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': API_VERSION,
        'User-Agent': options.userAgent ?? DEFAULT_USER_AGENT,
      },
      authorization: () => (this.token ? `Bearer ${this.token}` : undefined),
      describeNetwork: (failure) => this.networkError(failure, this.peer),
    });
  }

  /** GitHub's GraphQL endpoint beside the REST root: `https://api.github.com/graphql`, `https://host/api/graphql` on GHES. */
  get graphqlUrl(): string {
    return `${this.baseUrl.replace(/\/v3$/, '')}/graphql`;
  }

  /** One request on a path under the API root (or a whole API URL); error statuses but `accept`ed ones become ServiceErrors. */
  async send(method: string, url: string, purpose: GitHubPurpose, request: GitHubRequest = {}): Promise<HttpAnswer> {
    const answer = await this.client.send({
      method,
      url,
      body: request.body,
      headers: request.etag ? { 'If-None-Match': request.etag } : undefined,
      signal: request.signal,
      accept: request.accept,
      redirect: request.redirect,
      purpose: purpose.action,
      describeStatus: (failed) => {
        this.noteBudget(failed.headers);
        return this.statusError(failed, purpose);
      },
    });
    this.noteBudget(answer.headers);
    return answer;
  }

  /** A REST call's JSON answer; with `tolerate404`, a 404 answers undefined. */
  async request(
    method: string,
    path: string,
    purpose: GitHubPurpose,
    body?: unknown,
    options: { tolerate404?: boolean; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const answer = await this.send(method, path, purpose, {
      body,
      signal: options.signal,
      accept: options.tolerate404 ? [404] : undefined,
    });
    if (answer.status === 404) {
      await answer.discard();
      return undefined;
    }
    return this.json(answer, purpose);
  }

  async json(answer: HttpAnswer, purpose: GitHubPurpose): Promise<unknown> {
    const text = await answer.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // A GitHub Enterprise URL without /api/v3 answers with the web UI's HTML.
      throw this.error(
        'malformed',
        `${this.peer} answered the request to ${purpose.action} with something that is not JSON: check the GitHub API URL (${this.baseUrl})`,
        { status: answer.status },
      );
    }
  }

  /** Runs a reader of GitHub's JSON: an `unexpectedShape` from it becomes a malformed error naming the request. */
  shaped<T>(purpose: GitHubPurpose, read: () => T): T {
    return readShape(read, (what) => this.unexpected(purpose, what));
  }

  /** An answer that is JSON but lacks `what` GitHub's API documents. */
  unexpected(purpose: GitHubPurpose, what: string): ServiceError {
    return this.error('malformed', `${this.peer} answered the request to ${purpose.action} in an unexpected shape (${what})`);
  }

  /** The `rel="next"` page of a `Link` header; only on the API's own origin, so the token never goes elsewhere. */
  nextPage(link: string | null, purpose: GitHubPurpose): string | undefined {
    const next = nextLink(link, this.baseUrl);
    if (!next) return undefined;
    if (!sameOrigin(next, this.baseUrl)) {
      throw this.error(
        'malformed',
        `${this.peer} answered the request to ${purpose.action} with a next page on another host (${hostOf(next)}): check the GitHub API URL (${this.baseUrl})`,
      );
    }
    return next;
  }

  /**
   * A GET of a short-lived signed URL GitHub redirected to (a job log on blob storage): without the token, which
   * stays with GitHub. `peer` names that host in messages; `describeStatus` words its refusals.
   */
  async download(url: string, peer: string, describeStatus: (answer: ErrorAnswer) => ServiceError): Promise<HttpAnswer> {
    const storage = new HttpClient({
      service: 'GitHub',
      fetch: this.options.fetch,
      timeoutMs: this.options.timeoutMs,
      secrets: () => [this.token],
      headers: { 'User-Agent': this.options.userAgent ?? DEFAULT_USER_AGENT },
      describeNetwork: (failure) => this.networkError(failure, peer),
    });
    return storage.send({ url, describeStatus });
  }

  /** From the last answer that carried `x-ratelimit-*` headers. */
  rateBudget(): RateBudget | undefined {
    return this.budget && { ...this.budget };
  }

  /** A used-up budget (primary limit) or a request to slow down (secondary limit), with the wait. */
  rateLimited(headers: Headers): ServiceError {
    const wait = this.rateLimitWait(headers);
    const options: ServiceErrorOptions = { retryAfterMs: wait };
    if (headers.get('x-ratelimit-remaining') !== '0') {
      return this.error(
        'rate-limited',
        `GitHub asks Conveyor to slow down (secondary rate limit): try again in ${formatWait(wait)}`,
        options,
      );
    }
    const limit = headers.get('x-ratelimit-limit');
    const signIn = this.token ? '' : ', or sign in for a higher limit';
    return this.error(
      'rate-limited',
      `GitHub's API rate limit${limit ? ` of ${limit} requests an hour` : ''} is used up: try again in ${formatWait(wait)}${signIn}`,
      options,
    );
  }

  /** Every message passes here, so a token echoed in GitHub's words never reaches a view or a log. */
  error(kind: ServiceErrorKind, message: string, options: ServiceErrorOptions = {}): ServiceError {
    return this.client.error(kind, message, options);
  }

  private statusError(answer: ErrorAnswer, purpose: GitHubPurpose): ServiceError {
    const { status, headers } = answer;
    const message = githubMessage(answer.body);
    const options: ServiceErrorOptions = { status };
    if (status === 401) {
      return this.error(
        'unauthorized',
        this.token ? 'GitHub rejected the token: sign in again' : `GitHub needs a sign-in to ${purpose.action}: sign in`,
        options,
      );
    }
    if (status === 429 || (status === 403 && isRateLimited(headers, message))) return this.rateLimited(headers);
    if (status === 403 && isSso(headers, message)) return this.error('forbidden', ssoMessage(headers), options);
    if (status === 403) {
      return this.error(
        'forbidden',
        `GitHub refused to ${purpose.action}${message ? ` ("${message}")` : ''}: the token needs ${purpose.need ?? this.need}`,
        options,
      );
    }
    if (status === 404 || status === 410) {
      const hint = this.token ? '' : '; sign in to see private repositories';
      return this.error(
        'not-found',
        `${purpose.subject} not found, or the token cannot see it (GitHub answers 404 for private repositories it hides)${hint}`,
        options,
      );
    }
    if (status >= 500)
      return this.error(
        'server',
        `GitHub could not ${purpose.action} (${status}${message ? `: ${message}` : ''}): try again in a moment`,
        options,
      );
    // 400, 409 (cancelling a finished run), 422 (a workflow without workflow_dispatch, an unknown ref): GitHub's words say it.
    return this.error(this.refusal, `GitHub could not ${purpose.action}: ${message || `it answered ${status}`}`, options);
  }

  private networkError(failure: NetworkFailure, peer: string): string {
    if (failure.kind === 'timeout') {
      return `${capitalize(peer)} did not answer within ${formatSeconds(failure.timeoutMs)}: check the network, or the GitHub API URL`;
    }
    return `Cannot reach ${peer}: ${networkReason(failure.error)}`;
  }

  /** `Retry-After`, else until `X-RateLimit-Reset` (epoch seconds), else GitHub's advice of a minute. */
  private rateLimitWait(headers: Headers): number {
    const now = this.now();
    const retryAfter = retryAfterMs(headers, now);
    if (retryAfter !== undefined) return retryAfter;
    const reset = integerHeader(headers, 'x-ratelimit-reset');
    return reset === undefined ? DEFAULT_RATE_LIMIT_WAIT_MS : Math.max(0, reset * 1000 - now);
  }

  private noteBudget(headers: Headers): void {
    const limit = integerHeader(headers, 'x-ratelimit-limit');
    const remaining = integerHeader(headers, 'x-ratelimit-remaining');
    const reset = integerHeader(headers, 'x-ratelimit-reset');
    if (limit !== undefined && remaining !== undefined && reset !== undefined) this.budget = { limit, remaining, resetAt: reset * 1000 };
  }
}

// --- GitHub's error answers. ---

/** The `message` of a REST error body, or the first GraphQL error's (GitHub's GraphQL answers 400 with `errors`). */
function githubMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (!isRecord(body)) return '';
    if (typeof body.message === 'string') return body.message.trim();
    const first: unknown = Array.isArray(body.errors) ? body.errors[0] : undefined;
    return isRecord(first) && typeof first.message === 'string' ? first.message.trim() : '';
  } catch {
    return '';
  }
}

/** Primary limit (`x-ratelimit-remaining: 0`), or a secondary one (`retry-after`, or GitHub's words). */
function isRateLimited(headers: Headers, message: string): boolean {
  return headers.get('x-ratelimit-remaining') === '0' || headers.has('retry-after') || /rate limit/i.test(message);
}

function isSso(headers: Headers, message: string): boolean {
  return /^required\b/i.test(headers.get('x-github-sso') ?? '') || /SAML/i.test(message);
}

function ssoMessage(headers: Headers): string {
  const url = /\burl=([^\s;,]+)/.exec(headers.get('x-github-sso') ?? '')?.[1];
  const where = url ? `at ${url}` : 'in GitHub (Settings → Developer settings → tokens → Configure SSO)';
  return `Resource protected by organization SAML enforcement: authorize the token for the organization ${where}`;
}

function integerHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
