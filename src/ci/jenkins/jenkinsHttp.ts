// Requests to one Jenkins: basic auth with an API token, a deadline per request (body included), and every
// failure turned into a CiError that says what to do. Messages name the Jenkins root and the user, never the
// token, which only ever travels in the Authorization header.
import { CiError } from '../ciModel';
import type { JenkinsBase } from './jenkinsUrls';

export interface JenkinsHttpOptions {
  base: JenkinsBase;
  user?: string;
  apiToken?: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** What a request is for, in the words of its messages. */
export interface Purpose {
  /** "reading the builds of shop/api": what was going on when it failed. */
  doing: string;
  /** "read the builds of shop/api": what a 403 did not allow. */
  may: string;
  /** The whole message for a 404: "No job shop/api on https://ci/". */
  notFound: string;
}

/** A response whose body may still be read: `read()` guards a body read, `finish()` ends the deadline. */
export interface OpenResponse {
  response: Response;
  read<T>(body: Promise<T>): Promise<T>;
  finish(): void;
}

export class JenkinsHttp {
  readonly display: string;
  readonly user: string | undefined;
  private readonly authorization: string | undefined;

  constructor(private readonly options: JenkinsHttpOptions) {
    this.display = options.base.display;
    this.user = options.user;
    this.authorization = options.user !== undefined && options.apiToken !== undefined ? `Basic ${Buffer.from(`${options.user}:${options.apiToken}`).toString('base64')}` : undefined;
  }

  /** GET a JSON answer; HTML (a login page, a proxy's page) and unreadable text fail as 'malformed'. */
  async getJson(url: URL, purpose: Purpose, extraHeaders: Record<string, string> = {}): Promise<{ body: unknown; response: Response }> {
    const { response, text } = await this.fetchText(url, { method: 'GET', headers: { Accept: 'application/json', ...extraHeaders } }, purpose);
    if (!response.ok) {
      throw this.statusError(response, text, purpose);
    }
    return { body: this.parseJson(response, text, purpose), response };
  }

  /** Sends and reads the whole body within the deadline; the status is left to the caller. */
  async fetchText(url: URL, init: RequestInit, purpose: Purpose): Promise<{ response: Response; text: string }> {
    const open = await this.open(url, init, purpose);
    try {
      const text = await open.read(open.response.text());
      return { response: open.response, text };
    } finally {
      open.finish();
    }
  }

  /**
   * Sends a request whose deadline runs until `finish()`, so that a body read slowly still times out. `signal`
   * (the caller's) aborts too; that abort is passed through as is, since the caller asked for it.
   */
  async open(url: URL, init: RequestInit, purpose: Purpose, signal?: AbortSignal): Promise<OpenResponse> {
    const deadline = new Deadline(this.options.timeoutMs, signal);
    const headers = new Headers(init.headers);
    if (this.authorization) {
      headers.set('Authorization', this.authorization);
    }
    try {
      const response = await this.guard(this.options.fetch(url, { ...init, headers, signal: deadline.signal }), purpose, deadline);
      return { response, read: (body) => this.guard(body, purpose, deadline), finish: () => deadline.clear() };
    } catch (error) {
      deadline.clear();
      throw error;
    }
  }

  /** Maps what fetch and body reads throw: the deadline → 'timeout', the caller's abort → itself, else 'unreachable'. */
  private async guard<T>(promise: Promise<T>, purpose: Purpose, deadline: Deadline): Promise<T> {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof CiError) {
        throw error;
      }
      if (deadline.timedOut) {
        throw new CiError(`Jenkins at ${this.display} did not answer within ${formatSeconds(this.options.timeoutMs)} while ${purpose.doing}: it may be overloaded, or a proxy is holding the request`, 'timeout');
      }
      if (deadline.callerAborted) {
        throw error;
      }
      throw new CiError(`Jenkins at ${this.display} is unreachable${networkCode(error)}: check the URL, the network and any proxy`, 'unreachable');
    }
  }

  parseJson(response: Response, text: string, purpose: Purpose): unknown {
    if (looksLikeHtml(response, text)) {
      throw new CiError(`Jenkins answered with an HTML page, not JSON: is the URL the Jenkins root, and does it need a login? (${this.display}, ${purpose.doing})`, 'malformed');
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CiError(`Jenkins at ${this.display} answered with something that is not JSON while ${purpose.doing}: is the URL the Jenkins root?`, 'malformed');
    }
  }

  statusError(response: Response, text: string, purpose: Purpose): CiError {
    const status = response.status;
    if (status === 401) {
      return this.user !== undefined
        ? new CiError(`Jenkins rejected user ${this.user} on ${this.display} (401): check the API token (Jenkins › your name › Security › API Token)`, 'unauthorized')
        : new CiError(`Jenkins on ${this.display} asks for a login (401): set a user and an API token`, 'unauthorized');
    }
    if (status === 403) {
      return this.forbidden(response, text, purpose);
    }
    if (status === 404) {
      return new CiError(purpose.notFound, 'not-found');
    }
    if (status === 429) {
      return new CiError(`Jenkins at ${this.display} is rate-limiting requests (429) while ${purpose.doing}: try again later`, 'rate-limited');
    }
    const statusText = response.statusText ? ` ${response.statusText}` : '';
    const hint = status >= 500 ? ': try again later, or look at the Jenkins system log' : '';
    return new CiError(`Jenkins at ${this.display} failed with ${status}${statusText} while ${purpose.doing}${hint}`, 'server');
  }

  /** Jenkins says who it took the caller for and which permission was missing, in headers of its 403 page. */
  private forbidden(response: Response, text: string, purpose: Purpose): CiError {
    const authenticatedAs = response.headers.get('x-you-are-authenticated-as');
    const permission = response.headers.get('x-required-permission') ?? /is missing the ([\w/ ]+?) permission/.exec(text)?.[1];
    if (this.user === undefined || authenticatedAs === 'anonymous') {
      return new CiError(`Jenkins on ${this.display} does not let anonymous users ${purpose.may} (403): set a user and an API token`, 'forbidden');
    }
    const lacking = permission ? ` without the ${permissionName(permission)} permission` : '';
    return new CiError(`Jenkins user ${this.user} may not ${purpose.may} on ${this.display}${lacking} (403): ask a Jenkins administrator for access`, 'forbidden');
  }
}

/** The timer behind one request, tied to the caller's own signal. */
class Deadline {
  readonly signal: AbortSignal;
  timedOut = false;
  callerAborted = false;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort = () => {
    this.callerAborted = true;
    this.controller.abort(this.caller?.reason);
  };

  constructor(
    timeoutMs: number,
    private readonly caller?: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error('Jenkins request timed out'));
    }, timeoutMs);
    if (caller?.aborted) {
      this.onCallerAbort();
    } else {
      caller?.addEventListener('abort', this.onCallerAbort, { once: true });
    }
  }

  clear(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }
}

function looksLikeHtml(response: Response, text: string): boolean {
  const type = response.headers.get('content-type') ?? '';
  return /html/i.test(type) || /^\s*</.test(text.replace(/^\uFEFF/, ''));
}

/** `hudson.model.Item.Build` → `Job/Build`, the name Jenkins' security matrix shows. */
function permissionName(permission: string): string {
  const match = /^hudson\.model\.(\w+)\.(\w+)$/.exec(permission.trim());
  if (!match) {
    return permission.trim();
  }
  const group = match[1] === 'Item' ? 'Job' : match[1] === 'Hudson' ? 'Overall' : match[1];
  return `${group}/${match[2]}`;
}

/** ` (ECONNREFUSED)` from undici's `fetch failed` error and its cause, or nothing when there is no code. */
function networkCode(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code ? ` (${code})` : '';
}

export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
