// Requests to Jira Cloud's REST API with basic auth (email and API token); every failure becomes a BoardError
// that says what the user can do, and none of them carries the token.
import { networkReason } from '../../core/networkReason';
import { BoardError } from '../workItem';

export const DEFAULT_TIMEOUT_MS = 15_000;
export const API_TOKEN_PAGE = 'https://id.atlassian.com/manage-profile/security/api-tokens';

export interface JiraHttpOptions {
  site: string;
  email: string;
  apiToken: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** What a request is for, in the words of an error message: "list the SHOP board", "move SHOP-3". */
export interface Purpose {
  action: string;
  /** Who is missing when Jira answers 404. */
  subject: string;
}

export class JiraHttp {
  private readonly authorization: string;

  constructor(private readonly options: JiraHttpOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.email}:${options.apiToken}`).toString('base64')}`;
  }

  /** A JSON answer; `undefined` for 204 No Content. */
  async request(method: 'GET' | 'POST' | 'PUT', path: string, purpose: Purpose, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: this.authorization };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const init: RequestInit = {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'manual',
    };
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(`${this.options.site}${path}`, init);
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw this.networkError(error, timeout.aborted);
    }
    if (response.status >= 300) throw this.statusError(response, text, purpose);
    if (response.status === 204 || text.trim() === '') return undefined;
    return this.parse(response, text, purpose);
  }

  private parse(response: Response, text: string, purpose: Purpose): unknown {
    const type = response.headers.get('content-type') ?? '';
    if (/html/i.test(type) || /^\s*</.test(text)) {
      // A site URL that is not a Jira Cloud site, or a proxy's sign-in page, answers with a web page.
      throw this.error('malformed', `${this.options.site} answered the request to ${purpose.action} with a web page instead of Jira's JSON: check the Jira site URL (https://your-company.atlassian.net)`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.error('malformed', `Jira answered the request to ${purpose.action} with something that is not JSON: try again, or check the Jira site URL (${this.options.site})`);
    }
  }

  /** An answer that is JSON but not in the shape Jira documents. */
  malformed(purpose: Purpose, detail: string): BoardError {
    return this.error('malformed', `Jira answered the request to ${purpose.action} in an unexpected shape (${detail})`);
  }

  private statusError(response: Response, text: string, purpose: Purpose): BoardError {
    const { status, headers } = response;
    const said = jiraMessage(text);
    const quoted = said ? ` ("${said}")` : '';
    const email = this.options.email;
    if (status === 401) {
      return this.error('unauthorized', `Jira rejected the API token for ${email}: create a new one at ${API_TOKEN_PAGE} and enter it in Conveyor's Jira settings`);
    }
    if (status === 403 && headers.get('x-seraph-loginreason')?.includes('AUTHENTICATION_DENIED')) {
      // After several failed sign-ins Jira wants a CAPTCHA and refuses basic auth until one is solved.
      return this.error('forbidden', `Jira wants ${email} to solve a CAPTCHA after failed sign-ins: sign in to ${this.options.site} in a browser once, then refresh`);
    }
    if (status === 403) {
      return this.error('forbidden', `Jira does not let ${email} ${purpose.action}${quoted}: ask a Jira admin for the project permission`);
    }
    if (status === 404) {
      return this.error('not-found', `${purpose.subject} not found in ${this.options.site}, or ${email} cannot see it${quoted}`);
    }
    if (status === 429) {
      const retryAfterMs = retryAfter(headers.get('retry-after'));
      const wait = retryAfterMs === undefined ? 'try again in a minute' : `try again in ${Math.ceil(retryAfterMs / 1000)} s`;
      return this.error('rate-limited', `Jira asks Conveyor to slow down (rate limit): ${wait}`, retryAfterMs ?? 60_000);
    }
    if (status >= 500) {
      return this.error('server', `Jira could not ${purpose.action} (${status}${said ? `: ${said}` : ''}): try again in a moment, or check https://status.atlassian.com`);
    }
    if (status >= 300 && status < 400) {
      return this.error('malformed', `${this.options.site} redirected the request to ${purpose.action} (${status}): check the Jira site URL, it should be the https://…atlassian.net address`);
    }
    // 400 (a JQL mistake, a project that does not exist), 409, 422: Jira's own words say what is wrong.
    return this.error('invalid', `Jira could not ${purpose.action}: ${said || `it answered ${status}`}`);
  }

  private networkError(error: unknown, timedOut: boolean): BoardError {
    if (timedOut || (error instanceof Error && error.name === 'TimeoutError')) {
      return this.error('timeout', `Jira (${this.options.site}) did not answer within ${Math.round(this.options.timeoutMs / 100) / 10} s: check the network, or the Jira site URL`);
    }
    return this.error('unreachable', `Cannot reach Jira at ${this.options.site}: ${networkReason(error)}`);
  }

  /** Every message passes here, so a token echoed back by Jira or a proxy never reaches the view or the log. */
  private error(kind: BoardError['kind'], message: string, retryAfterMs?: number): BoardError {
    let safe = message;
    for (const secret of [this.options.apiToken, this.authorization.slice('Basic '.length)]) {
      if (secret) safe = safe.split(secret).join('***');
    }
    return new BoardError(safe, kind, retryAfterMs);
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

/** `Retry-After` in seconds or as an HTTP date. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
