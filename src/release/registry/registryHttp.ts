// One HTTP exchange with a registry or its token service, with the failures that happen before any
// status code (refused, unknown host, TLS, timeout) turned into RegistryErrors that say what to check.
import { RegistryError } from './registryError';

export interface RegistryHttpOptions {
  fetch: typeof fetch;
  timeoutMs: number;
}

export class RegistryHttp {
  constructor(private readonly options: RegistryHttpOptions) {}

  /** `peer` names the other end in messages: "registry 127.0.0.1:5000". */
  async send(url: string, init: RequestInit, peer: string): Promise<Response> {
    try {
      return await this.options.fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      throw this.networkError(error, peer);
    }
  }

  /** The body as JSON; the request's timeout still applies while it streams in. */
  async json(response: Response, peer: string, what: string): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.networkError(error, peer);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RegistryError('malformed', `${capitalize(peer)} sent ${what} that is not JSON`, response.status);
    }
  }

  async bytes(response: Response, peer: string): Promise<Buffer> {
    try {
      return Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw this.networkError(error, peer);
    }
  }

  private networkError(error: unknown, peer: string): RegistryError {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return new RegistryError('timeout', `${capitalize(peer)} did not answer within ${formatSeconds(this.options.timeoutMs)}`);
    }
    return new RegistryError('unreachable', `Cannot reach ${peer}: ${networkReason(error)}`, undefined, { cause: error });
  }
}

/** Drops a body we do not read, so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** undici reports `TypeError: fetch failed` with the system error as its cause. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : '';
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found (DNS lookup failed)',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'the connection timed out',
    UND_ERR_SOCKET: 'the connection closed unexpectedly',
    ERR_SSL_WRONG_VERSION_NUMBER: 'it does not speak HTTPS on this port (for a plain-HTTP registry, write its address with http://)',
  };
  if (reasons[code]) {
    return reasons[code];
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return `its TLS certificate is not trusted (${code})`;
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return code ? `${message} (${code})` : message;
}

export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
