// GET requests to Sentry's REST API (sentry.io or self-hosted) with a Bearer token, on the core HTTP client: the
// Errors view, diagnostics and the CLI share it. It keeps to Sentry's rate-limit headers, and every failure
// becomes a ServiceError (service "Sentry") whose message says what the user can do next and never carries the token.
import type { ServiceError, ServiceErrorKind } from '../../../core/errors';
import { formatSeconds, formatWait, retryAfterMs } from '../../../core/http/headers';
import { HttpClient } from '../../../core/http/httpClient';

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
  fetch?: typeof fetch;
  /** Per request, including reading its body; the HTTP client's default when absent. */
  timeoutMs?: number;
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

interface ReadAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export class SentryHttp {
  private readonly budgets = new Map<string, SentryRateLimit>();
  private readonly http: HttpClient;

  constructor(private readonly options: SentryHttpOptions) {
    const { baseUrl, token } = options;
    this.http = new HttpClient({
      service: 'Sentry',
      baseUrl,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      secrets: () => [token],
      headers: { Accept: 'application/json', 'User-Agent': 'conveyor-vscode' },
      authorization: () => `Bearer ${token}`,
      describeNetwork: (failure) =>
        failure.kind === 'timeout'
          ? `Sentry (${baseUrl}) did not answer within ${formatSeconds(failure.timeoutMs)}: check the network, or the Sentry URL`
          : `Cannot reach Sentry at ${baseUrl}: ${failure.reason}`,
    });
  }

  rateLimit(endpoint: string): SentryRateLimit | undefined {
    return this.budgets.get(endpoint);
  }

  /** GET `path` (starting `/api/0/`) and parse its JSON; waits out a rate limit once, within the bound. */
  async get(path: string, query: URLSearchParams, purpose: Purpose, signal?: AbortSignal): Promise<SentryAnswer> {
    await this.waitForBudget(purpose, signal);
    let answer = await this.send(path, query, purpose, signal);
    if (answer.status === 429) {
      // One retry: a second 429 means the limit is tighter than the headers said, and looping would hammer it.
      await this.waitOrGiveUp(this.retryAfter(answer.headers), purpose, signal);
      answer = await this.send(path, query, purpose, signal);
    }
    if (answer.status >= 300) throw this.statusError(answer, purpose);
    return { body: this.parse(answer, purpose), headers: answer.headers };
  }

  /** An answer that is JSON but not in the shape Sentry documents. */
  malformed(purpose: Purpose, detail: string): ServiceError {
    return this.http.error(
      'malformed',
      `Sentry answered the request to ${purpose.action} in an unexpected shape (${detail}): check the Sentry URL (${this.options.baseUrl})`,
    );
  }

  /** Every status comes back as an answer (its budget headers count too); `get` says what a failure means. */
  private async send(path: string, query: URLSearchParams, purpose: Purpose, signal?: AbortSignal): Promise<ReadAnswer> {
    const search = query.size > 0 ? `?${query.toString()}` : '';
    const answer = await this.http.send({
      url: `${path}${search}`,
      signal,
      // A redirect would mean a wrong URL (or a sign-in page); following it could hand the token to another host.
      redirect: 'manual',
      accept: () => true,
    });
    // The client's timeout covers reading the body too: a server that sends headers and then stalls is as stuck.
    const text = await answer.text();
    this.remember(purpose.endpoint, answer.headers);
    return { status: answer.status, headers: answer.headers, text };
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
    const now = this.options.now();
    if (budget?.remaining !== 0 || budget.resetAt === undefined || budget.resetAt <= now) return;
    await this.waitOrGiveUp(budget.resetAt - now, purpose, signal);
    this.budgets.delete(purpose.endpoint);
  }

  private async waitOrGiveUp(waitMs: number, purpose: Purpose, signal?: AbortSignal): Promise<void> {
    if (waitMs > this.options.maxRateLimitWaitMs) throw this.rateLimited(purpose, waitMs);
    await this.options.sleep(waitMs, signal);
  }

  /** Sentry's `Retry-After`, else the budget's reset, else a minute (the usual window); in ms from now. */
  private retryAfter(headers: Headers): number {
    const now = this.options.now();
    const retryAfter = retryAfterMs(headers, now);
    if (retryAfter !== undefined) return retryAfter;
    const reset = headerNumber(headers, 'x-sentry-rate-limit-reset');
    if (reset !== undefined) return Math.max(0, reset * 1000 - now);
    return 60_000;
  }

  private rateLimited(purpose: Purpose, waitMs: number): ServiceError {
    const wait = Math.max(0, waitMs);
    return this.error(
      'rate-limited',
      `Sentry's rate limit for this token is used up, so Conveyor cannot ${purpose.action} now: try again in ${formatWait(Math.max(1000, wait))}`,
      429,
      wait,
    );
  }

  private parse(answer: ReadAnswer, purpose: Purpose): unknown {
    const type = answer.headers.get('content-type') ?? '';
    if (/html/i.test(type) || /^\s*</.test(answer.text)) {
      // A URL that is not a Sentry API (a proxy's sign-in page, the web app) answers with a web page.
      throw this.error(
        'malformed',
        `${this.options.baseUrl} answered the request to ${purpose.action} with a web page instead of Sentry's JSON: check the Sentry URL`,
        answer.status,
      );
    }
    try {
      return JSON.parse(answer.text) as unknown;
    } catch {
      throw this.error(
        'malformed',
        `Sentry answered the request to ${purpose.action} with something that is not JSON: try again, or check the Sentry URL (${this.options.baseUrl})`,
        answer.status,
      );
    }
  }

  private statusError(answer: ReadAnswer, purpose: Purpose): ServiceError {
    const { status } = answer;
    const said = sentryDetail(answer.text);
    if (status === 401) {
      return this.error(
        'unauthorized',
        `Sentry did not accept the token (${said || 'unauthorized'}): it has expired or been revoked, so sign in to Sentry again`,
        status,
      );
    }
    if (status === 403) {
      return this.error(
        'forbidden',
        `The Sentry token may not ${purpose.action}: it needs the event:read scope and access to the project`,
        status,
      );
    }
    if (status === 404) {
      return this.error(
        'not-found',
        `Sentry has no ${purpose.subject} at ${this.options.baseUrl}, or the token cannot see it: check the names in conveyor.yml`,
        status,
      );
    }
    if (status === 429) return this.rateLimited(purpose, this.retryAfter(answer.headers));
    if (status >= 500) {
      return this.error(
        'server',
        `Sentry could not ${purpose.action} (${status}${said ? `: ${said}` : ''}): try again in a moment, or check https://status.sentry.io`,
        status,
      );
    }
    if (status >= 300 && status < 400) {
      return this.error(
        'malformed',
        `${this.options.baseUrl} redirected the request to ${purpose.action} (${status}): check the Sentry URL (https://sentry.io, or your own Sentry's address)`,
        status,
      );
    }
    // 400: a search query Sentry cannot parse, a bad statsPeriod; Sentry's own words say what is wrong.
    return this.error('invalid', `Sentry could not ${purpose.action}: ${said || `it answered ${status}`}`, status);
  }

  /** Every message passes the client's scrubbing, so a token echoed back by Sentry or a proxy never reaches a view or a log. */
  private error(kind: ServiceErrorKind, message: string, status?: number, retryAfter?: number): ServiceError {
    return this.http.error(kind, message, { status, retryAfterMs: retryAfter });
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
