// Turns what @linear/sdk throws into ServiceErrors the Board view can show: what went wrong and what to do next.
// Messages are written here, never copied from the SDK, whose messages embed the request and response text.
import type * as LinearSdk from '@linear/sdk';
import type { ServiceErrorKind, ServiceErrorOptions } from '../../core/errors';
import { isServiceError, messageOf, ServiceError } from '../../core/errors';
import { networkCode } from '../../core/networkReason';

type Sdk = typeof LinearSdk;

const SIGN_IN_AGAIN = 'create a new one in Settings › API and sign in again';

/** A ServiceError of Linear's (the SDK is on its own transport, so its errors are worded here). */
export function linearError(kind: ServiceErrorKind, message: string, options?: ServiceErrorOptions): ServiceError {
  return new ServiceError('Linear', kind, message, options);
}

export function serviceErrorFromLinear(error: unknown, sdk: Sdk, doing: string, secret: string): ServiceError {
  if (isServiceError(error)) return error;
  if (error instanceof sdk.LinearError) return fromLinearError(error, sdk, doing, secret);
  // Data that arrived but does not have the shape the SDK's models expect.
  if (error instanceof TypeError || error instanceof SyntaxError) {
    return linearError(
      'malformed',
      `Linear sent an answer Conveyor could not read while ${doing}; try again, and report it if it persists.`,
    );
  }
  return linearError('server', `Linear failed while ${doing}: ${scrub(messageOf(error), secret)}`);
}

function fromLinearError(error: LinearSdk.LinearError, sdk: Sdk, doing: string, secret: string): ServiceError {
  if (error instanceof sdk.AuthenticationLinearError) {
    return linearError('unauthorized', `Linear rejected the API key: ${SIGN_IN_AGAIN}.`);
  }
  if (error instanceof sdk.RatelimitedLinearError) {
    const retryAfterMs = retryDelay(error);
    const when = retryAfterMs === undefined ? 'in a minute' : `in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`;
    return linearError('rate-limited', `Linear's rate limit was reached while ${doing}; Conveyor will be able to try again ${when}.`, {
      retryAfterMs,
    });
  }
  if (error instanceof sdk.ForbiddenLinearError || error instanceof sdk.FeatureNotAccessibleLinearError) {
    return linearError(
      'forbidden',
      `Linear refused access while ${doing}: the API key's account cannot see this team or issue; ask a workspace admin, or ${SIGN_IN_AGAIN} with an account that can.`,
    );
  }
  if (error instanceof sdk.UsageLimitExceededLinearError) {
    return linearError(
      'forbidden',
      `Linear's plan usage limit was reached while ${doing}; a workspace admin can raise it in Linear's billing settings.`,
    );
  }
  if (error instanceof sdk.InvalidInputLinearError || error instanceof sdk.UserLinearError) {
    return linearError('invalid', `Linear did not accept the change while ${doing}: ${scrub(linearSays(error), secret)}`);
  }
  if (error instanceof sdk.InternalLinearError || error instanceof sdk.NetworkLinearError || error instanceof sdk.LockTimeoutLinearError) {
    const status = error.status ? ` (HTTP ${error.status})` : '';
    return linearError('server', `Linear had a problem while ${doing}${status}; try again in a minute, or check status.linear.app.`);
  }
  return fromUnknown(error, doing, secret);
}

/** Errors the SDK could not classify: no HTTP answer at all, an answer that is not GraphQL, or a GraphQL error. */
function fromUnknown(error: LinearSdk.LinearError, doing: string, secret: string): ServiceError {
  const raw: unknown = error.raw;
  if (error.status === undefined) {
    if (raw instanceof SyntaxError) return malformed(doing);
    const code = networkCode(raw);
    return linearError(
      'unreachable',
      `Could not reach Linear while ${doing}${code ? ` (${code})` : ''}; check your network or proxy settings.`,
    );
  }
  if (error.status >= 200 && error.status < 300 && !error.errors?.length) return malformed(doing);
  if (error.status >= 500) {
    return linearError(
      'server',
      `Linear had a problem while ${doing} (HTTP ${error.status}); try again in a minute, or check status.linear.app.`,
    );
  }
  return linearError('server', `Linear failed while ${doing}: ${scrub(linearSays(error), secret)}`);
}

function malformed(doing: string): ServiceError {
  return linearError(
    'malformed',
    `Linear sent an answer Conveyor could not read while ${doing}; a proxy may be in the way, or try again later.`,
  );
}

/** Linear sends `Retry-After` (seconds) on some limits and `X-RateLimit-Requests-Reset` (epoch ms) on others. */
function retryDelay(error: LinearSdk.RatelimitedLinearError): number | undefined {
  if (error.retryAfter !== undefined) return Math.max(0, error.retryAfter * 1000);
  const resetAt = [error.requestsResetAt, error.complexityResetAt].filter((at): at is number => at !== undefined);
  if (resetAt.length) return Math.max(0, Math.max(...resetAt) - Date.now());
  return undefined;
}

function linearSays(error: LinearSdk.LinearError): string {
  return error.errors?.[0]?.message ?? `HTTP ${error.status ?? 'error'}`;
}

function scrub(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}
