// GET requests to Sentry's REST API (sentry.io or self-hosted) with a Bearer token. Plain Node (global fetch):
// the Errors view, diagnostics and the CLI share it. It keeps to Sentry's rate-limit headers, and every failure
// becomes a SentryApiError whose message says what the user can do next and never carries the token.
import { networkReason } from '../../../core/networkReason';

export type SentryApiErrorKind = 'auth' | 'forbidden' | 'not-found' | 'rate-limited' | 'server' | 'timeout' | 'network' | 'malformed';

export class SentryApiError extends Error {
  override readonly name = 'SentryApiError';

  constructor(
    message: string,
    readonly kind: SentryApiErrorKind,
    /** The HTTP status, when Sentry answered. */
    readonly status?: number,
    /** Epoch ms after which a rate-limited request may be tried again. */
    readonly retryAt?: number,
  ) {
    super(message);
  }
}

/** Sentry's per-endpoint budget, from the `X-Sentry-Rate-Limit-*` headers of the last answer. */
export interface SentryRateLimit {
  limit?: number;
  remaining?: number;
  /** Epoch ms when the budget refills (Sentry sends epoch seconds). */
  resetAt?: number;
}

export interface SentryHttpOptions {
  baseUrl: string;
  token: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** The longest Conveyor waits for a rate limit before giving up with a 'rate-limited' error. */
  maxRateLimitWaitMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
}

/** What a request is for, in the words of an error message. */
export interface Purpose {
  /** "list the issues of acme", "read the latest event of issue 42". */
  action: string;
  /** Who is missing when Sentry answers 404: `organization "acme" or project "shop"`. */
  subject: string;
  /** Rate limits are per endpoint: the budget of one says nothing about another. */
  endpoint: string;
}

export interface SentryAnswer {
  body: unknown;
  headers: Headers;
}

export class SentryHttp {
  private readonly budgets = new Map<string, SentryRateLimit>();

  constructor(private readonly options: SentryHttpOptions) {}

  rateLimit(endpoint: string): SentryRateLimit | undefined {
    return this.budgets.get(endpoint);
  }

  /** GET `path` (starting `/api/0/`) and parse its JSON; waits out a rate limit once, within the bound. */
  async get(path: string, query: URLSearchParams, purpose: Purpose, signal?: AbortSignal): Promise<SentryAnswer> {
    await this.waitForBudget(purpose, signal);
    let response = await this.send(path, query, purpose, signal);
    if (response.status === 429) {
      // One retry: a second 429 means the limit is tighter than the headers said, and looping would hammer it.
      await this.waitOrGiveUp(this.retryAt(response.headers), purpose, signal);
      response = await this.send(path, query, purpose, signal);
    }
    if (response.status >= 300) throw this.statusError(response, purpose);
    return { body: this.parse(response, purpose), headers: response.headers };
  }

  /** An answer that is JSON but not in the shape Sentry documents. */
  malformed(purpose: Purpose, detail: string): SentryApiError {
    return this.error('malformed', `Sentry answered the request to ${purpose.action} in an unexpected shape (${detail}): check the Sentry URL (${this.options.baseUrl})`);
  }

  private async send(path: string, query: URLSearchParams, purpose: Purpose, signal?: AbortSignal): Promise<{ status: number; headers: Headers; text: string }> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const search = query.size > 0 ? `?${query.toString()}` : '';
    try {
      const response = await this.options.fetch(`${this.options.baseUrl}${path}${search}`, {
        headers: { Accept: 'application/json', Authorization: `Bearer ${this.options.token}`, 'User-Agent': 'conveyor-vscode' },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        // A redirect would mean a wrong URL (or a sign-in page); following it could hand the token to another host.
        redirect: 'manual',
      });
      // The timeout covers reading the body too: a server that sends headers and then stalls is as stuck.
      const text = await response.text();
      this.remember(purpose.endpoint, response.headers);
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw this.networkError(error, timeout.aborted);
    }
  }

  private remember(endpoint: string, headers: Headers): void {
    const limit = headerNumber(headers, 'x-sentry-rate-limit-limit');
    const remaining = headerNumber(headers, 'x-sentry-rate-limit-remaining');
    const reset = headerNumber(headers, 'x-sentry-rate-limit-reset');
    if (limit === undefined && remaining === undefined && reset === undefined) return;
    this.budgets.set(endpoint, { limit, remaining, resetAt: reset === undefined ? undefined : reset * 1000 });
  }

  /** When the last answer said the budget is spent, wait for it to refill instead of earning a 429. */
  private async waitForBudget(purpose: Purpose, signal?: AbortSignal): Promise<void> {
    const budget = this.budgets.get(purpose.endpoint);
    if (budget?.remaining !== 0 || budget.resetAt === undefined || budget.resetAt <= this.options.now()) return;
    await this.waitOrGiveUp(budget.resetAt, purpose, signal);
    this.budgets.delete(purpose.endpoint);
  }

  private async waitOrGiveUp(retryAt: number, purpose: Purpose, signal?: AbortSignal): Promise<void> {
    const waitMs = Math.max(0, retryAt - this.options.now());
    if (waitMs > this.options.maxRateLimitWaitMs) throw this.rateLimited(purpose, retryAt);
    await this.options.sleep(waitMs, signal);
  }

  /** Sentry's `Retry-After` (seconds), else the budget's reset, else a minute (the usual window). */
  private retryAt(headers: Headers): number {
    const now = this.options.now();
    const retryAfter = headerNumber(headers, 'retry-after');
    if (retryAfter !== undefined && retryAfter >= 0) return now + retryAfter * 1000;
    const reset = headerNumber(headers, 'x-sentry-rate-limit-reset');
    if (reset !== undefined) return Math.max(now, reset * 1000);
    return now + 60_000;
  }

  private rateLimited(purpose: Purpose, retryAt: number): SentryApiError {
    const seconds = Math.max(1, Math.ceil((retryAt - this.options.now()) / 1000));
    const when = seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
    return this.error('rate-limited', `Sentry's rate limit for this token is used up, so Conveyor cannot ${purpose.action} now: try again in ${when}`, 429, retryAt);
  }

  private parse(response: { status: number; headers: Headers; text: string }, purpose: Purpose): unknown {
    const type = response.headers.get('content-type') ?? '';
    if (/html/i.test(type) || /^\s*</.test(response.text)) {
      // A URL that is not a Sentry API (a proxy's sign-in page, the web app) answers with a web page.
      throw this.error('malformed', `${this.options.baseUrl} answered the request to ${purpose.action} with a web page instead of Sentry's JSON: check the Sentry URL`, response.status);
    }
    try {
      return JSON.parse(response.text) as unknown;
    } catch {
      throw this.error('malformed', `Sentry answered the request to ${purpose.action} with something that is not JSON: try again, or check the Sentry URL (${this.options.baseUrl})`, response.status);
    }
  }

  private statusError(response: { status: number; headers: Headers; text: string }, purpose: Purpose): SentryApiError {
    const { status } = response;
    const said = sentryDetail(response.text);
    if (status === 401) {
      return this.error('auth', `Sentry did not accept the token (${said || 'unauthorized'}): it has expired or been revoked, so sign in to Sentry again`, status);
    }
    if (status === 403) {
      return this.error('forbidden', `The Sentry token may not ${purpose.action}: it needs the event:read scope and access to the project`, status);
    }
    if (status === 404) {
      return this.error('not-found', `Sentry has no ${purpose.subject} at ${this.options.baseUrl}, or the token cannot see it: check the names in conveyor.yml`, status);
    }
    if (status === 429) return this.rateLimited(purpose, this.retryAt(response.headers));
    if (status >= 500) {
      return this.error('server', `Sentry could not ${purpose.action} (${status}${said ? `: ${said}` : ''}): try again in a moment, or check https://status.sentry.io`, status);
    }
    if (status >= 300 && status < 400) {
      return this.error('malformed', `${this.options.baseUrl} redirected the request to ${purpose.action} (${status}): check the Sentry URL (https://sentry.io, or your own Sentry's address)`, status);
    }
    // 400: a search query Sentry cannot parse, a bad statsPeriod; Sentry's own words say what is wrong.
    return this.error('malformed', `Sentry could not ${purpose.action}: ${said || `it answered ${status}`}`, status);
  }

  private networkError(error: unknown, timedOut: boolean): SentryApiError {
    if (timedOut || (error instanceof Error && error.name === 'TimeoutError')) {
      return this.error('timeout', `Sentry (${this.options.baseUrl}) did not answer within ${formatSeconds(this.options.timeoutMs)}: check the network, or the Sentry URL`);
    }
    return this.error('network', `Cannot reach Sentry at ${this.options.baseUrl}: ${networkReason(error)}`);
  }

  /** Every message passes here, so a token echoed back by Sentry or a proxy never reaches a view or a log. */
  private error(kind: SentryApiErrorKind, message: string, status?: number, retryAt?: number): SentryApiError {
    const token = this.options.token;
    return new SentryApiError(token ? message.split(token).join('***') : message, kind, status, retryAt);
  }
}

/** Sentry's error bodies (Django REST framework): `{"detail": "…"}`. */
function sentryDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown };
    return typeof body.detail === 'string' ? body.detail.slice(0, 300) : '';
  } catch {
    return '';
  }
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** The `cursor` of Sentry's `rel="next"` link when it says more results exist; undefined on the last page. */
export function nextCursor(link: string | null): string | undefined {
  if (!link) return undefined;
  // `<url>; rel="previous"; results="false"; cursor="…", <url>; rel="next"; results="true"; cursor="…"`
  for (const part of link.split(/,\s*(?=<)/)) {
    const attributes = new Map([...part.matchAll(/;\s*([a-z]+)="([^"]*)"/gi)].map((m) => [m[1].toLowerCase(), m[2]]));
    if (attributes.get('rel') !== 'next') continue;
    return attributes.get('results') === 'true' && attributes.get('cursor') ? attributes.get('cursor') : undefined;
  }
  return undefined;
}
