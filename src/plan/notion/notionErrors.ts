// Turns what the Notion SDK throws into ServiceErrors the Board view can show: what went wrong and what to do
// next. Notion answers errors as `{ object: "error", status, code, message }`; the SDK raises them as an
// APIResponseError with that `code`, and anything else that is not a success as an UnknownHTTPResponseError.
import { APIErrorCode, isHTTPResponseError, isNotionClientError, RequestTimeoutError } from '@notionhq/client';
import type { ServiceErrorKind, ServiceErrorOptions } from '../../core/errors';
import { isServiceError, kindOfStatus, messageOf, ServiceError } from '../../core/errors';
import { retryAfterMs } from '../../core/http/headers';
import { noAnswerMessage } from '../../core/http/operationWords';

export const INTEGRATIONS_PAGE = 'https://www.notion.so/profile/integrations';
const SHARE = "share the database with the integration (in Notion, the database's ••• menu › Connections › add the integration)";
const TRY_LATER = 'try again in a minute, or check status.notion.so';

export function notionError(kind: ServiceErrorKind, message: string, options?: ServiceErrorOptions): ServiceError {
  return new ServiceError('Notion', kind, message, options);
}

/** Whatever an operation threw, as a ServiceError; `doing` is what the board was doing ("listing the Notion board"). */
export function serviceErrorFromNotion(error: unknown, doing: string, timeoutMs: number): ServiceError {
  if (isServiceError(error)) return error;
  if (RequestTimeoutError.isRequestTimeoutError(error) || (error instanceof Error && error.name === 'TimeoutError'))
    return notionError('timeout', noAnswerMessage('Notion', timeoutMs, doing));
  // The SDK parses a success with JSON.parse (a proxy's page or a cut body fails there), and reads what it
  // documents without checking (a list without `results` fails as a TypeError).
  if (error instanceof SyntaxError || error instanceof TypeError) return malformedAnswer(doing);
  if (isHTTPResponseError(error)) return statusError(error.status, error.code, error.headers, error.message, doing);
  if (isNotionClientError(error)) return notionError('invalid', `Notion refused the request while ${doing}: ${error.message}`);
  return notionError('server', `Notion failed while ${doing}: ${messageOf(error)}`);
}

function statusError(status: number, code: string, headers: unknown, said: string, doing: string): ServiceError {
  const options = { status };
  // Without Notion's error body (a proxy in the way), the status alone says what it is.
  const apiCode: APIErrorCode | undefined = isApiCode(code) ? code : CODE_OF_STATUS[status];
  switch (apiCode) {
    case APIErrorCode.Unauthorized:
      return notionError(
        'unauthorized',
        `Notion rejected the integration token: copy the integration's secret again from ${INTEGRATIONS_PAGE} and sign in to the board.`,
        options,
      );
    case APIErrorCode.RestrictedResource:
      return notionError(
        'forbidden',
        `Notion does not let the integration do this while ${doing}: ${SHARE}, with the capabilities to read and update content.`,
        options,
      );
    case APIErrorCode.ObjectNotFound:
      // Notion answers 404 as well for a database that exists but is not shared with the integration.
      return notionError(
        'not-found',
        `Notion found nothing while ${doing}: check board.notion.database in conveyor.yml, and ${SHARE}.`,
        options,
      );
    case APIErrorCode.ConflictError:
      return notionError(
        'conflict',
        `Someone changed the item in Notion at the same time while ${doing}: refresh the board and try again.`,
        options,
      );
    case APIErrorCode.ValidationError:
    case APIErrorCode.InvalidRequest:
    case APIErrorCode.InvalidJSON:
    case APIErrorCode.InvalidRequestURL:
      // Notion's own words name the property or value it refused.
      return notionError('invalid', `Notion did not accept the request while ${doing}: ${said}`, options);
    case APIErrorCode.RateLimited: {
      const wait = headers instanceof Headers ? retryAfterMs(headers) : undefined;
      const when = wait === undefined ? 'in a minute' : `in ${Math.max(1, Math.ceil(wait / 1000))} s`;
      return notionError('rate-limited', `Notion's rate limit was reached while ${doing}; try again ${when}.`, {
        status,
        retryAfterMs: wait ?? 60_000,
      });
    }
  }
  if (status >= 500) return notionError('server', `Notion had a problem while ${doing} (HTTP ${status}); ${TRY_LATER}.`, options);
  return notionError(kindOfStatus(status), `Notion did not accept the request while ${doing} (HTTP ${status}).`, options);
}

const API_CODES: ReadonlySet<string> = new Set(Object.values(APIErrorCode));
const isApiCode = (code: string): code is APIErrorCode => API_CODES.has(code);
const CODE_OF_STATUS: Record<number, APIErrorCode> = {
  401: APIErrorCode.Unauthorized,
  403: APIErrorCode.RestrictedResource,
  404: APIErrorCode.ObjectNotFound,
  409: APIErrorCode.ConflictError,
  429: APIErrorCode.RateLimited,
};

/** An answer that is not JSON, or JSON without what the board reads; `what` names the missing part. */
export function malformedAnswer(doing: string, what?: string): ServiceError {
  return notionError(
    'malformed',
    `Notion sent an answer Conveyor could not read while ${doing}${what ? ` (${what})` : ''}; a proxy may be in the way, or try again later.`,
  );
}
