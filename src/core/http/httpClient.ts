// The one way Conveyor makes an HTTP request (GitHub, Jira, Linear, Jenkins, Sentry, registries, uptime and
// goal targets). It owns what every service needs the same way: a timeout that also covers reading the body,
// the caller's cancel composed with it, token scrubbing of every message, JSON/text reading, and turning what
// happens before any status (refused, DNS, TLS, timeout) into a ServiceError. What a status *means* is worded
// by each service (its `describeStatus`), since "sign in to GitHub" and "ask a Jira admin" differ.
import { ServiceError, type ServiceErrorKind, kindOfStatus } from '../errors';
import { networkReason } from '../networkReason';
import { formatSeconds, retryAfterMs } from './headers';
import { tokenHostProblem } from './tokenHost';

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface HttpClientOptions {
  /** Who answers, as messages name it: "GitHub", "Jira (acme.atlassian.net)", "registry 127.0.0.1:5000". */
  service: string;
  /** Relative request URLs resolve against it. */
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Values that must never appear in a message (tokens, passwords, a Basic credential). */
  secrets?: () => (string | undefined)[];
  /** Extra network reasons by system error code (e.g. a plain-HTTP registry addressed as HTTPS). */
  networkReasons?: Record<string, string>;
  /** Added to the timeout and unreachable messages: ": check the network, or the Jira site URL". */
  networkHint?: string;
  /** Headers on every request (User-Agent, Accept, API version). Authorization goes in `authorization`. */
  headers?: Record<string, string>;
  /** The Authorization header, asked per request so a refreshed token is used. */
  authorization?: () => string | undefined;
  /**
   * Words for an error status. Return undefined for the client's generic sentence. `body` is the answer's
   * text (at most 64 KB), already read.
   */
  describeStatus?: (answer: ErrorAnswer) => ServiceError | undefined;
  /**
   * Words for a request that got no (complete) answer, when the service's sentences differ from the client's
   * ("Jira (site) did not answer within 15 s: …", "Cannot reach Sentry at https://sentry.io: …"). Return
   * undefined for the client's sentence. The kind stays 'timeout' or 'unreachable'; the words are scrubbed.
   */
  describeNetwork?: (failure: NetworkFailure) => string | undefined;
}

export interface ErrorAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  body: string;
  url: string;
  purpose?: string;
}

export interface NetworkFailure {
  kind: 'timeout' | 'unreachable';
  /** What fetch or the body read threw; its cause carries the system error code. */
  error: unknown;
  timeoutMs: number;
  /** Why there was no connection, in words ("connection refused"); for a timeout, the same for what it is worth. */
  reason: string;
  url: string;
  purpose?: string;
}

export interface HttpRequest {
  method?: string;
  /** Absolute, or relative to the base URL. */
  url: string;
  headers?: Record<string, string>;
  /** A plain object or array is sent as JSON; a string or bytes as they are. */
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * Statuses that are answers, not failures (e.g. 404 for "not there yet", 304 for a cache hit), or a test
   * (`() => true` for a caller that judges every status itself, like an uptime probe).
   */
  accept?: readonly number[] | ((status: number) => boolean);
  /** Follow redirects (the default) or hand 3xx answers back. */
  redirect?: RequestRedirect;
  /** "list the octo/repo issues": what the request was for, worded to follow "could not". */
  purpose?: string;
  /** Words for an error status of this request, before the client's (e.g. a 404 that names what was asked for). */
  describeStatus?: (answer: ErrorAnswer) => ServiceError | undefined;
}

/** An answer whose body is read under the same timeout and cancel as the request. */
export class HttpAnswer {
  constructor(
    readonly response: Response,
    private readonly client: HttpClient,
    private readonly request: HttpRequest & { timeoutMs: number },
  ) {}

  get status(): number {
    return this.response.status;
  }

  get headers(): Headers {
    return this.response.headers;
  }

  get url(): string {
    return this.response.url;
  }

  async text(): Promise<string> {
    return this.read((response) => response.text());
  }

  async bytes(): Promise<Buffer> {
    return this.read(async (response) => Buffer.from(await response.arrayBuffer()));
  }

  /** Reads the body some other way (a stream handed on as it arrives), under the same timeout and cancel. */
  async read<T>(reader: (response: Response) => Promise<T>): Promise<T> {
    try {
      return await reader(this.response);
    } catch (error) {
      throw this.client.networkError(error, this.request);
    }
  }

  /** The body as JSON; `what` names it in the malformed message ("a manifest", "the issue list"). */
  async json(what = 'an answer'): Promise<unknown> {
    const text = await this.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.client.error('malformed', `${capitalize(this.client.service)} sent ${what} that is not JSON`, { status: this.status });
    }
  }

  /** Drops a body nobody reads, so the connection can be reused. */
  async discard(): Promise<void> {
    await this.response.body?.cancel().catch(() => undefined);
  }
}

export class HttpClient {
  readonly service: string;
  readonly baseUrl: string | undefined;
  readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpClientOptions) {
    this.service = options.service;
    this.baseUrl = options.baseUrl?.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Resolves a request URL: absolute as given, else under the base URL. */
  resolve(url: string): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) || !this.baseUrl) return url;
    return `${this.baseUrl}${url.startsWith('/') ? '' : '/'}${url}`;
  }

  /** One request. Error statuses (but `accept`ed ones) become ServiceErrors; the caller's cancel rethrows as it is. */
  async send(request: HttpRequest): Promise<HttpAnswer> {
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const full = { ...request, timeoutMs };
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    const headers: Record<string, string> = { ...this.options.headers, ...request.headers };
    const authorization = this.options.authorization?.();
    if (authorization) {
      // The last guard, whoever chose the URL: a token never crosses a network in clear text.
      const problem = tokenHostProblem(this.resolve(request.url), `The ${this.service} URL`);
      if (problem) throw this.error('invalid', problem);
      headers.Authorization = authorization;
    }
    let body: BodyInit | undefined;
    if (request.body === undefined || typeof request.body === 'string' || request.body instanceof Uint8Array) {
      body = request.body as BodyInit | undefined;
    } else {
      body = JSON.stringify(request.body);
      headers['Content-Type'] ??= 'application/json';
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.resolve(request.url), {
        method: request.method ?? 'GET',
        headers,
        body,
        signal,
        redirect: request.redirect ?? 'follow',
      });
    } catch (error) {
      throw this.networkError(error, full);
    }
    const answer = new HttpAnswer(response, this, full);
    if (response.status < 400 || accepts(request.accept, response.status)) return answer;
    const text = (await answer.text().catch(() => '')).slice(0, 65_536);
    const errorAnswer = {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      body: text,
      url: response.url,
      purpose: request.purpose,
    };
    throw this.scrubbed(request.describeStatus?.(errorAnswer)) ?? this.statusError(errorAnswer);
  }

  /** `send` and read the answer as JSON. */
  async json(request: HttpRequest, what?: string): Promise<unknown> {
    return (await this.send(request)).json(what);
  }

  /** A ServiceError from this service; every message passes here, so no secret reaches a view or a log. */
  error(kind: ServiceErrorKind, message: string, options: ConstructorParameters<typeof ServiceError>[3] = {}): ServiceError {
    return new ServiceError(this.service, kind, this.scrub(message), options);
  }

  scrub(text: string): string {
    let safe = text;
    for (const secret of this.options.secrets?.() ?? []) {
      if (secret && secret.length >= 4) safe = safe.split(secret).join('***');
    }
    return safe;
  }

  statusError(answer: ErrorAnswer): ServiceError {
    const described = this.scrubbed(this.options.describeStatus?.(answer));
    if (described) return described;
    const kind = kindOfStatus(answer.status);
    const what = answer.purpose ? ` to ${answer.purpose}` : '';
    const wait = kind === 'rate-limited' ? retryAfterMs(answer.headers) : undefined;
    return this.error(kind, `${capitalize(this.service)} answered the request${what} with ${answer.status}`, {
      status: answer.status,
      retryAfterMs: wait,
    });
  }

  /** What went wrong before (or while) an answer arrived. The caller's own cancel is passed through unchanged. */
  networkError(error: unknown, request: HttpRequest & { timeoutMs: number }): Error {
    if (request.signal?.aborted) return error instanceof Error ? error : new Error(String(error));
    if (error instanceof ServiceError) return error;
    const name = error instanceof Error ? error.name : '';
    const kind = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable';
    const reason = networkReason(error, this.options.networkReasons);
    const words = this.options.describeNetwork?.({
      kind,
      error,
      reason,
      timeoutMs: request.timeoutMs,
      url: this.resolve(request.url),
      purpose: request.purpose,
    });
    const hint = this.options.networkHint ?? '';
    if (kind === 'timeout')
      return this.error('timeout', words ?? `${capitalize(this.service)} did not answer within ${formatSeconds(request.timeoutMs)}${hint}`);
    return this.error('unreachable', words ?? `Cannot reach ${this.service}: ${reason}${hint}`, { cause: error });
  }

  /** A service's own words, scrubbed like the client's. */
  private scrubbed(described: ServiceError | undefined): ServiceError | undefined {
    if (!described || described.message === this.scrub(described.message)) return described;
    return this.error(described.kind, described.message, {
      status: described.status,
      retryAfterMs: described.retryAfterMs,
      detail: described.detail,
      cause: described.cause,
    });
  }
}

function accepts(accept: HttpRequest['accept'], status: number): boolean {
  return typeof accept === 'function' ? accept(status) : (accept?.includes(status) ?? false);
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
