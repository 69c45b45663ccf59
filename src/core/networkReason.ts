import { messageOf } from './errors';

/** The system error code behind a failed fetch (`ECONNREFUSED`), or '' when there is none. */
export function networkCode(error: unknown): string {
  // undici reports `TypeError: fetch failed` with the system error as its cause.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : '';
}

/** Why a fetch failed, in words. */
export function networkReason(error: unknown, extraReasons: Record<string, string> = {}): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = networkCode(error);
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found (DNS lookup failed)',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'the connection timed out',
    UND_ERR_SOCKET: 'the connection closed unexpectedly',
    ...extraReasons,
  };
  if (reasons[code]) return reasons[code];
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `its TLS certificate is not trusted (${code})`;
  const message = messageOf(cause);
  return code ? `${message} (${code})` : message;
}
