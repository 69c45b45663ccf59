// A board on GitHub Issues: a repository's issues (not its pull requests) in four columns. Closed issues are
// done; open ones sit in "in progress" or "in review" when they carry such a label, otherwise in todo.
// Plain Node (fetch), no editor API, so it runs in tests and the CLI as well.
import type { BoardColumn, BoardProvider, WorkItem, WorkItemTransition } from '../workItem';
import { BoardError } from '../workItem';

export interface GitHubIssuesBoardOptions {
  owner: string;
  repo: string;
  token?: string;
  /** The REST API root; `https://api.github.com` unless GitHub Enterprise Server (`https://host/api/v3`). */
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** The login whose issues `list({ mine: true })` shows; read from `GET /user` when left out and a token is given. */
  me?: string;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
const API_VERSION = '2022-11-28';
const PAGE_SIZE = 100;
/** A runaway pagination stops here: 1 000 issues is more than a board shows. */
const MAX_PAGES = 10;

/** The labels Conveyor adds when it moves an issue into a column that GitHub has no state for. */
export const STATUS_LABELS = { 'in-progress': 'in progress', 'in-review': 'in review' } as const;

const TRANSITIONS: WorkItemTransition[] = [
  { id: 'todo', name: 'To do', column: 'todo' },
  { id: 'in-progress', name: 'In progress', column: 'in-progress' },
  { id: 'in-review', name: 'In review', column: 'in-review' },
  { id: 'done', name: 'Done (close)', column: 'done' },
];

interface Purpose {
  /** "list the octo/repo issues", worded to follow "could not". */
  action: string;
  /** "Repository octo/repo", "Issue #42", for a not-found message. */
  subject: string;
}

interface CachedList {
  etag: string;
  items: WorkItem[];
}

export class GitHubIssuesBoardProvider implements BoardProvider {
  readonly name = 'github' as const;
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly token: string | undefined;
  private readonly repoPath: string;
  private readonly slug: string;
  /** The last list answered for each first-page URL, by its ETag. */
  private readonly cache = new Map<string, CachedList>();
  private me: string | undefined;

  constructor(options: { owner: string; repo: string; token?: string; baseUrl?: string; fetch?: typeof fetch; timeoutMs?: number; me?: string }) {
    this.baseUrl = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.token = options.token?.trim() || undefined;
    this.me = options.me?.trim() || undefined;
    if (!options.owner?.trim() || !options.repo?.trim()) {
      throw new BoardError('Choose the GitHub repository of the board: set its owner and name (board.github in conveyor.yml)', 'invalid');
    }
    this.repoPath = `/repos/${encodeURIComponent(options.owner.trim())}/${encodeURIComponent(options.repo.trim())}`;
    this.slug = `${options.owner.trim()}/${options.repo.trim()}`;
  }

  async list(options: { mine?: boolean; signal?: AbortSignal } = {}): Promise<WorkItem[]> {
    const purpose: Purpose = { action: `list the issues of ${this.slug}`, subject: `Repository ${this.slug}` };
    const query = new URLSearchParams({ state: 'all', per_page: String(PAGE_SIZE), sort: 'updated' });
    if (options.mine) query.set('assignee', await this.login(options.signal));
    const firstUrl = `${this.baseUrl}${this.repoPath}/issues?${query.toString()}`;
    const cached = this.cache.get(firstUrl);

    const items: WorkItem[] = [];
    let etag: string | undefined;
    let url: string | undefined = firstUrl;
    for (let page = 0; page < MAX_PAGES && url; page++) {
      const response = await this.call('GET', url, purpose, { etag: page === 0 ? cached?.etag : undefined, signal: options.signal });
      if (page === 0) {
        // Nothing changed since the last list: GitHub does not charge a 304 to the rate limit.
        if (response.status === 304 && cached) return cached.items.map((item) => ({ ...item, labels: [...item.labels] }));
        etag = response.headers.get('etag') ?? undefined;
      }
      const body = await this.json(response, purpose);
      if (!Array.isArray(body)) throw this.error('malformed', `GitHub answered the request to ${purpose.action} in an unexpected shape (not a list of issues)`);
      for (const issue of body) {
        if (isRecord(issue) && issue.pull_request) continue; // the issues endpoint lists pull requests too
        items.push(this.shaped(purpose, () => workItemOf(issue)));
      }
      url = this.nextPage(response.headers.get('link'), purpose);
    }
    if (etag) this.cache.set(firstUrl, { etag, items: items.map((item) => ({ ...item, labels: [...item.labels] })) });
    else this.cache.delete(firstUrl);
    return items;
  }

  /** The four columns, always: GitHub has no workflow, only open/closed and labels. */
  transitions(item: WorkItem): Promise<WorkItemTransition[]> {
    return Promise.resolve(TRANSITIONS.filter((t) => t.column !== item.column).map((t) => ({ ...t })));
  }

  /** Opens or closes the issue, then puts the status label of the target column on it (and takes the other off). */
  async move(item: WorkItem, transition: WorkItemTransition): Promise<WorkItem> {
    const number = issueNumber(item);
    const issuePath = `${this.repoPath}/issues/${number}`;
    const purpose: Purpose = { action: `move ${item.key} to ${transition.name}`, subject: `Issue ${item.key} in ${this.slug}` };
    const target = transition.column;
    const patched = await this.request('PATCH', issuePath, purpose, { state: target === 'done' ? 'closed' : 'open' });
    let moved = this.shaped(purpose, () => workItemOf(patched));
    let labels = moved.labels;

    // Labels that put the issue in another column come off; closing also clears them, so a reopened issue is todo.
    for (const label of labels.filter((name) => { const column = labelColumn(name); return column !== undefined && column !== target; })) {
      const answer = await this.request('DELETE', `${issuePath}/labels/${encodeURIComponent(label)}`, purpose, undefined, { tolerate404: true });
      labels = answer === undefined ? labels.filter((name) => name !== label) : this.shaped(purpose, () => labelNamesOf(answer));
    }
    if ((target === 'in-progress' || target === 'in-review') && !labels.some((name) => labelColumn(name) === target)) {
      const answer = await this.request('POST', `${issuePath}/labels`, purpose, { labels: [STATUS_LABELS[target]] });
      labels = this.shaped(purpose, () => labelNamesOf(answer));
    }
    moved = { ...moved, labels, ...placement(moved.status === 'closed' ? 'closed' : 'open', labels) };
    return moved;
  }

  /** Makes `login` the issue's assignee (the previous one is taken off), or clears the assignee when undefined. */
  async assign(item: WorkItem, login: string | undefined): Promise<WorkItem> {
    const number = issueNumber(item);
    const path = `${this.repoPath}/issues/${number}/assignees`;
    const purpose: Purpose = { action: login ? `assign ${item.key} to ${login}` : `unassign ${item.key}`, subject: `Issue ${item.key} in ${this.slug}` };
    let answer: unknown;
    if (item.assignee && item.assignee !== login) answer = await this.request('DELETE', path, purpose, { assignees: [item.assignee] });
    if (login && item.assignee !== login) answer = await this.request('POST', path, purpose, { assignees: [login] });
    if (answer === undefined) return { ...item, labels: [...item.labels] };
    const assigned = this.shaped(purpose, () => workItemOf(answer));
    // GitHub quietly ignores a login that cannot be assigned (no access to the repository).
    if (login && assigned.assignee !== login && !assigneesOf(answer).includes(login)) {
      throw this.error('invalid', `GitHub did not assign ${item.key} to ${login}: they need access to ${this.slug}`);
    }
    return assigned;
  }

  // --- HTTP ---

  private async login(signal: AbortSignal | undefined): Promise<string> {
    if (this.me) return this.me;
    if (!this.token) throw this.error('unauthorized', 'Sign in to GitHub to see the issues assigned to you');
    const purpose: Purpose = { action: 'read who is signed in', subject: 'The signed-in user' };
    const body = await this.json(await this.call('GET', `${this.baseUrl}/user`, purpose, { signal }), purpose);
    if (!isRecord(body) || typeof body.login !== 'string' || !body.login) throw this.error('malformed', 'GitHub answered the request to read who is signed in without a login');
    this.me = body.login;
    return body.login;
  }

  private async request(method: string, path: string, purpose: Purpose, body?: unknown, options: { tolerate404?: boolean } = {}): Promise<unknown> {
    const response = await this.call(method, `${this.baseUrl}${path}`, purpose, { body, tolerate404: options.tolerate404 });
    if (response.status === 404) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    return this.json(response, purpose);
  }

  /** One request; answers of 400 and above (but a tolerated 404) become BoardErrors. */
  private async call(method: string, url: string, purpose: Purpose, options: { etag?: string; body?: unknown; signal?: AbortSignal; tolerate404?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': API_VERSION, 'User-Agent': 'conveyor-vscode' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (options.etag) headers['If-None-Match'] = options.etag;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let response: Response;
    try {
      response = await this.fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal });
    } catch (error) {
      throw this.networkError(error, options.signal);
    }
    if (response.status === 404 && options.tolerate404) return response;
    if (response.status >= 400) throw await this.statusError(response, purpose);
    return response;
  }

  private async json(response: Response, purpose: Purpose): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.networkError(error, undefined);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // A GitHub Enterprise URL without /api/v3 answers with the web UI's HTML.
      throw this.error('malformed', `GitHub answered the request to ${purpose.action} with something that is not JSON: check the GitHub API URL (${this.baseUrl})`);
    }
  }

  private shaped<T>(purpose: Purpose, read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof MalformedIssue)) throw error;
      throw this.error('malformed', `GitHub answered the request to ${purpose.action} in an unexpected shape (${error.message})`);
    }
  }

  /** The `rel="next"` page of a `Link` header; only on the API's own host, so the token never goes elsewhere. */
  private nextPage(link: string | null, purpose: Purpose): string | undefined {
    const next = link?.split(',').map((part) => /<([^>]+)>\s*;.*\brel="?next"?/.exec(part)?.[1]).find(Boolean);
    if (!next) return undefined;
    const url = new URL(next, this.baseUrl);
    if (url.origin !== new URL(this.baseUrl).origin) {
      throw this.error('malformed', `GitHub answered the request to ${purpose.action} with a next page on another host (${url.host}): check the GitHub API URL (${this.baseUrl})`);
    }
    return url.toString();
  }

  private async statusError(response: Response, purpose: Purpose): Promise<BoardError> {
    const { status, headers } = response;
    const message = githubMessage(await response.text().catch(() => ''));
    if (status === 401) {
      return this.error('unauthorized', this.token ? 'GitHub rejected the token: sign in again' : `GitHub needs a sign-in to ${purpose.action}: sign in`);
    }
    if (status === 429 || (status === 403 && isRateLimited(headers, message))) return this.rateLimited(headers);
    const sso = headers.get('x-github-sso');
    if (status === 403 && (sso || /SAML/i.test(message))) {
      const url = /url=(\S+)/.exec(sso ?? '')?.[1]?.replace(/[;,]$/, '');
      return this.error('forbidden', `The organization of ${this.slug} uses SAML single sign-on: authorize the token for it${url ? ` at ${url}` : ' in your GitHub token settings'}, then try again`);
    }
    if (status === 403) {
      return this.error('forbidden', `GitHub refused to ${purpose.action}${message ? ` ("${message}")` : ''}: the token needs Issues read and write access to ${this.slug}`);
    }
    if (status === 404 || status === 410) {
      const hint = this.token ? '' : '; sign in to see private repositories';
      return this.error('not-found', `${purpose.subject} not found, or the token cannot see it (GitHub answers 404 for private repositories it hides)${hint}`);
    }
    if (status >= 500) return this.error('server', `GitHub could not ${purpose.action} (${status}${message ? `: ${message}` : ''}): try again in a moment`);
    return this.error('invalid', `GitHub could not ${purpose.action}: ${message || `it answered ${status}`}`);
  }

  private rateLimited(headers: Headers): BoardError {
    const retryAfterMs = rateLimitWait(headers);
    const wait = retryAfterMs === undefined ? 'try again later' : `try again in ${formatWait(retryAfterMs)}`;
    if (headers.get('x-ratelimit-remaining') !== '0') {
      return this.error('rate-limited', `GitHub asks Conveyor to slow down (secondary rate limit): ${wait}`, retryAfterMs);
    }
    const limit = headers.get('x-ratelimit-limit');
    const signIn = this.token ? '' : ', or sign in for a higher limit';
    return this.error('rate-limited', `GitHub's API rate limit${limit ? ` of ${limit} requests an hour` : ''} is used up: ${wait}${signIn}`, retryAfterMs);
  }

  private networkError(error: unknown, signal: AbortSignal | undefined): Error {
    // The caller cancelled: that is not a failure to show.
    if (signal?.aborted) return error instanceof Error ? error : new Error(String(error));
    if (error instanceof BoardError) return error;
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return this.error('timeout', `GitHub (${hostOf(this.baseUrl)}) did not answer within ${Math.round(this.timeoutMs / 100) / 10} s: check the network, or the GitHub API URL`);
    }
    return this.error('unreachable', `Cannot reach GitHub at ${hostOf(this.baseUrl)}: ${networkReason(error)}`);
  }

  /** Every message passes here, so a token echoed in GitHub's words never reaches the view or the log. */
  private error(kind: BoardError['kind'], message: string, retryAfterMs?: number): BoardError {
    const safe = this.token ? message.split(this.token).join('***') : message;
    return new BoardError(safe, kind, retryAfterMs);
  }
}

// --- Mapping GitHub's issues onto work items. ---

class MalformedIssue extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/** One issue of GitHub's REST API as a work item. */
export function workItemOf(issue: unknown): WorkItem {
  if (!isRecord(issue)) throw new MalformedIssue('an issue is not an object');
  const { number, title, state } = issue;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw new MalformedIssue('an issue has no number');
  if (typeof title !== 'string') throw new MalformedIssue(`issue #${number} has no title`);
  if (state !== 'open' && state !== 'closed') throw new MalformedIssue(`issue #${number} has no open/closed state`);
  const labels = labelNamesOf(issue.labels ?? []);
  const milestone = isRecord(issue.milestone) ? issue.milestone : undefined;
  const due = optionalString(milestone?.due_on);
  const item: WorkItem = {
    provider: 'github',
    id: optionalString(issue.node_id) ?? String(typeof issue.id === 'number' ? issue.id : number),
    key: `#${number}`,
    title,
    ...placement(state, labels),
    labels,
  };
  const assignee = (isRecord(issue.assignee) ? optionalString(issue.assignee.login) : undefined) ?? assigneesOf(issue)[0];
  if (assignee) item.assignee = assignee;
  const milestoneTitle = optionalString(milestone?.title);
  if (milestoneTitle) item.milestone = milestoneTitle;
  if (due) item.due = due.slice(0, 10);
  const url = optionalString(issue.html_url);
  if (url) item.url = url;
  const updated = optionalString(issue.updated_at);
  if (updated) item.updated = updated;
  const type = typeOf(labels);
  if (type) item.type = type;
  return item;
}

function assigneesOf(issue: unknown): string[] {
  if (!isRecord(issue) || !Array.isArray(issue.assignees)) return [];
  return issue.assignees.map((a) => (isRecord(a) ? optionalString(a.login) : undefined)).filter((login): login is string => login !== undefined);
}

/** Label names from GitHub's labels (objects, or plain names as some answers give). */
function labelNamesOf(labels: unknown): string[] {
  if (!Array.isArray(labels)) throw new MalformedIssue('labels are not a list');
  return labels.map((label) => {
    if (typeof label === 'string') return label;
    if (isRecord(label) && typeof label.name === 'string') return label.name;
    throw new MalformedIssue('a label has no name');
  });
}

/** The column a status label stands for: "in progress", "Doing", "status: in-review"… */
export function labelColumn(label: string): 'in-progress' | 'in-review' | undefined {
  const words = label.toLowerCase().replace(/[-_:/]+/g, ' ').replace(/\s+/g, ' ').trim().replace(/^status /, '');
  if (words === 'in progress' || words === 'doing' || words === 'wip' || words === 'work in progress') return 'in-progress';
  if (words === 'review' || words === 'in review' || words === 'needs review' || words === 'under review') return 'in-review';
  return undefined;
}

function placement(state: 'open' | 'closed', labels: string[]): { column: BoardColumn; status: string } {
  if (state === 'closed') return { column: 'done', status: 'closed' };
  // In review wins over in progress when both labels are on.
  const review = labels.find((l) => labelColumn(l) === 'in-review');
  if (review) return { column: 'in-review', status: review };
  const progress = labels.find((l) => labelColumn(l) === 'in-progress');
  if (progress) return { column: 'in-progress', status: progress };
  return { column: 'todo', status: 'open' };
}

const TYPE_LABELS: [RegExp, string][] = [
  [/^(type: ?)?(bug|defect|regression)$/, 'fix'],
  [/^(type: ?)?(enhancement|feature|feature request)$/, 'feat'],
  [/^(type: ?)?(documentation|docs)$/, 'docs'],
  [/^(type: ?)?(chore|maintenance)$/, 'chore'],
];

function typeOf(labels: string[]): string | undefined {
  for (const label of labels) {
    const name = label.toLowerCase().trim();
    const match = TYPE_LABELS.find(([pattern]) => pattern.test(name));
    if (match) return match[1];
  }
  return undefined;
}

function issueNumber(item: WorkItem): number {
  const number = Number(/^#?(\d+)$/.exec(item.key.trim())?.[1]);
  if (!Number.isInteger(number) || number <= 0) throw new BoardError(`${item.key} is not a GitHub issue number`, 'invalid');
  return number;
}

// --- GitHub's error answers. ---

function githubMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    return isRecord(body) && typeof body.message === 'string' ? body.message : '';
  } catch {
    return '';
  }
}

function isRateLimited(headers: Headers, message: string): boolean {
  return headers.get('x-ratelimit-remaining') === '0' || headers.has('retry-after') || /rate limit/i.test(message);
}

/** How long to wait: `Retry-After` (seconds), else until `X-RateLimit-Reset` (epoch seconds), else a minute for a secondary limit. */
function rateLimitWait(headers: Headers): number | undefined {
  const retryAfter = Number(headers.get('retry-after') ?? NaN);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.round(retryAfter * 1000);
  const reset = Number(headers.get('x-ratelimit-reset') ?? NaN);
  if (headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - Date.now());
  return headers.get('x-ratelimit-remaining') === '0' ? undefined : 60_000;
}

function formatWait(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 90) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} min`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error && isRecord(error.cause) ? error.cause : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve (check the GitHub API URL or the network)';
  if (code === 'ECONNREFUSED') return 'the connection was refused (check the GitHub API URL)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was reset';
  if (code?.startsWith('CERT_') || code?.includes('CERT')) return `the TLS certificate was not accepted (${code})`;
  return error instanceof Error ? error.message : String(error);
}
