// A board on a GitHub Projects v2 project (owned by a user or an organization): its items in four columns, placed
// by the project's Status single-select field. Reads and moves go through GraphQL; creating and assigning issues
// through REST, as the Issues board does. Plain Node (fetch), no editor API, so it runs in tests and the CLI too.
import type { Assignee, BoardColumn, BoardProvider, ListOptions, NewWorkItem, WorkItem, WorkItemTransition } from '../workItem';
import { labelColumn, repositoryAssignees, typeOfLabels } from './githubIssuesBoard';
import { unexpectedShape } from '../../core/answerShape';
import { isServiceError, ServiceError } from '../../core/errors';
import type { GitHubPurpose } from '../../core/github/githubHttp';
import { GitHubHttp } from '../../core/github/githubHttp';
import { isRecord, optionalString } from '../../core/records';
import {
  ADD_ITEM_MUTATION,
  PROJECT_ITEM_QUERY,
  PROJECT_ITEMS_QUERY,
  PROJECT_QUERY,
  SET_STATUS_MUTATION,
  VIEWER_QUERY,
} from './projectQueries';

export interface GitHubProjectBoardOptions {
  /** The user or organization that owns the project, and the repository new issues are created in. */
  owner: string;
  repo: string;
  /** The project's number, as in `github.com/orgs/OWNER/projects/NUMBER`. */
  project: number;
  token?: string;
  /** The REST API root; `https://api.github.com` unless GitHub Enterprise Server (`https://host/api/v3`). GraphQL is found beside it. */
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** The login whose items `list({ mine: true })` shows; read from GraphQL's `viewer` when left out. */
  me?: string;
}

/** The status an item without a Status value shows, as GitHub's own board names that column. */
export const NO_STATUS = 'No status';
/** A runaway pagination stops here: 1 000 items is more than a board shows. */
const MAX_PAGES = 10;

interface StatusOption {
  id: string;
  name: string;
}

interface ProjectInfo {
  id: string;
  title: string;
  /** Absent when the project has no single-select field named Status. */
  status?: { fieldId: string; options: StatusOption[] };
}

/** What a project item holds, kept beside the work item whose id is the project item's id. */
interface ItemContent {
  kind: 'Issue' | 'PullRequest' | 'DraftIssue';
  /** The issue, pull request or draft issue node id. */
  id: string;
  /** `owner/repo` and number, for the REST calls on issues and pull requests. */
  repository?: string;
  number?: number;
  closed: boolean;
  assignees: string[];
}

export class GitHubProjectBoardProvider implements BoardProvider {
  readonly name = 'github' as const;
  private readonly http: GitHubHttp;
  private readonly owner: string;
  private readonly slug: string;
  private readonly number: number;
  /** `Project 3 of octo-org`, the subject of most messages. */
  private readonly projectName: string;
  private projectInfo: ProjectInfo | undefined;
  /** Project item id → what it holds: needed to assign (REST on the issue) and to place unknown statuses. */
  private readonly contents = new Map<string, ItemContent>();
  private me: string | undefined;

  constructor(options: GitHubProjectBoardOptions) {
    const owner = options.owner?.trim();
    const repo = options.repo?.trim();
    if (!owner || !repo)
      throw new ServiceError(
        'GitHub',
        'invalid',
        'Choose the GitHub repository of the board: set its owner and name (board.github in conveyor.yml)',
      );
    if (!Number.isInteger(options.project) || options.project <= 0) {
      throw new ServiceError(
        'GitHub',
        'invalid',
        `board.github.project in conveyor.yml must be the project's number (as in github.com/orgs/${owner}/projects/NUMBER)`,
      );
    }
    this.owner = owner;
    this.slug = `${owner}/${repo}`;
    this.number = options.project;
    this.projectName = `Project ${this.number} of ${owner}`;
    this.me = options.me?.trim() || undefined;
    this.http = new GitHubHttp({
      baseUrl: options.baseUrl,
      token: options.token,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      need: `read and write access to ${this.projectName} (the project scope)`,
    });
  }

  async list(options: ListOptions = {}): Promise<WorkItem[]> {
    const purpose = this.purpose(`list the items of ${this.projectName}`, this.projectName);
    const login = options.mine ? await this.login(options.signal) : undefined;
    const items: WorkItem[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const data = await this.graphql(PROJECT_ITEMS_QUERY, { owner: this.owner, number: this.number, cursor }, purpose, options.signal);
      const { project, connection } = this.http.shaped(purpose, () => {
        const project = this.projectOf(data);
        return { project, connection: readItemsConnection(project.raw.items) };
      });
      this.projectInfo = project.info;
      for (const node of connection.nodes) {
        const item = this.http.shaped(purpose, () => this.workItemOf(node));
        if (item) items.push(item);
      }
      if (!connection.hasNextPage || !connection.endCursor) break;
      if (page === MAX_PAGES - 1)
        options.onShortened?.(`${this.projectName} has more than ${items.length} items: the board shows the first ${items.length}.`);
      cursor = connection.endCursor;
    }
    if (!login) return items;
    const me = login.toLowerCase();
    return items.filter((item) => this.contents.get(item.id)?.assignees.some((a) => a.toLowerCase() === me));
  }

  /** The Status field's other options; each lands in the column its name stands for. */
  async transitions(item: WorkItem): Promise<WorkItemTransition[]> {
    const project = await this.project(this.purpose(`read the statuses of ${this.projectName}`, this.projectName));
    const closed = this.contents.get(item.id)?.closed ?? item.column === 'done';
    return (project.status?.options ?? [])
      .filter((option) => option.name !== item.status)
      .map((option) => ({ id: option.id, name: option.name, column: columnOf(option.name, closed) }));
  }

  /** Sets the item's Status to the transition's option. */
  async move(item: WorkItem, transition: WorkItemTransition): Promise<WorkItem> {
    const purpose = this.purpose(`move ${item.key} to ${transition.name}`, `Item ${item.key} of ${this.projectName}`);
    const { project, option } = await this.statusOption(
      purpose,
      (options) => options.find((o) => o.id === transition.id) ?? options.find((o) => o.name === transition.name),
    );
    if (!project.status || !option) {
      throw this.http.error('invalid', `${this.projectName} has no Status option "${transition.name}" any more: refresh the board`);
    }
    const data = await this.graphql(
      SET_STATUS_MUTATION,
      { projectId: project.id, itemId: item.id, fieldId: project.status.fieldId, optionId: option.id },
      purpose,
    );
    const moved = this.http.shaped(purpose, () => {
      const payload = readRecord(data.updateProjectV2ItemFieldValue, 'updateProjectV2ItemFieldValue');
      return payload.projectV2Item ? this.workItemOf(payload.projectV2Item) : undefined;
    });
    if (moved) return moved;
    const closed = this.contents.get(item.id)?.closed ?? item.column === 'done';
    return { ...item, labels: [...item.labels], status: option.name, column: columnOf(option.name, closed) };
  }

  /** Makes `login` the assignee of the item's issue or pull request (the previous one is taken off), or clears it. */
  /** People who can be assigned in the item's repository (the configured one for a new item). */
  assignees(item?: WorkItem): Promise<Assignee[]> {
    const repository = (item && this.contents.get(item.id)?.repository) ?? this.slug;
    return repositoryAssignees(
      this.http,
      repoPath(repository),
      this.purpose(`list who can be assigned in ${repository}`, `Repository ${repository}`),
    );
  }

  async assign(item: WorkItem, login: string | undefined): Promise<WorkItem> {
    const purpose = this.purpose(
      login ? `assign ${item.key} to ${login}` : `unassign ${item.key}`,
      `Issue ${item.key}`,
      `Issues read and write access to the repository of ${item.key}`,
    );
    const content = await this.contentOf(item, purpose);
    if (content.kind === 'DraftIssue' || !content.repository || content.number === undefined) {
      throw this.http.error('invalid', `${item.key} is a draft issue: convert it to an issue in GitHub to assign it from Conveyor`);
    }
    const path = `${repoPath(content.repository)}/issues/${content.number}/assignees`;
    let answer: unknown;
    if (item.assignee && item.assignee !== login) answer = await this.http.request('DELETE', path, purpose, { assignees: [item.assignee] });
    if (login && item.assignee !== login) answer = await this.http.request('POST', path, purpose, { assignees: [login] });
    if (answer === undefined) return { ...item, labels: [...item.labels] };
    const assignees = this.http.shaped(purpose, () => restAssignees(answer));
    // GitHub quietly ignores a login that cannot be assigned (no access to the repository).
    if (login && !assignees.includes(login))
      throw this.http.error('invalid', `GitHub did not assign ${item.key} to ${login}: they need access to ${content.repository}`);
    this.contents.set(item.id, { ...content, assignees });
    const assigned: WorkItem = { ...item, labels: [...item.labels] };
    delete assigned.assignee;
    const first = login ?? assignees[0];
    if (first) assigned.assignee = first;
    return assigned;
  }

  /** Opens an issue in the configured repository, adds it to the project and sets the Status of `column`. */
  async create(fields: NewWorkItem): Promise<WorkItem> {
    const title = fields.title.trim();
    if (!title) throw new ServiceError('GitHub', 'invalid', 'Give the new issue a title');
    const purpose = this.purpose(`add "${title}" to ${this.projectName}`, this.projectName);
    // Checked before anything is created, so a missing option leaves no stray issue behind.
    const { project, option } = fields.column
      ? await this.statusOption(purpose, (options) => options.find((o) => statusColumn(o.name) === fields.column))
      : { project: await this.project(purpose), option: undefined };
    if (fields.column && !option) {
      throw this.http.error(
        'invalid',
        `${this.projectName} has no Status option for the ${fields.column} column: add one (e.g. "${COLUMN_NAMES[fields.column]}") to its Status field`,
      );
    }

    const issuePurpose = this.purpose(
      `create an issue in ${this.slug}`,
      `Repository ${this.slug}`,
      `Issues read and write access to ${this.slug}`,
    );
    const created = await this.http.request('POST', `${repoPath(this.slug)}/issues`, issuePurpose, {
      title,
      ...(fields.description ? { body: fields.description } : {}),
      ...(fields.assignee ? { assignees: [fields.assignee] } : {}),
    });
    const issue = this.http.shaped(issuePurpose, () => readCreatedIssue(created));
    let step = 'put it on';
    try {
      const added = await this.graphql(ADD_ITEM_MUTATION, { projectId: project.id, contentId: issue.nodeId }, purpose);
      const item = this.http.shaped(purpose, () =>
        this.workItemOf(readRecord(readRecord(added.addProjectV2ItemById, 'addProjectV2ItemById').item, 'item')),
      );
      if (!item) throw this.http.error('malformed', `GitHub answered the request to ${purpose.action} without the new item`);
      if (!option || !project.status) return item;
      step = 'set its Status on';
      const data = await this.graphql(
        SET_STATUS_MUTATION,
        { projectId: project.id, itemId: item.id, fieldId: project.status.fieldId, optionId: option.id },
        purpose,
      );
      return (
        this.http.shaped(purpose, () =>
          this.workItemOf(
            readRecord(readRecord(data.updateProjectV2ItemFieldValue, 'updateProjectV2ItemFieldValue').projectV2Item, 'projectV2Item'),
          ),
        ) ?? item
      );
    } catch (error) {
      // The issue exists by now: say so, so the user does not create it twice.
      if (!isServiceError(error)) throw error;
      throw this.http.error(
        error.kind,
        `Created issue #${issue.number} in ${this.slug}, but could not ${step} ${this.projectName}: ${error.message}`,
        { status: error.status, retryAfterMs: error.retryAfterMs },
      );
    }
  }

  // --- GraphQL ---

  private async graphql(
    query: string,
    variables: Record<string, unknown>,
    purpose: GitHubPurpose,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const answer = await this.http.send('POST', this.http.graphqlUrl, purpose, { body: { query, variables }, signal });
    const body = await this.http.json(answer, purpose);
    if (!isRecord(body)) throw this.http.unexpected(purpose, 'not a GraphQL answer');
    // GitHub answers 200 with `errors` (and often partial `data`) for missing, hidden or rate-limited things.
    const errors = Array.isArray(body.errors) ? body.errors.filter(isRecord) : [];
    if (errors.length) throw this.graphqlError(errors, answer.headers, purpose);
    if (!isRecord(body.data)) throw this.http.error('malformed', `GitHub answered the request to ${purpose.action} without data`);
    return body.data;
  }

  private graphqlError(errors: Record<string, unknown>[], headers: Headers, purpose: GitHubPurpose): ServiceError {
    const byType = (type: string) => errors.find((error) => error.type === type);
    const messageOf = (error: Record<string, unknown> | undefined) => optionalString(error?.message) ?? '';
    const scopes = byType('INSUFFICIENT_SCOPES');
    if (scopes) {
      const needed = /requires one of the following scopes: \[([^\]]*)\]/
        .exec(messageOf(scopes))?.[1]
        ?.replace(/['"\s]/g, '')
        .split(',')
        .filter(Boolean)
        .join(' or ');
      return this.http.error('unauthorized', `The GitHub token needs the ${needed || 'project'} scope to ${purpose.action}: sign in again`);
    }
    if (byType('RATE_LIMITED')) return this.http.rateLimited(headers);
    const forbidden = byType('FORBIDDEN');
    if (forbidden) {
      const said = messageOf(forbidden);
      return this.http.error(
        'forbidden',
        `GitHub refused to ${purpose.action}${said ? ` ("${said}")` : ''}: the token needs ${purpose.need ?? `read and write access to ${this.projectName}`}`,
      );
    }
    if (byType('NOT_FOUND')) return this.http.error('not-found', `${purpose.subject} not found, or the token cannot see it`);
    const said = errors.map(messageOf).filter(Boolean).join('; ');
    return this.http.error('invalid', `GitHub could not ${purpose.action}: ${said || 'it answered with an error'}`);
  }

  /** The project from a `repositoryOwner { projectV2 }` answer; a missing owner or project is not-found. */
  private projectOf(data: Record<string, unknown>): { info: ProjectInfo; raw: Record<string, unknown> } {
    if (data.repositoryOwner === null)
      throw this.http.error(
        'not-found',
        `${this.projectName} not found, or the token cannot see it (GitHub shows it no user or organization named ${this.owner})`,
      );
    const owner = readRecord(data.repositoryOwner, 'repositoryOwner');
    if (owner.projectV2 === null || owner.projectV2 === undefined)
      throw this.http.error('not-found', `${this.projectName} not found, or the token cannot see it`);
    const raw = readRecord(owner.projectV2, 'projectV2');
    const info: ProjectInfo = { id: readString(raw.id, 'project id'), title: readString(raw.title, 'project title') };
    // `field` is null without a Status field, and an empty object when Status is not a single-select field.
    if (isRecord(raw.field) && typeof raw.field.id === 'string') {
      const options = readList(raw.field.options, 'Status options').map((option) => {
        const record = readRecord(option, 'Status option');
        return { id: readString(record.id, 'Status option id'), name: readString(record.name, 'Status option name') };
      });
      info.status = { fieldId: raw.field.id, options };
    }
    return { info, raw };
  }

  /** The project's id and Status field, read once (a list refreshes it). */
  private async project(purpose: GitHubPurpose, refresh = false): Promise<ProjectInfo> {
    if (this.projectInfo && !refresh) return this.projectInfo;
    const data = await this.graphql(PROJECT_QUERY, { owner: this.owner, number: this.number }, purpose);
    this.projectInfo = this.http.shaped(purpose, () => this.projectOf(data).info);
    return this.projectInfo;
  }

  /** The Status option `pick` chooses, reading the project again once when it is not there (someone edited the field). */
  private async statusOption(
    purpose: GitHubPurpose,
    pick: (options: StatusOption[]) => StatusOption | undefined,
  ): Promise<{ project: ProjectInfo; option: StatusOption | undefined }> {
    let project = await this.project(purpose);
    if (!project.status)
      throw this.http.error(
        'invalid',
        `${this.projectName} has no single-select field named Status: add one in GitHub to move items between columns`,
      );
    let option = pick(project.status.options);
    if (!option) {
      project = await this.project(purpose, true);
      option = pick(project.status?.options ?? []);
    }
    return { project, option };
  }

  private async contentOf(item: WorkItem, purpose: GitHubPurpose): Promise<ItemContent> {
    const known = this.contents.get(item.id);
    if (known) return known;
    const data = await this.graphql(PROJECT_ITEM_QUERY, { id: item.id }, purpose);
    this.http.shaped(purpose, () => (isRecord(data.node) ? this.workItemOf(data.node) : undefined));
    const content = this.contents.get(item.id);
    if (!content)
      throw this.http.error(
        'not-found',
        `${item.key} is not on ${this.projectName} any more, or the token cannot see it: refresh the board`,
      );
    return content;
  }

  private async login(signal: AbortSignal | undefined): Promise<string> {
    if (this.me) return this.me;
    if (!this.http.token) throw this.http.error('unauthorized', 'Sign in to GitHub to see the items assigned to you');
    const purpose = this.purpose('read who is signed in', 'The signed-in user');
    const data = await this.graphql(VIEWER_QUERY, {}, purpose, signal);
    const login = isRecord(data.viewer) ? optionalString(data.viewer.login) : undefined;
    if (!login) throw this.http.error('malformed', 'GitHub answered the request to read who is signed in without a login');
    this.me = login;
    return login;
  }

  // --- Mapping project items onto work items. ---

  /** One project item as a work item (undefined for archived items and content the token cannot see); remembers its content. */
  private workItemOf(node: unknown): WorkItem | undefined {
    const raw = readRecord(node, 'item');
    const id = readString(raw.id, 'item id');
    if (raw.isArchived === true || !isRecord(raw.content)) return undefined;
    const content = raw.content;
    const kind = content.__typename;
    if (kind !== 'Issue' && kind !== 'PullRequest' && kind !== 'DraftIssue') return undefined;
    const status = isRecord(raw.fieldValueByName) ? optionalString(raw.fieldValueByName.name) : undefined;
    const contentId = readString(content.id, `${kind} id`);
    const title = readString(content.title, `${kind} title`);
    const assignees = loginsOf(content.assignees);
    const state = kind === 'Issue' ? content.issueState : kind === 'PullRequest' ? content.pullRequestState : 'OPEN';
    const closed = state === 'CLOSED' || state === 'MERGED';

    let key: string;
    let labels: string[] = [];
    if (kind === 'DraftIssue') {
      // Drafts have no number; the tail of their node id is stable and short enough to say.
      key = `draft-${contentId.slice(-8)}`;
      this.contents.set(id, { kind, id: contentId, closed, assignees });
    } else {
      const number = content.number;
      if (typeof number !== 'number' || !Number.isInteger(number)) throw unexpectedShape('GitHub', `${kind} ${contentId} has no number`);
      const repository = readString(readRecord(content.repository, 'repository').nameWithOwner, 'repository name');
      key = repository.toLowerCase() === this.slug.toLowerCase() ? `#${number}` : `${repository}#${number}`;
      labels = namesOf(content.labels);
      this.contents.set(id, { kind, id: contentId, repository, number, closed, assignees });
    }

    const item: WorkItem = { provider: 'github', id, key, title, column: columnOf(status, closed), status: status ?? NO_STATUS, labels };
    if (assignees[0]) item.assignee = assignees[0];
    const milestone = isRecord(content.milestone) ? content.milestone : undefined;
    const milestoneTitle = optionalString(milestone?.title);
    if (milestoneTitle) item.milestone = milestoneTitle;
    const due = optionalString(milestone?.dueOn);
    if (due) item.due = due.slice(0, 10);
    const url = optionalString(content.url);
    if (url) item.url = url;
    const updated = optionalString(content.updatedAt);
    if (updated) item.updated = updated;
    const type = typeOfLabels(labels);
    if (type) item.type = type;
    return item;
  }

  private purpose(action: string, subject: string, need?: string): GitHubPurpose {
    return need ? { action, subject, need } : { action, subject };
  }
}

// --- Status names onto columns. ---

/** A name per column, suggested when a project lacks an option for it. */
const COLUMN_NAMES: Record<BoardColumn, string> = { todo: 'Todo', 'in-progress': 'In Progress', 'in-review': 'In Review', done: 'Done' };
const TODO_NAMES = new Set(['todo', 'to do', 'backlog', 'ready', 'new', 'triage', 'planned', 'up next', 'next', 'open']);
const DONE_NAMES = new Set(['done', 'closed', 'shipped', 'complete', 'completed', 'released', 'merged', 'finished']);

/** The column a Status option's name stands for ("Todo", "🏗 In progress", "Shipped"…), undefined when it is not a known one. */
export function statusColumn(name: string): BoardColumn | undefined {
  // Emoji and punctuation are decoration in project templates ("🔖 Ready", "In-Review").
  const words = name
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (TODO_NAMES.has(words)) return 'todo';
  if (DONE_NAMES.has(words)) return 'done';
  return labelColumn(words);
}

/** A known status name decides; otherwise (no status, or "Blocked") closed work is done and open work is todo. */
function columnOf(status: string | undefined, closed: boolean): BoardColumn {
  return (status ? statusColumn(status) : undefined) ?? (closed ? 'done' : 'todo');
}

// --- Reading GitHub's answers. ---

function readRecord(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw unexpectedShape('GitHub', `${what} is missing`);
  return value;
}

function readString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw unexpectedShape('GitHub', `${what} is missing`);
  return value;
}

function readList(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw unexpectedShape('GitHub', `${what} are not a list`);
  return value;
}

function readItemsConnection(value: unknown): { nodes: unknown[]; hasNextPage: boolean; endCursor: string | undefined } {
  const connection = readRecord(value, 'items');
  const pageInfo = readRecord(connection.pageInfo, 'pageInfo');
  return {
    nodes: readList(connection.nodes, 'items'),
    hasNextPage: pageInfo.hasNextPage === true,
    endCursor: optionalString(pageInfo.endCursor),
  };
}

/** `{ nodes: [{ login }] }` → logins. */
function loginsOf(connection: unknown): string[] {
  if (!isRecord(connection) || !Array.isArray(connection.nodes)) return [];
  return connection.nodes
    .map((node) => (isRecord(node) ? optionalString(node.login) : undefined))
    .filter((login): login is string => login !== undefined);
}

/** `{ nodes: [{ name }] }` → names. */
function namesOf(connection: unknown): string[] {
  if (!isRecord(connection) || !Array.isArray(connection.nodes)) return [];
  return connection.nodes
    .map((node) => (isRecord(node) ? optionalString(node.name) : undefined))
    .filter((name): name is string => name !== undefined);
}

/** The assignee logins of a REST issue answer. */
function restAssignees(issue: unknown): string[] {
  const record = readRecord(issue, 'issue');
  if (!Array.isArray(record.assignees)) throw unexpectedShape('GitHub', 'the issue has no assignees list');
  return record.assignees
    .map((a) => (isRecord(a) ? optionalString(a.login) : undefined))
    .filter((login): login is string => login !== undefined);
}

function readCreatedIssue(issue: unknown): { nodeId: string; number: number } {
  const record = readRecord(issue, 'issue');
  if (typeof record.number !== 'number') throw unexpectedShape('GitHub', 'the new issue has no number');
  return { nodeId: readString(record.node_id, 'the new issue node id'), number: record.number };
}

function repoPath(nameWithOwner: string): string {
  return `/repos/${nameWithOwner.split('/').map(encodeURIComponent).join('/')}`;
}
