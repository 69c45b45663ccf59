// Turns what @linear/sdk throws into BoardErrors the Board view can show: what went wrong and what to do next.
// Messages are written here, never copied from the SDK, whose messages embed the request and response text.
import type * as LinearSdk from '@linear/sdk';
import { BoardError } from '../workItem';
import { messageOf } from '../../core/errors';

type Sdk = typeof LinearSdk;

const SIGN_IN_AGAIN = 'create a new one in Settings › API and sign in again';

export function boardErrorFromLinear(error: unknown, sdk: Sdk, doing: string, secret: string): BoardError {
  if (error instanceof BoardError) return error;
  if (error instanceof sdk.LinearError) return fromLinearError(error, sdk, doing, secret);
  // Data that arrived but does not have the shape the SDK's models expect.
  if (error instanceof TypeError || error instanceof SyntaxError) {
    return new BoardError(`Linear sent an answer Conveyor could not read while ${doing}; try again, and report it if it persists.`, 'malformed');
  }
  return new BoardError(`Linear failed while ${doing}: ${scrub(messageOf(error), secret)}`, 'server');
}

function fromLinearError(error: LinearSdk.LinearError, sdk: Sdk, doing: string, secret: string): BoardError {
  if (error instanceof sdk.AuthenticationLinearError) {
    return new BoardError(`Linear rejected the API key: ${SIGN_IN_AGAIN}.`, 'unauthorized');
  }
  if (error instanceof sdk.RatelimitedLinearError) {
    const retryAfterMs = retryDelay(error);
    const when = retryAfterMs === undefined ? 'in a minute' : `in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`;
    return new BoardError(`Linear's rate limit was reached while ${doing}; Conveyor will be able to try again ${when}.`, 'rate-limited', retryAfterMs);
  }
  if (error instanceof sdk.ForbiddenLinearError || error instanceof sdk.FeatureNotAccessibleLinearError) {
    return new BoardError(`Linear refused access while ${doing}: the API key's account cannot see this team or issue; ask a workspace admin, or ${SIGN_IN_AGAIN} with an account that can.`, 'forbidden');
  }
  if (error instanceof sdk.UsageLimitExceededLinearError) {
    return new BoardError(`Linear's plan usage limit was reached while ${doing}; a workspace admin can raise it in Linear's billing settings.`, 'forbidden');
  }
  if (error instanceof sdk.InvalidInputLinearError || error instanceof sdk.UserLinearError) {
    return new BoardError(`Linear did not accept the change while ${doing}: ${scrub(linearSays(error), secret)}`, 'invalid');
  }
  if (error instanceof sdk.InternalLinearError || error instanceof sdk.NetworkLinearError || error instanceof sdk.LockTimeoutLinearError) {
    const status = error.status ? ` (HTTP ${error.status})` : '';
    return new BoardError(`Linear had a problem while ${doing}${status}; try again in a minute, or check status.linear.app.`, 'server');
  }
  return fromUnknown(error, doing, secret);
}

/** Errors the SDK could not classify: no HTTP answer at all, an answer that is not GraphQL, or a GraphQL error. */
function fromUnknown(error: LinearSdk.LinearError, doing: string, secret: string): BoardError {
  const raw: unknown = error.raw;
  if (error.status === undefined) {
    if (raw instanceof SyntaxError) return malformed(doing);
    const code = causeCode(raw);
    return new BoardError(`Could not reach Linear while ${doing}${code ? ` (${code})` : ''}; check your network or proxy settings.`, 'unreachable');
  }
  if (error.status >= 200 && error.status < 300 && !error.errors?.length) return malformed(doing);
  if (error.status >= 500) {
    return new BoardError(`Linear had a problem while ${doing} (HTTP ${error.status}); try again in a minute, or check status.linear.app.`, 'server');
  }
  return new BoardError(`Linear failed while ${doing}: ${scrub(linearSays(error), secret)}`, 'server');
}

function malformed(doing: string): BoardError {
  return new BoardError(`Linear sent an answer Conveyor could not read while ${doing}; a proxy may be in the way, or try again later.`, 'malformed');
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

function causeCode(raw: unknown): string | undefined {
  const cause = raw instanceof Error ? (raw.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function scrub(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}
