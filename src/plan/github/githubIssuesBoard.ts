// A board on GitHub Issues: a repository's issues (not its pull requests) in four columns. Closed issues are
// done; open ones sit in "in progress" or "in review" when they carry such a label, otherwise in todo.
// Plain Node (fetch), no editor API, so it runs in tests and the CLI as well.
import type { Assignee, BoardColumn, BoardProvider, ListOptions, NewWorkItem, WorkItem, WorkItemTransition } from '../workItem';
import { unexpectedShape } from '../../core/answerShape';
import { ServiceError } from '../../core/errors';
import type { GitHubPurpose } from '../../core/github/githubHttp';
import { GitHubHttp } from '../../core/github/githubHttp';
import { isRecord, optionalString } from '../../core/records';

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

const PAGE_SIZE = 100;
/**
 * The open issues (with the pull requests GitHub lists among them) are read up to this many pages: 1 000 is
 * more than a board shows. Closed ones only fill the done column, so only their most recently updated page.
 */
const MAX_OPEN_PAGES = 10;
const CLOSED_PAGES = 1;

/** The labels Conveyor adds when it moves an issue into a column that GitHub has no state for. */
export const STATUS_LABELS = { 'in-progress': 'in progress', 'in-review': 'in review' } as const;

const TRANSITIONS: WorkItemTransition[] = [
  { id: 'todo', name: 'To do', column: 'todo', status: 'open' },
  { id: 'in-progress', name: 'In progress', column: 'in-progress', status: STATUS_LABELS['in-progress'] },
  { id: 'in-review', name: 'In review', column: 'in-review', status: STATUS_LABELS['in-review'] },
  { id: 'done', name: 'Done (close)', column: 'done', status: 'closed' },
];

interface CachedList {
  etag: string;
  items: WorkItem[];
  /** The list stopped at its page cap with more pages to go. */
  more: boolean;
}

/** Items handed out are copies: the cache must not change with what a caller does to them. */
const copyItem = (item: WorkItem): WorkItem => ({ ...item, labels: [...item.labels] });

export class GitHubIssuesBoardProvider implements BoardProvider {
  readonly name = 'github' as const;
  private readonly http: GitHubHttp;
  private readonly repoPath: string;
  private readonly slug: string;
  /** The last list answered for each first-page URL (one per state and assignee), by its ETag. */
  private readonly cache = new Map<string, CachedList>();
  private me: string | undefined;

  constructor(options: GitHubIssuesBoardOptions) {
    this.me = options.me?.trim() || undefined;
    if (!options.owner?.trim() || !options.repo?.trim()) {
      throw new ServiceError(
        'GitHub',
        'invalid',
        'Choose the GitHub repository of the board: set its owner and name (board.github in conveyor.yml)',
      );
    }
    this.repoPath = `/repos/${encodeURIComponent(options.owner.trim())}/${encodeURIComponent(options.repo.trim())}`;
    this.slug = `${options.owner.trim()}/${options.repo.trim()}`;
    this.http = new GitHubHttp({
      baseUrl: options.baseUrl,
      token: options.token,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      need: `Issues read and write access to ${this.slug}`,
    });
  }

  /**
   * The open issues first, all of them up to the cap, then the recently closed: listing `state=all` by update
   * let a busy repository's closed issues and pull requests use up the pages, and the open backlog vanished.
   */
  async list(options: ListOptions = {}): Promise<WorkItem[]> {
    const purpose: GitHubPurpose = { action: `list the issues of ${this.slug}`, subject: `Repository ${this.slug}` };
    const assignee = options.mine ? await this.login(options.signal) : undefined;
    const open = await this.listState('open', MAX_OPEN_PAGES, assignee, purpose, options);
    const closed = await this.listState('closed', CLOSED_PAGES, assignee, purpose, options);
    if (open.more)
      options.onShortened?.(
        `${this.slug} has more than ${open.items.length} open issues: the board shows the ${open.items.length} updated last.`,
      );
    // One list may come from the cache (a 304) while the other is new: an issue closed or reopened since is
    // in both, and its newer copy is the true one.
    const byKey = new Map<string, WorkItem>();
    for (const item of [...open.items, ...closed.items]) {
      const known = byKey.get(item.key);
      if (!known || (item.updated ?? '') > (known.updated ?? '')) byKey.set(item.key, item);
    }
    return [...byKey.values()].map(copyItem);
  }

  /** One state's issues, newest update first, up to `maxPages`; an unchanged first page (304) answers from the cache. */
  private async listState(
    state: 'open' | 'closed',
    maxPages: number,
    assignee: string | undefined,
    purpose: GitHubPurpose,
    options: ListOptions,
  ): Promise<CachedList> {
    const query = new URLSearchParams({ state, per_page: String(PAGE_SIZE), sort: 'updated' });
    if (assignee) query.set('assignee', assignee);
    const firstUrl = `${this.http.baseUrl}${this.repoPath}/issues?${query.toString()}`;
    const cached = this.cache.get(firstUrl);

    const items: WorkItem[] = [];
    let etag: string | undefined;
    let url: string | undefined = firstUrl;
    for (let page = 0; page < maxPages && url; page++) {
      const answer = await this.http.send('GET', url, purpose, { etag: page === 0 ? cached?.etag : undefined, signal: options.signal });
      if (page === 0) {
        // Nothing changed since the last list: GitHub does not charge a 304 to the rate limit.
        if (answer.status === 304 && cached) return cached;
        etag = answer.headers.get('etag') ?? undefined;
      }
      const body = await this.http.json(answer, purpose);
      if (!Array.isArray(body)) throw this.http.unexpected(purpose, 'not a list of issues');
      for (const issue of body) {
        if (isRecord(issue) && issue.pull_request) continue; // the issues endpoint lists pull requests too
        items.push(this.http.shaped(purpose, () => workItemOf(issue)));
      }
      url = this.http.nextPage(answer.headers.get('link'), purpose);
    }
    const listed: CachedList = { etag: etag ?? '', items: items.map(copyItem), more: url !== undefined };
    if (etag) this.cache.set(firstUrl, listed);
    else this.cache.delete(firstUrl);
    return listed;
  }

  /** The four columns, always: GitHub has no workflow, only open/closed and labels. */
  transitions(item: WorkItem): Promise<WorkItemTransition[]> {
    return Promise.resolve(TRANSITIONS.filter((t) => t.column !== item.column).map((t) => ({ ...t })));
  }

  /** Opens or closes the issue, then puts the status label of the target column on it (and takes the other off). */
  async move(item: WorkItem, transition: WorkItemTransition): Promise<WorkItem> {
    const number = issueNumber(item);
    const issuePath = `${this.repoPath}/issues/${number}`;
    const purpose: GitHubPurpose = { action: `move ${item.key} to ${transition.name}`, subject: `Issue ${item.key} in ${this.slug}` };
    const target = transition.column;
    const patched = await this.http.request('PATCH', issuePath, purpose, { state: target === 'done' ? 'closed' : 'open' });
    let moved = this.http.shaped(purpose, () => workItemOf(patched));
    let labels = moved.labels;

    // Labels that put the issue in another column come off; closing also clears them, so a reopened issue is todo.
    for (const label of labels.filter((name) => {
      const column = labelColumn(name);
      return column !== undefined && column !== target;
    })) {
      const answer = await this.http.request('DELETE', `${issuePath}/labels/${encodeURIComponent(label)}`, purpose, undefined, {
        tolerate404: true,
      });
      labels = answer === undefined ? labels.filter((name) => name !== label) : this.http.shaped(purpose, () => labelNamesOf(answer));
    }
    if ((target === 'in-progress' || target === 'in-review') && !labels.some((name) => labelColumn(name) === target)) {
      const answer = await this.http.request('POST', `${issuePath}/labels`, purpose, { labels: [STATUS_LABELS[target]] });
      labels = this.http.shaped(purpose, () => labelNamesOf(answer));
    }
    moved = { ...moved, labels, ...placement(moved.status === 'closed' ? 'closed' : 'open', labels) };
    return moved;
  }

  /** Makes `login` the issue's assignee (the previous one is taken off), or clears the assignee when undefined. */
  async assign(item: WorkItem, login: string | undefined): Promise<WorkItem> {
    const number = issueNumber(item);
    const path = `${this.repoPath}/issues/${number}/assignees`;
    const purpose: GitHubPurpose = {
      action: login ? `assign ${item.key} to ${login}` : `unassign ${item.key}`,
      subject: `Issue ${item.key} in ${this.slug}`,
    };
    let answer: unknown;
    if (item.assignee && item.assignee !== login) answer = await this.http.request('DELETE', path, purpose, { assignees: [item.assignee] });
    if (login && item.assignee !== login) answer = await this.http.request('POST', path, purpose, { assignees: [login] });
    if (answer === undefined) return { ...item, labels: [...item.labels] };
    const assigned = this.http.shaped(purpose, () => workItemOf(answer));
    // GitHub quietly ignores a login that cannot be assigned (no access to the repository).
    if (login && assigned.assignee !== login && !assigneesOf(answer).includes(login)) {
      throw this.http.error('invalid', `GitHub did not assign ${item.key} to ${login}: they need access to ${this.slug}`);
    }
    return assigned;
  }

  assignees(): Promise<Assignee[]> {
    return repositoryAssignees(this.http, this.repoPath, {
      action: `list who can be assigned in ${this.slug}`,
      subject: `Repository ${this.slug}`,
    });
  }

  /** Opens an issue (assigned when asked), then moves it to the column asked for. */
  async create(fields: NewWorkItem): Promise<WorkItem> {
    const purpose: GitHubPurpose = { action: `create an issue in ${this.slug}`, subject: `Repository ${this.slug}` };
    const answer = await this.http.request('POST', `${this.repoPath}/issues`, purpose, {
      title: fields.title,
      ...(fields.description ? { body: fields.description } : {}),
      ...(fields.assignee ? { assignees: [fields.assignee] } : {}),
    });
    const created = this.http.shaped(purpose, () => workItemOf(answer));
    const transition = TRANSITIONS.find((t) => t.column === fields.column);
    return transition && transition.column !== created.column ? this.move(created, transition) : created;
  }

  // --- HTTP ---

  private async login(signal: AbortSignal | undefined): Promise<string> {
    if (this.me) return this.me;
    if (!this.http.token) throw this.http.error('unauthorized', 'Sign in to GitHub to see the issues assigned to you');
    const purpose: GitHubPurpose = { action: 'read who is signed in', subject: 'The signed-in user' };
    const body = await this.http.json(await this.http.send('GET', '/user', purpose, { signal }), purpose);
    if (!isRecord(body) || typeof body.login !== 'string' || !body.login)
      throw this.http.error('malformed', 'GitHub answered the request to read who is signed in without a login');
    this.me = body.login;
    return body.login;
  }
}

// --- Mapping GitHub's issues onto work items. ---

/** One issue of GitHub's REST API as a work item. */
export function workItemOf(issue: unknown): WorkItem {
  if (!isRecord(issue)) throw unexpectedShape('GitHub', 'an issue is not an object');
  const { number, title, state } = issue;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw unexpectedShape('GitHub', 'an issue has no number');
  if (typeof title !== 'string') throw unexpectedShape('GitHub', `issue #${number} has no title`);
  if (state !== 'open' && state !== 'closed') throw unexpectedShape('GitHub', `issue #${number} has no open/closed state`);
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
  const type = typeOfLabels(labels);
  if (type) item.type = type;
  return item;
}

function assigneesOf(issue: unknown): string[] {
  if (!isRecord(issue) || !Array.isArray(issue.assignees)) return [];
  return issue.assignees
    .map((a) => (isRecord(a) ? optionalString(a.login) : undefined))
    .filter((login): login is string => login !== undefined);
}

/** Label names from GitHub's labels (objects, or plain names as some answers give). */
function labelNamesOf(labels: unknown): string[] {
  if (!Array.isArray(labels)) throw unexpectedShape('GitHub', 'labels are not a list');
  return labels.map((label) => {
    if (typeof label === 'string') return label;
    if (isRecord(label) && typeof label.name === 'string') return label.name;
    throw unexpectedShape('GitHub', 'a label has no name');
  });
}

/** The column a status label stands for: "in progress", "Doing", "status: in-review"… */
export function labelColumn(label: string): 'in-progress' | 'in-review' | undefined {
  const words = label
    .toLowerCase()
    .replace(/[-_:/]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^status /, '');
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

/** The work type (`fix`, `feat`…) a label such as `bug` or `type: feature` stands for. */
export function typeOfLabels(labels: string[]): string | undefined {
  for (const label of labels) {
    const name = label.toLowerCase().trim();
    const match = TYPE_LABELS.find(([pattern]) => pattern.test(name));
    if (match) return match[1];
  }
  return undefined;
}

function issueNumber(item: WorkItem): number {
  const number = Number(/^#?(\d+)$/.exec(item.key.trim())?.[1]);
  if (!Number.isInteger(number) || number <= 0) throw new ServiceError('GitHub', 'invalid', `${item.key} is not a GitHub issue number`);
  return number;
}

/** Who can be assigned issues in a repository (`GET /repos/{owner}/{repo}/assignees`, the first 100). */
export async function repositoryAssignees(http: GitHubHttp, repoPath: string, purpose: GitHubPurpose): Promise<Assignee[]> {
  const answer = await http.request('GET', `${repoPath}/assignees?per_page=100`, purpose);
  if (!Array.isArray(answer)) throw http.unexpected(purpose, 'not a list of users');
  return answer
    .map((user) => (isRecord(user) ? optionalString(user.login) : undefined))
    .filter((login): login is string => login !== undefined)
    .map((login) => ({ id: login, name: login }));
}
