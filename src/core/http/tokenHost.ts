// Where Conveyor may send a user's token. A repository must not be able to pick the host that receives it: a
// token travels only over https (plain http only to this machine), and to a host a workspace file chose only
// once the user has allowed that host for that token (remembered per token and origin).
import { ServiceError } from '../errors';
import type { RememberedConsent } from '../rememberedConsent';

/** A name of this machine: 127.0.0.0/8, ::1 or localhost (with or without the brackets of a URL's IPv6 host). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Why a token must not go to `url`, or undefined when it may: https anywhere, plain http only to this machine.
 * `source` names where the URL comes from, to start the sentence: "conveyor.yml (ci.github.enterpriseUrl)".
 */
export function tokenHostProblem(url: string, source: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${source} is not a URL ("${url}"): use an https:// address`;
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return undefined;
  return `${source} points at ${parsed.origin}: Conveyor sends a token only over https (plain http only to this machine), so use an https:// address`;
}

/** Throws tokenHostProblem's sentence as `service`'s ServiceError, when there is one. */
export function refuseClearTextToken(service: string, url: string, source: string): void {
  const problem = tokenHostProblem(url, source);
  if (problem) throw new ServiceError(service, 'invalid', problem);
}

/** A host a token is about to be sent to. */
export interface TokenHost {
  /** Whose token, as ServiceErrors name it: "GitHub", "Jira", "Sentry", "Jenkins". */
  service: string;
  /** The token in the user's words, for the question: "your GitHub sign-in", "your Jira API token". */
  token: string;
  url: string;
  /** The workspace file (and key) that chose `url`, to start a sentence: "conveyor.yml (sentry.url)"; none when the user did. */
  chosenBy?: string;
  /** The service's own public address (https://api.github.com), which needs no consent whoever names it. */
  publicUrl?: string;
}

/**
 * Resolves when `host` may receive its token: https (or http to this machine), and, when a workspace file chose
 * the host, once the user allowed it for that token. Otherwise throws a ServiceError that says why and what to do.
 */
export async function checkTokenHost(host: TokenHost, consent: RememberedConsent, options: { askAgain?: boolean } = {}): Promise<void> {
  refuseClearTextToken(host.service, host.url, host.chosenBy ?? `The ${host.service} URL`);
  const origin = new URL(host.url).origin;
  if (!host.chosenBy || (host.publicUrl && origin === new URL(host.publicUrl).origin)) return;
  const question = `${host.chosenBy} asks to send ${host.token} to ${origin}. Allow it only if you trust that host.`;
  if (await consent.ask(`${host.service} ${origin}`, question, options)) return;
  throw new ServiceError(
    host.service,
    'forbidden',
    `Conveyor did not send ${host.token} to ${origin}, which ${host.chosenBy} names: sign in again to be asked once more, if you trust that host`,
  );
}
