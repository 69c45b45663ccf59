// Linear issues as a board, in plain GraphQL over Conveyor's HTTP client (no SDK: it is 1.9 MB of generated
// code for the seven operations the board sends). An issue's state, assignee, labels, cycle and milestone come
// nested in the issues query, so a page of issues costs one request.
import { HttpClient } from '../../core/http/httpClient';
import { networkMessageOf, noAnswerMessage } from '../../core/http/operationWords';
import { isRecord } from '../../core/records';
import type { Assignee, BoardProvider, ListOptions, NewWorkItem, WorkItem, WorkItemTransition } from '../workItem';
import {
  CREATE_ISSUE_MUTATION,
  ISSUE_TEAM_QUERY,
  ISSUES_QUERY,
  TEAMS_QUERY,
  UPDATE_ISSUE_MUTATION,
  USERS_QUERY,
  WORKFLOW_STATES_QUERY,
} from './linearQueries';
import type {
  CreateIssueData,
  IssuesData,
  IssueTeamData,
  LinearConnection,
  LinearIssueNode,
  LinearWorkflowState,
  TeamsData,
  UpdateIssueData,
  UsersData,
  WorkflowStatesData,
} from './linearQueries';
import { fromFailure, graphqlErrorsIn, linearError, linearStatusError, malformedAnswer, serviceErrorFromLinear } from './linearErrors';
import { columnOfState, workItemFromIssue } from './workItemFromIssue';

export const LINEAR_API_URL = 'https://api.linear.app/graphql';

export interface LinearBoardOptions {
  apiKey: string;
  /** Team key, e.g. `ENG`; without it the board shows every team the key can see. */
  team?: string;
  /** GraphQL endpoint; defaults to Linear's. */
  apiUrl?: string;
  /** Deadline for one operation (a whole list, with its pages), in ms. Default 30 s. */
  timeoutMs?: number;
  /** Most issues one list returns (most recently updated first). Default 1000. */
  maxItems?: number;
}

const PAGE_SIZE = 100;

/** What every request of one board operation shares: its words for messages and its deadline (with any cancel). */
interface Operation {
  doing: string;
  signal: AbortSignal;
}
const LOOKUP_PAGE_SIZE = 250;

export class LinearBoardProvider implements BoardProvider {
  readonly name = 'linear' as const;
  private readonly timeoutMs: number;
  private readonly maxItems: number;
  private readonly apiUrl: string;
  private readonly http: HttpClient;
  private readonly teamOfIssue = new Map<string, string>();

  constructor(private readonly options: LinearBoardOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxItems = options.maxItems ?? 1000;
    this.apiUrl = options.apiUrl ?? LINEAR_API_URL;
    this.http = new HttpClient({
      service: 'Linear',
      timeoutMs: this.timeoutMs,
      secrets: () => [options.apiKey],
      // A personal API key goes as it is; only OAuth tokens take "Bearer".
      authorization: () => options.apiKey,
      describeNetwork: networkMessageOf('Linear'),
    });
  }

  async list(options: ListOptions = {}): Promise<WorkItem[]> {
    const doing = options.mine ? 'listing your Linear issues' : 'listing Linear issues';
    return this.run(doing, options.signal, async (op) => {
      const filter: Record<string, unknown> = {};
      if (this.options.team) filter.team = { key: { eq: this.options.team } };
      if (options.mine) filter.assignee = { isMe: { eq: true } };
      const variables = { filter, first: PAGE_SIZE, orderBy: 'updatedAt', includeArchived: false };
      // One past the cap tells a board that is bigger from one that is exactly as big.
      const issues = await this.allPages(ISSUES_QUERY, variables, (data: IssuesData) => data.issues, op, this.maxItems + 1);
      const active = issues.filter((issue) => !issue.archivedAt);
      if (active.length > this.maxItems)
        options.onShortened?.(`Linear has more than ${this.maxItems} issues here: the board shows the ${this.maxItems} updated last.`);
      return this.toWorkItems(active.slice(0, this.maxItems));
    });
  }

  async transitions(item: WorkItem): Promise<WorkItemTransition[]> {
    return this.run(`loading the statuses of ${item.key}`, undefined, async (op) => {
      const teamId =
        this.teamOfIssue.get(item.id) ?? (await this.graphql<IssueTeamData>(ISSUE_TEAM_QUERY, { id: item.id }, op)).issue.team.id;
      const states = await this.teamStates(teamId, op);
      return states
        .filter((state) => state.name !== item.status)
        .map((state) => ({ id: state.id, name: state.name, column: columnOfState(state) }));
    });
  }

  async move(item: WorkItem, transition: WorkItemTransition): Promise<WorkItem> {
    return this.update(item, `moving ${item.key} to ${transition.name}`, { stateId: transition.id });
  }

  async assign(item: WorkItem, assignee: string | undefined): Promise<WorkItem> {
    const doing = assignee ? `assigning ${item.key}` : `unassigning ${item.key}`;
    return this.update(item, doing, { assigneeId: assignee ?? null });
  }

  /** Active members of the workspace, by user id and the name Linear shows. */
  async assignees(): Promise<Assignee[]> {
    return this.run('listing Linear users', undefined, async (op) => {
      const users = await this.allPages(USERS_QUERY, { first: LOOKUP_PAGE_SIZE }, (data: UsersData) => data.users, op);
      return users.filter((user) => user.active).map((user) => ({ id: user.id, name: user.displayName || user.name }));
    });
  }

  /** Creates an issue in the board's team, in the team's first status of the column asked for. */
  async create(fields: NewWorkItem): Promise<WorkItem> {
    return this.run('creating a Linear issue', undefined, async (op) => {
      const teamId = await this.boardTeamId(op);
      const stateId = fields.column
        ? (await this.teamStates(teamId, op)).find((state) => columnOfState(state) === fields.column)?.id
        : undefined;
      const input = {
        teamId,
        title: fields.title,
        ...(fields.description ? { description: fields.description } : {}),
        ...(fields.assignee ? { assigneeId: fields.assignee } : {}),
        ...(stateId ? { stateId } : {}),
      };
      const { issueCreate } = await this.graphql<CreateIssueData>(CREATE_ISSUE_MUTATION, { input }, op);
      if (!issueCreate.success || !issueCreate.issue)
        throw linearError('invalid', 'Linear did not create the issue; refresh the board and try again.');
      return this.toWorkItems([issueCreate.issue])[0];
    });
  }

  /** The configured team, or the only team the key can see; several teams need board.linear.team to choose. */
  private async boardTeamId(op: Operation): Promise<string> {
    const key = this.options.team;
    const variables = key ? { filter: { key: { eq: key } }, first: 1 } : { first: 2 };
    const teams = (await this.graphql<TeamsData>(TEAMS_QUERY, variables, op)).teams.nodes;
    if (key && !teams[0])
      throw linearError(
        'not-found',
        `Linear has no team with the key ${key} that this API key can see (board.linear.team in conveyor.yml).`,
      );
    if (!key && teams.length !== 1)
      throw linearError('invalid', 'Set board.linear.team in conveyor.yml to choose the team new issues go to.');
    return teams[0].id;
  }

  /** A team's unarchived workflow states, in the order Linear shows them. */
  private async teamStates(teamId: string, op: Operation): Promise<LinearWorkflowState[]> {
    const variables = { filter: { team: { id: { eq: teamId } } }, first: LOOKUP_PAGE_SIZE };
    const states = await this.allPages(WORKFLOW_STATES_QUERY, variables, (data: WorkflowStatesData) => data.workflowStates, op);
    return states.filter((state) => !state.archivedAt).sort((a, b) => a.position - b.position);
  }

  private async update(item: WorkItem, doing: string, input: { stateId?: string; assigneeId?: string | null }): Promise<WorkItem> {
    return this.run(doing, undefined, async (op) => {
      const { issueUpdate } = await this.graphql<UpdateIssueData>(UPDATE_ISSUE_MUTATION, { id: item.id, input }, op);
      if (!issueUpdate.success || !issueUpdate.issue)
        throw linearError('invalid', `Linear did not apply the change while ${doing}; refresh the board and try again.`);
      return this.toWorkItems([issueUpdate.issue])[0];
    });
  }

  private toWorkItems(issues: LinearIssueNode[]): WorkItem[] {
    return issues.map((issue) => {
      this.teamOfIssue.set(issue.id, issue.team.id);
      return workItemFromIssue(issue);
    });
  }

  /** Follows a connection's pages, up to `limit` nodes or a page that does not move the cursor on. */
  private async allPages<Data, Node>(
    query: string,
    variables: Record<string, unknown>,
    connectionOf: (data: Data) => LinearConnection<Node>,
    op: Operation,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Node[]> {
    const nodes: Node[] = [];
    let after: string | undefined;
    for (;;) {
      const page = connectionOf(await this.graphql<Data>(query, { ...variables, after }, op));
      nodes.push(...page.nodes);
      const next = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage || !next || next === after || nodes.length >= limit) return nodes;
      after = next;
    }
  }

  /** One GraphQL request: its `data`, or a ServiceError for `errors` (in a 200 or an error status) or no data. */
  private async graphql<Data>(query: string, variables: Record<string, unknown>, { doing, signal }: Operation): Promise<Data> {
    const answer = await this.http.send({
      method: 'POST',
      url: this.apiUrl,
      body: { query, variables },
      signal,
      purpose: doing,
      describeStatus: (failed) => linearStatusError(failed, doing),
    });
    let body: unknown;
    try {
      body = JSON.parse(await answer.text()) as unknown;
    } catch {
      throw malformedAnswer(doing, true);
    }
    const errors = graphqlErrorsIn(body);
    if (errors.length) {
      // Linear may quote the request back; the client's scrub keeps the key out of the message.
      const failure = fromFailure({ status: answer.status, headers: answer.headers, errors }, doing);
      throw this.http.error(failure.kind, failure.message, { status: failure.status, retryAfterMs: failure.retryAfterMs });
    }
    if (!isRecord(body) || !isRecord(body.data)) throw malformedAnswer(doing, false);
    return body.data as Data;
  }

  /** One operation under one deadline (a list and all its pages), its failures as ServiceErrors. */
  private async run<T>(doing: string, signal: AbortSignal | undefined, operation: (op: Operation) => Promise<T>): Promise<T> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    try {
      return await operation({ doing, signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (deadline.aborted) throw linearError('timeout', noAnswerMessage('Linear', this.timeoutMs, doing));
      throw serviceErrorFromLinear(error, doing);
    }
  }
}
