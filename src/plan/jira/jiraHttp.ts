// Requests to Jira Cloud's REST API with basic auth (email and API token) on Conveyor's HTTP client; every
// failure becomes a ServiceError that says what the user can do, and none of them carries the token.
import type { ServiceError, ServiceErrorKind, ServiceErrorOptions } from '../../core/errors';
import type { ErrorAnswer, NetworkFailure } from '../../core/http/httpClient';
import { HttpClient } from '../../core/http/httpClient';
import { formatSeconds, retryAfterMs } from '../../core/http/headers';
import { networkReason } from '../../core/networkReason';

export const API_TOKEN_PAGE = 'https://id.atlassian.com/manage-profile/security/api-tokens';

export interface JiraHttpOptions {
  site: string;
  email: string;
  apiToken: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** What a request is for, in the words of an error message: "list the SHOP board", "move SHOP-3". */
export interface Purpose {
  action: string;
  /** Who is missing when Jira answers 404. */
  subject: string;
}

export class JiraHttp {
  private readonly client: HttpClient;

  constructor(private readonly options: JiraHttpOptions) {
    const credential = Buffer.from(`${options.email}:${options.apiToken}`).toString('base64');
    this.client = new HttpClient({
      service: 'Jira',
      baseUrl: options.site,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      secrets: () => [options.apiToken, credential],
      headers: { Accept: 'application/json' },
      authorization: () => `Basic ${credential}`,
      describeNetwork: (failure) => this.networkError(failure),
    });
  }

  /** A JSON answer; `undefined` for 204 No Content. */
  async request(method: 'GET' | 'POST' | 'PUT', path: string, purpose: Purpose, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const answer = await this.client.send({
      method,
      url: path,
      body,
      signal,
      redirect: 'manual',
      purpose: purpose.action,
      describeStatus: (failed) => this.statusError(failed, purpose),
    });
    const text = await answer.text();
    if (answer.status >= 300) throw this.statusError({ status: answer.status, headers: answer.headers, body: text }, purpose);
    if (answer.status === 204 || text.trim() === '') return undefined;
    return this.parse(answer.headers, text, purpose);
  }

  /** An answer that is JSON but not in the shape Jira documents. */
  malformed(purpose: Purpose, detail: string): ServiceError {
    return this.error('malformed', `Jira answered the request to ${purpose.action} in an unexpected shape (${detail})`);
  }

  private parse(headers: Headers, text: string, purpose: Purpose): unknown {
    const type = headers.get('content-type') ?? '';
    if (/html/i.test(type) || /^\s*</.test(text)) {
      // A site URL that is not a Jira Cloud site, or a proxy's sign-in page, answers with a web page.
      throw this.error(
        'malformed',
        `${this.options.site} answered the request to ${purpose.action} with a web page instead of Jira's JSON: check the Jira site URL (https://your-company.atlassian.net)`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.error(
        'malformed',
        `Jira answered the request to ${purpose.action} with something that is not JSON: try again, or check the Jira site URL (${this.options.site})`,
      );
    }
  }

  private statusError(answer: Pick<ErrorAnswer, 'status' | 'headers' | 'body'>, purpose: Purpose): ServiceError {
    const { status, headers } = answer;
    const said = jiraMessage(answer.body);
    const quoted = said ? ` ("${said}")` : '';
    const email = this.options.email;
    const options: ServiceErrorOptions = { status };
    if (status === 401) {
      return this.error(
        'unauthorized',
        `Jira rejected the API token for ${email}: create a new one at ${API_TOKEN_PAGE} and enter it in Conveyor's Jira settings`,
        options,
      );
    }
    if (status === 403 && headers.get('x-seraph-loginreason')?.includes('AUTHENTICATION_DENIED')) {
      // After several failed sign-ins Jira wants a CAPTCHA and refuses basic auth until one is solved.
      return this.error(
        'forbidden',
        `Jira wants ${email} to solve a CAPTCHA after failed sign-ins: sign in to ${this.options.site} in a browser once, then refresh`,
        options,
      );
    }
    if (status === 403) {
      return this.error(
        'forbidden',
        `Jira does not let ${email} ${purpose.action}${quoted}: ask a Jira admin for the project permission`,
        options,
      );
    }
    if (status === 404) {
      return this.error('not-found', `${purpose.subject} not found in ${this.options.site}, or ${email} cannot see it${quoted}`, options);
    }
    if (status === 429) {
      const wait = retryAfterMs(headers);
      const when = wait === undefined ? 'try again in a minute' : `try again in ${Math.ceil(wait / 1000)} s`;
      return this.error('rate-limited', `Jira asks Conveyor to slow down (rate limit): ${when}`, { status, retryAfterMs: wait ?? 60_000 });
    }
    if (status >= 500) {
      return this.error(
        'server',
        `Jira could not ${purpose.action} (${status}${said ? `: ${said}` : ''}): try again in a moment, or check https://status.atlassian.com`,
        options,
      );
    }
    if (status >= 300 && status < 400) {
      return this.error(
        'malformed',
        `${this.options.site} redirected the request to ${purpose.action} (${status}): check the Jira site URL, it should be the https://…atlassian.net address`,
        options,
      );
    }
    // 400 (a JQL mistake, a project that does not exist), 409, 422: Jira's own words say what is wrong.
    return this.error('invalid', `Jira could not ${purpose.action}: ${said || `it answered ${status}`}`, options);
  }

  private networkError(failure: NetworkFailure): string {
    if (failure.kind === 'timeout') {
      return `Jira (${this.options.site}) did not answer within ${formatSeconds(failure.timeoutMs)}: check the network, or the Jira site URL`;
    }
    return `Cannot reach Jira at ${this.options.site}: ${networkReason(failure.error)}`;
  }

  /** Every message passes here, so a token echoed back by Jira or a proxy never reaches the view or the log. */
  private error(kind: ServiceErrorKind, message: string, options: ServiceErrorOptions = {}): ServiceError {
    return this.client.error(kind, message, options);
  }
}

/** Jira's error bodies: `{ errorMessages: [...], errors: { field: message } }`. */
function jiraMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { errorMessages?: unknown; errors?: unknown; message?: unknown };
    const messages = Array.isArray(body.errorMessages) ? body.errorMessages.filter((m): m is string => typeof m === 'string') : [];
    if (body.errors && typeof body.errors === 'object') {
      messages.push(...Object.entries(body.errors as Record<string, unknown>).map(([field, m]) => `${field}: ${String(m)}`));
    }
    if (typeof body.message === 'string') messages.push(body.message);
    return messages.join('; ').slice(0, 300);
  } catch {
    return '';
  }
}
