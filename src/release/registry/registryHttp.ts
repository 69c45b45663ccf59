// One HTTP exchange with a registry or its token service, with the failures that happen before any
// status code (refused, unknown host, TLS, timeout) turned into RegistryErrors that say what to check.
import { RegistryError } from './registryError';
import { networkReason } from '../../core/networkReason';

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
    return new RegistryError('unreachable', `Cannot reach ${peer}: ${networkReason(error, HTTPS_MISMATCH)}`, undefined, { cause: error });
  }
}

/** Drops a body we do not read, so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}


export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A plain-HTTP registry addressed as HTTPS fails its handshake with this code. */
const HTTPS_MISMATCH = { ERR_SSL_WRONG_VERSION_NUMBER: 'it does not speak HTTPS on this port (for a plain-HTTP registry, write its address with http://)' };
