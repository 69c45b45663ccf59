// Requests to one Jenkins on Conveyor's HTTP client: basic auth with an API token, a deadline per request (body
// included), and every failure turned into a ServiceError that says what to do. Messages name the Jenkins root
// and the user, never the token, which only ever travels in the Authorization header.
import type { ServiceError, ServiceErrorKind } from '../../core/errors';
import type { ErrorAnswer, HttpAnswer, HttpRequest, NetworkFailure } from '../../core/http/httpClient';
import { HttpClient } from '../../core/http/httpClient';
import { formatSeconds } from '../../core/http/headers';
import { networkCode } from '../../core/networkReason';
import type { JenkinsBase } from './jenkinsUrls';

export interface JenkinsHttpOptions {
  base: JenkinsBase;
  user?: string;
  apiToken?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
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

/** An answer Jenkins sent, with its body read: what `statusError` words. */
type JenkinsAnswer = Pick<ErrorAnswer, 'status' | 'statusText' | 'headers' | 'body'>;

export class JenkinsHttp {
  readonly display: string;
  readonly user: string | undefined;
  private readonly client: HttpClient;

  constructor(options: JenkinsHttpOptions) {
    this.display = options.base.display;
    this.user = options.user;
    const credential =
      options.user !== undefined && options.apiToken !== undefined
        ? Buffer.from(`${options.user}:${options.apiToken}`).toString('base64')
        : undefined;
    this.client = new HttpClient({
      service: 'Jenkins',
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      secrets: () => [options.apiToken, credential],
      authorization: () => (credential ? `Basic ${credential}` : undefined),
      describeNetwork: (failure) => this.networkError(failure),
    });
  }

  /** GET a JSON answer; HTML (a login page, a proxy's page) and unreadable text fail as 'malformed'. */
  async getJson(url: URL, purpose: Purpose): Promise<unknown> {
    const { answer, text } = await this.fetchText(url, { headers: { Accept: 'application/json' } }, purpose);
    if (!answer.response.ok) throw this.statusError(withBody(answer, text), purpose);
    return this.parseJson(answer, text, purpose);
  }

  /** Sends and reads the whole body within the deadline; answers below 400 (and `accept`ed ones) are left to the caller. */
  async fetchText(
    url: URL,
    request: Omit<HttpRequest, 'url' | 'purpose'>,
    purpose: Purpose,
  ): Promise<{ answer: HttpAnswer; text: string }> {
    const answer = await this.send(url, request, purpose);
    return { answer, text: await answer.text() };
  }

  /**
   * Sends a request whose deadline also covers reading the body (`answer.read`, `answer.text`). The caller's
   * `signal` aborts too; that abort is passed through as is, since the caller asked for it. Error statuses
   * become ServiceErrors through `request.describeStatus`, else `statusError`.
   */
  async send(url: URL, request: Omit<HttpRequest, 'url' | 'purpose'>, purpose: Purpose): Promise<HttpAnswer> {
    return this.client.send({
      ...request,
      url: url.href,
      purpose: purpose.doing,
      describeStatus: (answer) => request.describeStatus?.(answer) ?? this.statusError(answer, purpose),
    });
  }

  parseJson(answer: HttpAnswer, text: string, purpose: Purpose): unknown {
    if (looksLikeHtml(answer.headers, text)) {
      throw this.error(
        'malformed',
        `Jenkins answered with an HTML page, not JSON: is the URL the Jenkins root, and does it need a login? (${this.display}, ${purpose.doing})`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.error(
        'malformed',
        `Jenkins at ${this.display} answered with something that is not JSON while ${purpose.doing}: is the URL the Jenkins root?`,
      );
    }
  }

  statusError(answer: JenkinsAnswer, purpose: Purpose): ServiceError {
    const { status } = answer;
    if (status === 401) {
      return this.user !== undefined
        ? this.error(
            'unauthorized',
            `Jenkins rejected user ${this.user} on ${this.display} (401): check the API token (Jenkins › your name › Security › API Token)`,
            status,
          )
        : this.error('unauthorized', `Jenkins on ${this.display} asks for a login (401): set a user and an API token`, status);
    }
    if (status === 403) {
      return this.forbidden(answer, purpose);
    }
    if (status === 404) {
      return this.error('not-found', purpose.notFound, status);
    }
    if (status === 429) {
      return this.error(
        'rate-limited',
        `Jenkins at ${this.display} is rate-limiting requests (429) while ${purpose.doing}: try again later`,
        status,
      );
    }
    const statusText = answer.statusText ? ` ${answer.statusText}` : '';
    const hint = status >= 500 ? ': try again later, or look at the Jenkins system log' : '';
    return this.error('server', `Jenkins at ${this.display} failed with ${status}${statusText} while ${purpose.doing}${hint}`, status);
  }

  /** Every message passes here, so no credential reaches a view or a log. */
  error(kind: ServiceErrorKind, message: string, status?: number): ServiceError {
    return this.client.error(kind, message, status === undefined ? {} : { status });
  }

  /** Jenkins says who it took the caller for and which permission was missing, in headers of its 403 page. */
  private forbidden(answer: JenkinsAnswer, purpose: Purpose): ServiceError {
    const authenticatedAs = answer.headers.get('x-you-are-authenticated-as');
    const permission = answer.headers.get('x-required-permission') ?? /is missing the ([\w/ ]+?) permission/.exec(answer.body)?.[1];
    if (this.user === undefined || authenticatedAs === 'anonymous') {
      return this.error(
        'forbidden',
        `Jenkins on ${this.display} does not let anonymous users ${purpose.may} (403): set a user and an API token`,
        403,
      );
    }
    const lacking = permission ? ` without the ${permissionName(permission)} permission` : '';
    return this.error(
      'forbidden',
      `Jenkins user ${this.user} may not ${purpose.may} on ${this.display}${lacking} (403): ask a Jenkins administrator for access`,
      403,
    );
  }

  private networkError(failure: NetworkFailure): string {
    if (failure.kind === 'timeout') {
      return `Jenkins at ${this.display} did not answer within ${formatSeconds(failure.timeoutMs)} while ${failure.purpose ?? 'waiting'}: it may be overloaded, or a proxy is holding the request`;
    }
    const code = networkCode(failure.error);
    return `Jenkins at ${this.display} is unreachable${code ? ` (${code})` : ''}: check the URL, the network and any proxy`;
  }
}

/** An answer below 400 that the caller refuses anyway, in the shape `statusError` words. */
export function withBody(answer: HttpAnswer, body: string): JenkinsAnswer {
  return { status: answer.status, statusText: answer.response.statusText, headers: answer.headers, body };
}

function looksLikeHtml(headers: Headers, text: string): boolean {
  const type = headers.get('content-type') ?? '';
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
