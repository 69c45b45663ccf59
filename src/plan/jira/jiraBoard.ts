// A board on Jira Cloud: issues from a JQL search, moved through the workflow's transitions.
import { markdownToAdf } from './adf';
import type { Assignee, BoardProvider, ListOptions, NewWorkItem, WorkItem, WorkItemTransition } from '../workItem';
import { boardJql, ISSUE_FIELDS, searchPageOf, transitionsOf, workItemOf } from './jiraIssue';
import { JiraHttp } from './jiraHttp';
import type { Purpose } from './jiraHttp';
import { readShape, unexpectedShape } from '../../core/answerShape';
import { ServiceError } from '../../core/errors';

export interface JiraBoardOptions {
  /** The site root, e.g. `https://acme.atlassian.net`. */
  site: string;
  email: string;
  apiToken: string;
  /** Project key whose open (and recently finished) issues make the board. */
  project?: string;
  /** A JQL query that replaces the project's default one. */
  jql?: string;
  /** The site's Sprint custom field (e.g. `customfield_10020`); its active sprint becomes the milestone. */
  sprintField?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** How many pages of 100 issues a list reads at most (50: a runaway pagination, a server that always says "more", stops). */
  maxPages?: number;
}

const PAGE_SIZE = 100;
const MAX_PAGES = 50;

export class JiraBoardProvider implements BoardProvider {
  readonly name = 'jira' as const;
  private readonly site: string;
  private readonly http: JiraHttp;

  constructor(private readonly options: JiraBoardOptions) {
    this.site = siteRoot(options.site);
    this.http = new JiraHttp({
      site: this.site,
      email: options.email,
      apiToken: options.apiToken,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
    });
  }

  async list(options: ListOptions = {}): Promise<WorkItem[]> {
    const { project, jql } = this.options;
    if (!project?.trim() && !jql?.trim()) {
      throw new ServiceError('Jira', 'invalid', 'Choose the Jira board: set a project key or a JQL query in conveyor.yml (board.jira)');
    }
    const purpose: Purpose = {
      action: `list ${project ? `the ${project} board` : 'the board'}`,
      subject: project ? `Project ${project}` : 'The board',
    };
    const query = boardJql({ project, jql, mine: options.mine });
    const fields = this.options.sprintField ? [...ISSUE_FIELDS, this.options.sprintField] : [...ISSUE_FIELDS];
    const items: WorkItem[] = [];
    let nextPageToken: string | undefined;
    const maxPages = this.options.maxPages ?? MAX_PAGES;
    for (let page = 0; page < maxPages; page++) {
      const body = { jql: query, fields, maxResults: PAGE_SIZE, ...(nextPageToken ? { nextPageToken } : {}) };
      const answer = await this.http.request('POST', '/rest/api/3/search/jql', purpose, body, options.signal);
      const result = this.shaped(purpose, () => {
        const parsed = searchPageOf(answer);
        return { ...parsed, items: parsed.issues.map((issue) => workItemOf(issue, this.site, this.options.sprintField)) };
      });
      items.push(...result.items);
      if (result.isLast || !result.nextPageToken || result.nextPageToken === nextPageToken) break;
      if (page === maxPages - 1)
        options.onShortened?.(`The board has more than ${items.length} issues: it shows the first ${items.length} of the query's order.`);
      nextPageToken = result.nextPageToken;
    }
    return items;
  }

  async transitions(item: WorkItem): Promise<WorkItemTransition[]> {
    const purpose: Purpose = { action: `read the moves of ${item.key}`, subject: `Issue ${item.key}` };
    const answer = await this.http.request('GET', `/rest/api/3/issue/${encodeURIComponent(item.key)}/transitions`, purpose);
    return this.shaped(purpose, () => transitionsOf(answer));
  }

  async move(item: WorkItem, transition: WorkItemTransition): Promise<WorkItem> {
    const purpose: Purpose = { action: `move ${item.key} (${transition.name})`, subject: `Issue ${item.key}` };
    await this.http.request('POST', `/rest/api/3/issue/${encodeURIComponent(item.key)}/transitions`, purpose, {
      transition: { id: transition.id },
    });
    return { ...item, status: transition.status ?? transition.name, column: transition.column, updated: new Date().toISOString() };
  }

  /** Assigns to an Atlassian account id, or unassigns; the item comes back as Jira now has it. */
  async assign(item: WorkItem, accountId: string | undefined): Promise<WorkItem> {
    const key = encodeURIComponent(item.key);
    const purpose: Purpose = { action: accountId ? `assign ${item.key}` : `unassign ${item.key}`, subject: `Issue ${item.key}` };
    // Jira unassigns on an explicit null; leaving accountId out is a 400.
    await this.http.request('PUT', `/rest/api/3/issue/${key}/assignee`, purpose, { accountId: accountId ?? null });
    // Re-read for the assignee's display name: the account id alone means nothing on a board.
    return this.read(item.key);
  }

  /** People Jira lets be assigned: to this issue, or in the board's project. */
  async assignees(item?: WorkItem): Promise<Assignee[]> {
    const project = this.options.project?.trim();
    if (!item && !project) return [];
    const purpose: Purpose = {
      action: `list who can be assigned${item ? ` ${item.key}` : ''}`,
      subject: item ? `Issue ${item.key}` : `Project ${project}`,
    };
    const scope = item ? `issueKey=${encodeURIComponent(item.key)}` : `project=${encodeURIComponent(project ?? '')}`;
    const answer = await this.http.request('GET', `/rest/api/3/user/assignable/search?${scope}&maxResults=100`, purpose);
    return this.shaped(purpose, () => {
      if (!Array.isArray(answer)) throw unexpectedShape('Jira', 'the assignable users are not a list');
      return answer
        .filter(
          (u): u is { accountId: string; displayName?: string; active?: boolean } =>
            typeof (u as { accountId?: unknown })?.accountId === 'string',
        )
        .filter((u) => u.active !== false)
        .map((u) => ({ id: u.accountId, name: u.displayName || u.accountId }));
    });
  }

  /**
   * Creates an issue in the board's project, of the project's Task type (or its first standard type), then
   * moves it to the column asked for through the workflow.
   */
  async create(fields: NewWorkItem): Promise<WorkItem> {
    const project = this.options.project?.trim();
    if (!project)
      throw new ServiceError(
        'Jira',
        'invalid',
        'Set board.jira.project in conveyor.yml to create issues from Conveyor (a JQL board has no single project)',
      );
    const metaPurpose: Purpose = { action: `read the issue types of ${project}`, subject: `Project ${project}` };
    const meta = await this.http.request('GET', `/rest/api/3/issue/createmeta/${encodeURIComponent(project)}/issuetypes`, metaPurpose);
    const issueType = this.shaped(metaPurpose, () => standardIssueType(meta));
    if (!issueType)
      throw new ServiceError('Jira', 'invalid', `Project ${project} offers no issue type Conveyor can create (only sub-tasks)`);
    const purpose: Purpose = { action: `create an issue in ${project}`, subject: `Project ${project}` };
    const created = await this.http.request('POST', '/rest/api/3/issue', purpose, {
      fields: {
        project: { key: project },
        summary: fields.title,
        issuetype: { id: issueType },
        // v3 takes the description as an Atlassian document, not text.
        ...(fields.description ? { description: markdownToAdf(fields.description) } : {}),
        ...(fields.assignee ? { assignee: { accountId: fields.assignee } } : {}),
      },
    });
    const key = this.shaped(purpose, () => {
      const k = (created as { key?: unknown } | undefined)?.key;
      if (typeof k !== 'string') throw unexpectedShape('Jira', 'the created issue has no key');
      return k;
    });
    let item = await this.read(key);
    if (fields.column && fields.column !== item.column) {
      const transition = (await this.transitions(item)).find((t) => t.column === fields.column);
      if (transition) item = await this.move(item, transition);
    }
    return item;
  }

  private async read(key: string): Promise<WorkItem> {
    const fields = this.options.sprintField ? [...ISSUE_FIELDS, this.options.sprintField] : [...ISSUE_FIELDS];
    const purpose: Purpose = { action: `read ${key}`, subject: `Issue ${key}` };
    const answer = await this.http.request(
      'GET',
      `/rest/api/3/issue/${encodeURIComponent(key)}?fields=${fields.map(encodeURIComponent).join(',')}`,
      purpose,
    );
    return this.shaped(purpose, () => workItemOf(answer, this.site, this.options.sprintField));
  }

  private shaped<T>(purpose: Purpose, read: () => T): T {
    return readShape(read, (what) => this.http.malformed(purpose, what));
  }
}

/** The id of the project's Task type, else of its first type that is not a sub-task. */
function standardIssueType(meta: unknown): string | undefined {
  const types = (meta as { issueTypes?: unknown } | undefined)?.issueTypes;
  if (!Array.isArray(types)) throw unexpectedShape('Jira', 'the issue types are not a list');
  const standard = types.filter(
    (t): t is { id: string; name?: string; subtask?: boolean } =>
      typeof (t as { id?: unknown })?.id === 'string' && !(t as { subtask?: boolean }).subtask,
  );
  return (standard.find((t) => t.name?.toLowerCase() === 'task') ?? standard[0])?.id;
}

/** `https://acme.atlassian.net/` or `acme.atlassian.net/jira/…` → `https://acme.atlassian.net`. */
function siteRoot(site: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(site.trim()) ? site.trim() : `https://${site.trim()}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ServiceError(
      'Jira',
      'invalid',
      `"${site}" is not a Jira site URL: use the address of your site, e.g. https://your-company.atlassian.net`,
    );
  }
  return url.origin;
}
