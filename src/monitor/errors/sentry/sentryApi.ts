// Hosted Sentry (sentry.io or self-hosted) through its REST API, in Conveyor's error model: the issues of a
// project and release, and the latest event of each with its stack. No SDK: two GET endpoints, a Bearer
// token and cursor pagination are all it takes, and the core HTTP client keeps errors and rate limits in our hands.
import { forEachLimited } from '../../../core/concurrency';
import { isServiceError } from '../../../core/errors';
import { isRecord } from '../../../core/records';
import type { ErrorEventDetail, ErrorIssue } from '../errorModel';
import type { Purpose, SentryRateLimit } from './sentryHttp';
import { nextCursor, SentryHttp } from './sentryHttp';
import { eventFromSentry, issueFromSentry } from './sentryMapping';

export { nextCursor } from './sentryHttp';
export type { SentryRateLimit } from './sentryHttp';

export const DEFAULT_SENTRY_URL = 'https://sentry.io';
const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 60_000;
/** Sentry's maximum page size. */
const MAX_PAGE_SIZE = 100;
const DEFAULT_MAX_PAGES = 5;
const DEFAULT_CONCURRENCY = 4;

export interface SentryClientOptions {
  /** `https://sentry.io` (default), a region (`https://de.sentry.io`) or a self-hosted Sentry's address. */
  baseUrl?: string;
  /** A user auth token or organization token with `event:read`. */
  token: string;
  /** Organization slug (or id). */
  org: string;
  /** For tests and proxies; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Per request, including reading its body. Default: the HTTP client's (15 s). */
  timeoutMs?: number;
  /** Rate limits that ask for a longer wait fail with a 'rate-limited' error instead. Default 60 s. */
  maxRateLimitWaitMs?: number;
  /** For tests: how to wait, and what time it is (epoch ms). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface IssueQuery {
  /** Project ids or slugs; all projects the token can see when absent. */
  project?: string | string[];
  environment?: string | string[];
  /** Only issues seen in this release (`release:` in the search query). */
  release?: string;
  /** Sentry search syntax; default `is:unresolved`. */
  query?: string;
  /** Sentry's time window, e.g. `24h`, `14d` (default). */
  statsPeriod?: string;
  /** Issues per page, 1–100 (Sentry's `limit`); default 100. */
  limit?: number;
  /** Pages to follow at most; default 5. So at most `limit × maxPages` issues. */
  maxPages?: number;
  signal?: AbortSignal;
}

export interface IssuesWithEventsQuery extends IssueQuery {
  /** Latest-event requests in flight at once; default 4. */
  concurrency?: number;
  /** The issues of the last look: one last seen at the same time keeps the latest event read then. */
  previous?: readonly ErrorIssue[];
}

export class SentryClient {
  private readonly http: SentryHttp;
  private readonly baseUrl: string;
  private readonly org: string;
  private readonly projectIds = new Map<string, string>();

  constructor(options: SentryClientOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_SENTRY_URL).replace(/\/+$/, '');
    this.org = options.org;
    this.http = new SentryHttp({
      baseUrl: this.baseUrl,
      token: options.token,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS,
      sleep: options.sleep ?? sleep,
      now: options.now ?? Date.now,
    });
  }

  /** The budget Sentry reported for an endpoint on its last answer (`issues` or `issue-event`). */
  rateLimit(endpoint: 'issues' | 'issue-event'): SentryRateLimit | undefined {
    return this.http.rateLimit(endpoint);
  }

  /** Unresolved issues (by default) of the organization, newest activity first, following `Link` cursors. */
  async listIssues(query: IssueQuery = {}): Promise<ErrorIssue[]> {
    const projects = list(query.project);
    const environments = list(query.environment);
    const purpose: Purpose = {
      action: `list the issues of ${this.org}${projects.length ? ` (${projects.join(', ')})` : ''}`,
      subject: projects.length
        ? `organization "${this.org}" or project ${projects.map((p) => `"${p}"`).join(', ')}`
        : `organization "${this.org}"`,
      endpoint: 'issues',
    };
    const params = new URLSearchParams();
    // The issues endpoint takes projects by id only (a slug there is a 400): a slug is looked up once.
    for (const project of projects) params.append('project', await this.projectId(project, query.signal));
    for (const environment of environments) params.append('environment', environment);
    params.set('query', searchQuery(query));
    params.set('statsPeriod', query.statsPeriod ?? '14d');
    params.set('limit', String(Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(query.limit ?? MAX_PAGE_SIZE)))));
    // One environment names where the issues were seen; with several, an issue can be in any of them.
    const environment = environments.length === 1 ? environments[0] : undefined;

    const issues: ErrorIssue[] = [];
    const maxPages = Math.max(1, query.maxPages ?? DEFAULT_MAX_PAGES);
    for (let page = 0; page < maxPages; page++) {
      const { body, headers } = await this.http.get(this.orgPath('issues/'), params, purpose, query.signal);
      if (!Array.isArray(body)) throw this.http.malformed(purpose, 'the issue list is not a list');
      for (const raw of body) {
        const mapped = issueFromSentry(raw, environment);
        if (!mapped.ok) throw this.http.malformed(purpose, mapped.problem);
        issues.push(mapped.value);
      }
      // We ask our own URL again with the cursor rather than the link's URL: behind a proxy, the link's host
      // can be Sentry's idea of its address, not the one Conveyor was given (and the token must stay on it).
      const cursor = nextCursor(headers.get('link'));
      if (!cursor) break;
      params.set('cursor', cursor);
    }
    return issues;
  }

  /** The latest event of an issue, with the stack of its exception (innermost frame last). */
  async latestEvent(issueId: string, options: { environment?: string | string[]; signal?: AbortSignal } = {}): Promise<ErrorEventDetail> {
    const purpose: Purpose = {
      action: `read the latest event of issue ${issueId}`,
      subject: `issue ${issueId} in organization "${this.org}"`,
      endpoint: 'issue-event',
    };
    const params = new URLSearchParams();
    for (const environment of list(options.environment)) params.append('environment', environment);
    const { body } = await this.http.get(
      this.orgPath(`issues/${encodeURIComponent(issueId)}/events/latest/`),
      params,
      purpose,
      options.signal,
    );
    const mapped = eventFromSentry(body);
    if (!mapped.ok) throw this.http.malformed(purpose, mapped.problem);
    return mapped.value;
  }

  /**
   * Issues with their latest event, a few requests at a time. An issue whose event is gone (deleted or
   * merged since the list was read) keeps no `latestEvent`; any other failure fails the whole call.
   */
  async issuesWithLatestEvents(query: IssuesWithEventsQuery = {}): Promise<ErrorIssue[]> {
    const issues = await this.listIssues(query);
    const environment = query.environment;
    const known = new Map((query.previous ?? []).map((issue) => [issue.id, issue]));
    await forEachLimited(issues, Math.max(1, query.concurrency ?? DEFAULT_CONCURRENCY), async (issue) => {
      // Nothing happened to it since the last look: a request an issue a minute is most of a project's rate limit.
      const before = known.get(issue.id);
      if (before?.latestEvent && before.lastSeen === issue.lastSeen) {
        issue.latestEvent = before.latestEvent;
        return;
      }
      try {
        issue.latestEvent = await this.latestEvent(issue.id, { environment, signal: query.signal });
      } catch (error) {
        if (!isServiceError(error, 'not-found')) throw error;
      }
    });
    return issues;
  }

  /** A project's numeric id; a slug (`web`, as conveyor.yml names it) is asked for once and remembered. */
  private async projectId(project: string, signal?: AbortSignal): Promise<string> {
    if (/^\d+$/.test(project)) return project;
    let id = this.projectIds.get(project);
    if (id === undefined) {
      const purpose: Purpose = {
        action: `read project "${project}" of ${this.org}`,
        subject: `organization "${this.org}" or project "${project}"`,
        endpoint: 'project',
      };
      const path = `/api/0/projects/${encodeURIComponent(this.org)}/${encodeURIComponent(project)}/`;
      const { body } = await this.http.get(path, new URLSearchParams(), purpose, signal);
      const found = isRecord(body) ? body.id : undefined;
      if (typeof found !== 'string' && typeof found !== 'number') throw this.http.malformed(purpose, 'a project without an id');
      id = String(found);
      this.projectIds.set(project, id);
    }
    return id;
  }

  private orgPath(rest: string): string {
    return `/api/0/organizations/${encodeURIComponent(this.org)}/${rest}`;
  }
}

/** `release:1.4.2 is:unresolved`; a release with spaces or quotes is quoted, as Sentry's search syntax wants. */
export function searchQuery(query: Pick<IssueQuery, 'release' | 'query'>): string {
  const terms: string[] = [];
  if (query.release) terms.push(`release:${/[\s"()]/.test(query.release) ? JSON.stringify(query.release) : query.release}`);
  terms.push(query.query ?? 'is:unresolved');
  return terms.filter((t) => t.trim() !== '').join(' ');
}

function list(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v) => v !== '');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
