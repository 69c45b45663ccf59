// Turns Linear's error answers into ServiceErrors the Board view can show: what went wrong and what to do next.
// Linear answers a GraphQL error with `errors[]` (in a 200, or a 4xx), each classified by `extensions.type`
// ("authentication error") or `extensions.code` (AUTHENTICATION_ERROR). Messages are written here; Linear's own
// words are quoted only for refused input, where they say what to fix.
import type { ServiceErrorKind, ServiceErrorOptions } from '../../core/errors';
import { isServiceError, messageOf, ServiceError } from '../../core/errors';
import { retryAfterMs } from '../../core/http/headers';
import type { ErrorAnswer } from '../../core/http/httpClient';
import { isRecord } from '../../core/records';

const SIGN_IN_AGAIN = 'create a new one in Settings › API and sign in again';

/** A ServiceError of Linear's. */
export function linearError(kind: ServiceErrorKind, message: string, options?: ServiceErrorOptions): ServiceError {
  return new ServiceError('Linear', kind, message, options);
}

/** One entry of a GraphQL answer's `errors`, as Linear sends it. */
export interface LinearGraphqlError {
  message?: string;
  extensions?: { type?: string; code?: string; userPresentableMessage?: string };
}

/** What an answer said: its status, headers and `errors`, whatever the status. */
export interface LinearFailure {
  status: number;
  headers: Headers;
  errors: LinearGraphqlError[];
}

/** The classes Linear gives its errors, by `extensions.type`; `extensions.code` spells the same in capitals. */
const CLASS_OF_TYPE: Record<string, ErrorClass> = {
  'authentication error': 'authentication',
  ratelimited: 'ratelimited',
  forbidden: 'forbidden',
  'feature not accessible': 'forbidden',
  'usage limit exceeded': 'usage',
  'invalid input': 'input',
  'user error': 'input',
  'internal error': 'internal',
  'network error': 'internal',
  'lock timeout': 'internal',
};
const CLASS_OF_CODE: Record<string, ErrorClass> = {
  AUTHENTICATION_ERROR: 'authentication',
  RATELIMITED: 'ratelimited',
  FORBIDDEN: 'forbidden',
  FEATURE_NOT_ACCESSIBLE: 'forbidden',
  USAGE_LIMIT_EXCEEDED: 'usage',
  INPUT_ERROR: 'input',
  INVALID_INPUT: 'input',
  INTERNAL_SERVER_ERROR: 'internal',
  LOCK_TIMEOUT: 'internal',
};
type ErrorClass = 'authentication' | 'ratelimited' | 'forbidden' | 'usage' | 'input' | 'internal';

/** An error status: Linear's `errors` in the body say what it is; without them, the status does. */
export function linearStatusError(answer: ErrorAnswer, doing: string): ServiceError {
  return fromFailure({ status: answer.status, headers: answer.headers, errors: graphqlErrorsIn(answer.body) }, doing);
}

/** An answer with `errors`, or with an error status; classified by the first error, as Linear's SDK does. */
export function fromFailure(failure: LinearFailure, doing: string): ServiceError {
  const { status, headers, errors } = failure;
  const first = errors[0]?.extensions;
  const errorClass = CLASS_OF_TYPE[first?.type?.toLowerCase() ?? ''] ?? CLASS_OF_CODE[first?.code ?? ''] ?? classOfStatus(status, errors);
  switch (errorClass) {
    case 'authentication':
      return linearError('unauthorized', `Linear rejected the API key: ${SIGN_IN_AGAIN}.`, { status });
    case 'ratelimited': {
      const wait = rateLimitWait(headers);
      const when = wait === undefined ? 'in a minute' : `in ${Math.max(1, Math.ceil(wait / 1000))} s`;
      return linearError('rate-limited', `Linear's rate limit was reached while ${doing}; Conveyor will be able to try again ${when}.`, {
        status,
        retryAfterMs: wait,
      });
    }
    case 'forbidden':
      return linearError(
        'forbidden',
        `Linear refused access while ${doing}: the API key's account cannot see this team or issue; ask a workspace admin, or ${SIGN_IN_AGAIN} with an account that can.`,
        { status },
      );
    case 'usage':
      return linearError(
        'forbidden',
        `Linear's plan usage limit was reached while ${doing}; a workspace admin can raise it in Linear's billing settings.`,
        { status },
      );
    case 'input':
      return linearError('invalid', `Linear did not accept the change while ${doing}: ${linearSays(failure)}`, { status });
    case 'internal':
      return linearError('server', `Linear had a problem while ${doing}${status >= 400 ? ` (HTTP ${status})` : ''}; ${TRY_LATER}`, {
        status,
      });
    default:
      if (status >= 500) return linearError('server', `Linear had a problem while ${doing} (HTTP ${status}); ${TRY_LATER}`, { status });
      return linearError('server', `Linear failed while ${doing}: ${linearSays(failure)}`, { status });
  }
}

const TRY_LATER = 'try again in a minute, or check status.linear.app.';

/** Without a classified error, a status that means one thing decides; any other 4xx stays a plain failure. */
function classOfStatus(status: number, errors: LinearGraphqlError[]): ErrorClass | undefined {
  if (errors.length) return undefined;
  if (status === 401) return 'authentication';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'ratelimited';
  if (status === 500) return 'internal';
  return undefined;
}

/** An answer that is not JSON (a proxy's page), or JSON without the data asked for. */
export function malformedAnswer(doing: string, notJson: boolean): ServiceError {
  const advice = notJson ? 'a proxy may be in the way, or try again later' : 'try again, and report it if it persists';
  return linearError('malformed', `Linear sent an answer Conveyor could not read while ${doing}; ${advice}.`);
}

/** Whatever else an operation threw; its ServiceErrors pass as they are. */
export function serviceErrorFromLinear(error: unknown, doing: string): ServiceError {
  if (isServiceError(error)) return error;
  // Data that arrived but lacks what the board reads (a null where Linear documents a value).
  if (error instanceof TypeError || error instanceof SyntaxError) return malformedAnswer(doing, false);
  return linearError('server', `Linear failed while ${doing}: ${messageOf(error)}`);
}

/** `errors[]` of a body, or none when it is not a GraphQL answer. */
export function graphqlErrorsIn(body: unknown): LinearGraphqlError[] {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return [];
    }
  }
  return isRecord(parsed) && Array.isArray(parsed.errors) ? parsed.errors.filter(isRecord) : [];
}

/** Linear sends `Retry-After` (seconds) on some limits and `X-RateLimit-*-Reset` (epoch ms) on others. */
function rateLimitWait(headers: Headers): number | undefined {
  const retryAfter = retryAfterMs(headers);
  if (retryAfter !== undefined) return retryAfter;
  const resetAt = ['x-ratelimit-requests-reset', 'x-ratelimit-complexity-reset']
    .map((name) => Number(headers.get(name)))
    .filter((at) => Number.isFinite(at) && at > 0);
  return resetAt.length ? Math.max(0, Math.max(...resetAt) - Date.now()) : undefined;
}

function linearSays(failure: LinearFailure): string {
  const first = failure.errors[0];
  return first?.extensions?.userPresentableMessage ?? first?.message ?? `HTTP ${failure.status}`;
}
