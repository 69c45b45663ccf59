// One error model for every service Conveyor talks to (GitHub, Jira, Linear, Jenkins, Sentry, a registry,
// a Kubernetes API server, an uptime target): a kind the UI branches on and one sentence the user can act
// on. Messages never carry tokens (the HTTP client scrubs them) and never a stack trace.

/** Every way a service call fails, spelled once. */
export type ServiceErrorKind =
  /** 401: no credentials, or the token expired: sign in. */
  | 'unauthorized'
  /** 403: signed in, not allowed (a missing scope, RBAC, SAML SSO): the message says what is missing. */
  | 'forbidden'
  /** 404/410: the thing, or the service at that URL, does not exist (or hides from this token). */
  | 'not-found'
  /** 409: someone changed it first. */
  | 'conflict'
  /** 429 or a used-up budget: wait `retryAfterMs`. */
  | 'rate-limited'
  /** No connection: DNS, refused, reset, TLS. */
  | 'unreachable'
  /** No (complete) answer in time. */
  | 'timeout'
  /** 5xx. */
  | 'server'
  /** An answer that is not what the service's API describes (not JSON, a missing field). */
  | 'malformed'
  /** The service refused what was sent (400/422, a validation error). */
  | 'invalid'
  /** The service, or this server's version of it, cannot do what was asked. */
  | 'unsupported';

export interface ServiceErrorOptions {
  /** The HTTP status that led here, when the service answered. */
  status?: number;
  /** For rate limits: how long to wait before asking again. */
  retryAfterMs?: number;
  /** What the service said, or the refused verb/resource; for logs and for callers that branch on it. */
  detail?: Record<string, unknown>;
  cause?: unknown;
}

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly detail?: Record<string, unknown>;

  constructor(
    /** Who failed, in words: "GitHub", "Jira", "the registry 127.0.0.1:5000", "Kubernetes". */
    readonly service: string,
    readonly kind: ServiceErrorKind,
    message: string,
    options: ServiceErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.detail = options.detail;
    // The sentence is the whole story: a stack would only point into the transport.
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * By name and shape rather than `instanceof`: each lazily loaded engine bundle (esbuild.mjs) carries its own
 * copy of this class, so an error thrown in the monitor engine is no instance of the extension's ServiceError.
 */
export function isServiceError(error: unknown, kind?: ServiceErrorKind): error is ServiceError {
  if (!(error instanceof Error) || error.name !== 'ServiceError' || !('kind' in error) || !('service' in error)) return false;
  return kind === undefined || error.kind === kind;
}

/** The kind an HTTP error status stands for. */
export function kindOfStatus(status: number): ServiceErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server';
  return 'invalid';
}

/** The sentence of any thrown value, for a log line or a message: never `[object Object]`, never a stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message;
  return String(error);
}

/** True when a caller's own AbortSignal stopped the work: that is not a failure to show. */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
