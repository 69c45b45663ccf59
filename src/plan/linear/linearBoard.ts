// Linear issues as a board. The SDK is loaded on first use, so activation does not pay for it.
//
// The SDK's models fetch each relation (state, assignee, labels…) with its own request. A page of issues
// therefore resolves its relations in one batched query per kind, cached for the provider's lifetime except
// that each list() starts afresh so renamed states and labels show up on refresh.
import type * as LinearSdk from '@linear/sdk';
import type { Assignee, BoardProvider, NewWorkItem, WorkItem, WorkItemTransition } from '../workItem';
import { linearError, serviceErrorFromLinear } from './linearErrors';
import type { LinearIssueFacts } from './workItemFromIssue';
import { columnOfState, workItemFromIssue } from './workItemFromIssue';

type Sdk = typeof LinearSdk;

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
const LOOKUP_PAGE_SIZE = 250;

// Fetched with a query of our own: the SDK's IssueLabel fragment asks for fields the published schema lacks.
const LABELS_QUERY = `query conveyorIssueLabels($ids: [ID!], $first: Int, $after: String) {
  issueLabels(filter: { id: { in: $ids } }, first: $first, after: $after, includeArchived: true) {
    nodes { id name }
    pageInfo { hasNextPage endCursor }
  }
}`;

// The SDK's Team fragment asks for fields the published schema lacks, so teams are read with a query of our own.
const TEAMS_QUERY = `query conveyorTeams($filter: TeamFilter, $first: Int) {
  teams(filter: $filter, first: $first) { nodes { id key } }
}`;

interface TeamsPage {
  teams: { nodes: { id: string; key: string }[] };
}

interface LabelsPage {
  issueLabels: { nodes: { id: string; name: string }[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } };
}

interface Paged<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean };
  fetchNext(): Promise<unknown>;
}

let sdkLoading: Promise<Sdk> | undefined;
function loadSdk(): Promise<Sdk> {
  return (sdkLoading ??= import('@linear/sdk'));
}

export class LinearBoardProvider implements BoardProvider {
  readonly name = 'linear' as const;
  private readonly timeoutMs: number;
  private readonly maxItems: number;
  private readonly teamOfIssue = new Map<string, string>();
  private names = new Names();

  constructor(private readonly options: LinearBoardOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxItems = options.maxItems ?? 1000;
  }

  async list(options: { mine?: boolean; signal?: AbortSignal } = {}): Promise<WorkItem[]> {
    const doing = options.mine ? 'listing your Linear issues' : 'listing Linear issues';
    return this.run(doing, options.signal, async (client, sdk) => {
      this.names = new Names();
      const filter: LinearSdk.LinearDocument.IssueFilter = {};
      if (this.options.team) filter.team = { key: { eq: this.options.team } };
      if (options.mine) filter.assignee = { isMe: { eq: true } };
      const issues = await client.issues({
        filter,
        first: PAGE_SIZE,
        orderBy: sdk.LinearDocument.PaginationOrderBy.UpdatedAt,
        includeArchived: false,
      });
      const nodes = (await allPages(issues, this.maxItems)).filter((issue) => !issue.archivedAt).slice(0, this.maxItems);
      return this.toWorkItems(client, nodes);
    });
  }

  async transitions(item: WorkItem): Promise<WorkItemTransition[]> {
    return this.run(`loading the statuses of ${item.key}`, undefined, async (client) => {
      const teamId = this.teamOfIssue.get(item.id) ?? (await client.issue(item.id)).teamId;
      if (!teamId) throw linearError('not-found', `${item.key} has no team in Linear, so it has no statuses to move to.`);
      const states = await allPages(await client.workflowStates({ filter: { team: { id: { eq: teamId } } }, first: LOOKUP_PAGE_SIZE }));
      states.forEach((state) => this.names.states.set(state.id, { name: state.name, type: state.type }));
      return states
        .filter((state) => !state.archivedAt && state.name !== item.status)
        .sort((a, b) => a.position - b.position)
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
    return this.run('listing Linear users', undefined, async (client) => {
      const users = await allPages(await client.users({ first: LOOKUP_PAGE_SIZE }));
      return users.filter((user) => user.active).map((user) => ({ id: user.id, name: user.displayName || user.name }));
    });
  }

  /** Creates an issue in the board's team, in the team's first status of the column asked for. */
  async create(fields: NewWorkItem): Promise<WorkItem> {
    return this.run('creating a Linear issue', undefined, async (client) => {
      const teamId = await this.boardTeamId(client);
      let stateId: string | undefined;
      if (fields.column) {
        const states = await allPages(await client.workflowStates({ filter: { team: { id: { eq: teamId } } }, first: LOOKUP_PAGE_SIZE }));
        stateId = states
          .filter((state) => !state.archivedAt && columnOfState(state) === fields.column)
          .sort((a, b) => a.position - b.position)[0]?.id;
      }
      const payload = await client.createIssue({
        teamId,
        title: fields.title,
        ...(fields.description ? { description: fields.description } : {}),
        ...(fields.assignee ? { assigneeId: fields.assignee } : {}),
        ...(stateId ? { stateId } : {}),
      });
      const created = payload.success ? await payload.issue : undefined;
      if (!created) throw linearError('invalid', 'Linear did not create the issue; refresh the board and try again.');
      const [item] = await this.toWorkItems(client, [created]);
      return item;
    });
  }

  /** The configured team, or the only team the key can see; several teams need board.linear.team to choose. */
  private async boardTeamId(client: LinearSdk.LinearClient): Promise<string> {
    const key = this.options.team;
    const variables = key ? { filter: { key: { eq: key } }, first: 1 } : { first: 2 };
    const { data } = await client.client.rawRequest<TeamsPage, Record<string, unknown>>(TEAMS_QUERY, variables);
    const teams = data?.teams ?? { nodes: [] };
    if (key && !teams.nodes[0])
      throw linearError(
        'not-found',
        `Linear has no team with the key ${key} that this API key can see (board.linear.team in conveyor.yml).`,
      );
    if (!key && teams.nodes.length !== 1)
      throw linearError('invalid', 'Set board.linear.team in conveyor.yml to choose the team new issues go to.');
    return teams.nodes[0].id;
  }

  private async update(item: WorkItem, doing: string, input: LinearSdk.LinearDocument.IssueUpdateInput): Promise<WorkItem> {
    return this.run(doing, undefined, async (client) => {
      const payload = await client.updateIssue(item.id, input);
      const updated = payload.success ? await payload.issue : undefined;
      if (!updated) throw linearError('invalid', `Linear did not apply the change while ${doing}; refresh the board and try again.`);
      const [result] = await this.toWorkItems(client, [updated]);
      return result;
    });
  }

  private async toWorkItems(client: LinearSdk.LinearClient, issues: LinearSdk.Issue[]): Promise<WorkItem[]> {
    await this.names.resolve(client, issues);
    return issues.map((issue) => {
      if (issue.teamId) this.teamOfIssue.set(issue.id, issue.teamId);
      return workItemFromIssue(this.names.facts(issue));
    });
  }

  /** One operation under one deadline, with the SDK's errors turned into ServiceErrors. */
  private async run<T>(
    doing: string,
    signal: AbortSignal | undefined,
    operation: (client: LinearSdk.LinearClient, sdk: Sdk) => Promise<T>,
  ): Promise<T> {
    const sdk = await loadSdk();
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const client = new sdk.LinearClient({
      apiKey: this.options.apiKey,
      apiUrl: this.options.apiUrl,
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
    });
    try {
      return await operation(client, sdk);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (deadline.aborted) {
        throw linearError(
          'timeout',
          `Linear did not answer within ${this.timeoutMs < 1000 ? `${this.timeoutMs} ms` : `${Math.round(this.timeoutMs / 1000)} s`} while ${doing}; check your network and try again.`,
        );
      }
      throw serviceErrorFromLinear(error, sdk, doing, this.options.apiKey);
    }
  }
}

/** Names of the states, people, labels, cycles and milestones issues point to, fetched in batches. */
class Names {
  readonly states = new Map<string, { name: string; type: string }>();
  private readonly users = new Map<string, string>();
  private readonly labels = new Map<string, string>();
  private readonly cycles = new Map<string, string>();
  private readonly milestones = new Map<string, string>();

  async resolve(client: LinearSdk.LinearClient, issues: LinearSdk.Issue[]): Promise<void> {
    const missing = <T>(known: Map<string, T>, ids: (string | undefined)[]): string[] => [
      ...new Set(ids.filter((id): id is string => !!id && !known.has(id))),
    ];
    const stateIds = missing(
      this.states,
      issues.map((issue) => issue.stateId),
    );
    const userIds = missing(
      this.users,
      issues.map((issue) => issue.assigneeId),
    );
    const labelIds = missing(
      this.labels,
      issues.flatMap((issue) => issue.labelIds),
    );
    const cycleIds = missing(
      this.cycles,
      issues.map((issue) => issue.cycleId),
    );
    const milestoneIds = missing(
      this.milestones,
      issues.map((issue) => issue.projectMilestoneId),
    );
    await Promise.all([
      stateIds.length &&
        client
          .workflowStates({ filter: { id: { in: stateIds } }, first: LOOKUP_PAGE_SIZE })
          .then(allPages)
          .then((states) => states.forEach((state) => this.states.set(state.id, { name: state.name, type: state.type }))),
      userIds.length &&
        client
          .users({ filter: { id: { in: userIds } }, first: LOOKUP_PAGE_SIZE, includeDisabled: true })
          .then(allPages)
          .then((users) => users.forEach((user) => this.users.set(user.id, user.name))),
      cycleIds.length &&
        client
          .cycles({ filter: { id: { in: cycleIds } }, first: LOOKUP_PAGE_SIZE, includeArchived: true })
          .then(allPages)
          .then((cycles) => cycles.forEach((cycle) => this.cycles.set(cycle.id, cycle.name ?? `Cycle ${cycle.number}`))),
      milestoneIds.length &&
        client
          .projectMilestones({ filter: { id: { in: milestoneIds } }, first: LOOKUP_PAGE_SIZE, includeArchived: true })
          .then(allPages)
          .then((milestones) => milestones.forEach((milestone) => this.milestones.set(milestone.id, milestone.name))),
      labelIds.length && this.resolveLabels(client, labelIds),
    ]);
  }

  facts(issue: LinearSdk.Issue): LinearIssueFacts {
    const state = issue.stateId ? this.states.get(issue.stateId) : undefined;
    if (!state) throw new TypeError(`Linear issue ${issue.identifier} has no readable state`);
    return {
      id: issue.id,
      identifier: issue.identifier,
      title: issue.title,
      url: issue.url,
      state,
      assignee: issue.assigneeId ? this.users.get(issue.assigneeId) : undefined,
      labels: issue.labelIds.map((id) => this.labels.get(id)).filter((name): name is string => name !== undefined),
      cycle: issue.cycleId ? this.cycles.get(issue.cycleId) : undefined,
      projectMilestone: issue.projectMilestoneId ? this.milestones.get(issue.projectMilestoneId) : undefined,
      dueDate: issue.dueDate ? String(issue.dueDate) : undefined,
      updatedAt: issue.updatedAt,
    };
  }

  private async resolveLabels(client: LinearSdk.LinearClient, ids: string[]): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const { data } = await client.client.rawRequest<LabelsPage, Record<string, unknown>>(LABELS_QUERY, {
        ids,
        first: LOOKUP_PAGE_SIZE,
        after,
      });
      if (!data?.issueLabels) throw new TypeError('Linear answered the label query without labels');
      data.issueLabels.nodes.forEach((label) => this.labels.set(label.id, label.name));
      const next = data.issueLabels.pageInfo.endCursor;
      if (!data.issueLabels.pageInfo.hasNextPage || !next || next === after) return;
      after = next;
    }
  }
}

/** Follows a connection's pages with the SDK's fetchNext, up to `limit` nodes or a page that adds nothing. */
async function allPages<T>(connection: Paged<T>, limit = Number.POSITIVE_INFINITY): Promise<T[]> {
  let seen = -1;
  while (connection.pageInfo.hasNextPage && connection.nodes.length < limit && connection.nodes.length !== seen) {
    seen = connection.nodes.length;
    await connection.fetchNext();
  }
  return connection.nodes;
}
