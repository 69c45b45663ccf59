// A Linear GraphQL endpoint on 127.0.0.1 for the Linear board. Every query is parsed and validated against Linear's
// published schema (test/fixtures/api-schemas/linear-schema.graphql) and answered by executing it against that
// schema over the fixtures in test/fixtures/linear (see its README), so the board gets exactly the shape the real
// API would give, and a query the real API would reject is rejected and recorded. Failures are scripted per request.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DocumentNode, ExecutionResult, GraphQLFieldResolver, GraphQLOutputType, GraphQLSchema } from 'graphql';
import { FaultScript, StubServer } from './stubServer';
import type { Fault, StubExchange } from './stubServer';
import {
  GraphQLError,
  Kind,
  buildSchema,
  defaultFieldResolver,
  execute,
  getNamedType,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  validate,
} from 'graphql';

export const LINEAR_SCHEMA_PATH = path.resolve(__dirname, '..', 'fixtures', 'api-schemas', 'linear-schema.graphql');
export const LINEAR_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'linear');

export interface LinearWorkspace {
  viewerId: string;
  users: { id: string; name: string; displayName: string; email: string; active: boolean }[];
  teams: { id: string; key: string; name: string }[];
  states: { id: string; teamId: string; name: string; type: string; position: number; color: string }[];
  labels: { id: string; name: string; color: string }[];
  cycles: { id: string; teamId: string; number: number; name?: string; startsAt: string; endsAt: string }[];
  projectMilestones: { id: string; name: string; targetDate?: string }[];
  issues: FixtureIssue[];
}

export interface FixtureIssue {
  id: string;
  number: number;
  teamId: string;
  title: string;
  stateId: string;
  assigneeId?: string | null;
  labelIds: string[];
  cycleId?: string;
  projectMilestoneId?: string;
  dueDate?: string;
  /** Markdown. */
  description?: string;
  updatedAt: string;
  archivedAt?: string;
}

export function loadLinearWorkspace(): LinearWorkspace {
  return JSON.parse(readFileSync(path.join(LINEAR_FIXTURES, 'workspace.json'), 'utf8')) as LinearWorkspace;
}

let schemaBuilt: GraphQLSchema | undefined;
/** Built once per process: the schema is 1.2 MB of SDL. */
export function linearSchema(): GraphQLSchema {
  return (schemaBuilt ??= buildSchema(readFileSync(LINEAR_SCHEMA_PATH, 'utf8')));
}

/** A scripted answer to one request: an HTTP reply, a connection that never answers, or one that is cut. */
export type LinearStubReply = { status: number; headers?: Record<string, string>; body: string | object } | 'hang' | 'drop';

export interface LinearStubRequest {
  /** As sent, else the name of the document's operation (the board sends only `query` and `variables`). */
  operationName?: string;
  query: string;
  variables: Record<string, unknown>;
  authorization?: string;
  /** Schema validation errors; empty when the query is one the real API accepts. */
  invalid: string[];
}

export interface LinearStubOptions {
  apiKey: string;
  /** Most nodes the stub returns per page whatever `first` asks (Linear caps pages too). Default 250. */
  maxPageSize?: number;
  workspace?: LinearWorkspace;
}

export interface LinearStub {
  url: string;
  workspace: LinearWorkspace;
  requests: LinearStubRequest[];
  /** Execution errors that are not deliberate user errors: a fixture gap or an unsupported filter. */
  problems: string[];
  /** Answer the next requests with these replies, one each, before serving normally again. */
  script(...replies: LinearStubReply[]): void;
  close(): Promise<void>;
}

/** Error bodies as Linear sends them, classified by `extensions.type` and `extensions.code`. */
export const linearErrorReplies = {
  authentication: (): LinearStubReply => ({
    status: 400,
    body: graphqlErrors(
      'Authentication required, not authenticated',
      'authentication error',
      'AUTHENTICATION_ERROR',
      'You need to authenticate to access this operation.',
    ),
  }),
  ratelimited: (headers: Record<string, string>): LinearStubReply => ({
    status: 400,
    headers,
    body: graphqlErrors('Rate limit exceeded', 'ratelimited', 'RATELIMITED', 'Too many requests, try again later.'),
  }),
  forbidden: (): LinearStubReply => ({
    status: 400,
    body: graphqlErrors('Forbidden', 'forbidden', 'FORBIDDEN', 'You do not have access to this resource.'),
  }),
};

function graphqlErrors(message: string, type: string, code: string, userPresentableMessage: string): object {
  return { errors: [{ message, extensions: { type, code, userError: true, userPresentableMessage } }] };
}

class UserFacingError extends GraphQLError {
  constructor(message: string, type = 'invalid input') {
    super(message, { extensions: { type, code: 'INPUT_ERROR', userError: true, userPresentableMessage: message } });
  }
}

export async function startLinearStub(options: LinearStubOptions): Promise<LinearStub> {
  const schema = linearSchema();
  const workspace = options.workspace ?? loadLinearWorkspace();
  const model = new WorkspaceModel(workspace, options.maxPageSize ?? 250);
  const requests: LinearStubRequest[] = [];
  const problems: string[] = [];
  const replies = new FaultScript<LinearStubReply>();

  const answer = (exchange: StubExchange): void => {
    const body = exchange.readJson();
    if (!body.ok || body.value === undefined)
      return exchange.sendJson(400, {
        errors: [{ message: 'Body is not JSON', extensions: { type: 'graphql error', code: 'BAD_REQUEST' } }],
      });
    const {
      query = '',
      variables = {},
      operationName,
    } = body.value as { query?: string; variables?: Record<string, unknown>; operationName?: string };
    let document: DocumentNode | undefined;
    let invalid: string[];
    try {
      document = parse(query);
      invalid = validate(schema, document).map((error) => error.message);
    } catch (error) {
      invalid = [(error as Error).message];
    }
    const operation = document?.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    requests.push({
      operationName: operationName ?? operation?.name?.value,
      query,
      variables,
      authorization: exchange.headers.authorization,
      invalid,
    });

    const reply = replies.take(exchange);
    if (reply) return exchange.fault(faultOf(reply));
    if (exchange.method !== 'POST') return exchange.fault(faultOf({ status: 405, body: 'Method Not Allowed' }));
    if (exchange.headers.authorization !== options.apiKey) return exchange.fault(faultOf(linearErrorReplies.authentication()));
    if (!document || invalid.length) {
      return exchange.sendJson(400, {
        errors: invalid.map((message) => ({ message, extensions: { type: 'graphql error', code: 'GRAPHQL_VALIDATION_FAILED' } })),
      });
    }
    const result = execute({ schema, document, variableValues: variables, rootValue: model.root(), fieldResolver }) as ExecutionResult;
    for (const error of result.errors ?? []) {
      if (!(error.originalError instanceof UserFacingError)) problems.push(`${error.message} at ${error.path?.join('.') ?? '?'}`);
    }
    exchange.sendJson(200, result);
  };

  const server = await StubServer.start({ urlPath: '/graphql', handle: answer });
  return {
    url: server.url,
    workspace,
    requests,
    problems,
    script: (...next) => next.forEach((reply) => replies.next(reply)),
    close: () => server.stop(),
  };
}

/** A scripted reply as the stub server plays it: text bodies are HTML, as a proxy or gateway sends them. */
function faultOf(reply: LinearStubReply): Fault {
  if (typeof reply === 'string') return reply;
  return typeof reply.body === 'string'
    ? { status: reply.status, text: reply.body, headers: { 'content-type': 'text/html; charset=utf-8', ...reply.headers } }
    : { status: reply.status, json: reply.body, headers: reply.headers };
}

/**
 * Reads the fixture's own property; a non-null field the fixtures leave out gets a neutral value of its type, so
 * any field a query asks for still gets a complete, schema-true answer.
 */
const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
  const value: unknown = defaultFieldResolver(source, args, context, info);
  if (value !== undefined && value !== null) return value;
  return isNonNullType(info.returnType) ? neutral(info.returnType.ofType) : null;
};

function neutral(type: GraphQLOutputType): unknown {
  if (isNonNullType(type)) return neutral(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isObjectType(type)) return {};
  if (isAbstractType(type)) return { __typename: '' };
  switch (getNamedType(type).name) {
    case 'Int':
    case 'Float':
      return 0;
    case 'Boolean':
      return false;
    case 'DateTime':
      return new Date(0).toISOString();
    case 'TimelessDate':
      return '1970-01-01';
    case 'JSON':
    case 'JSONObject':
      return {};
    default:
      return '';
  }
}

type Args = Record<string, unknown>;
type Filter = Record<string, unknown> | undefined;

/** The fixtures as GraphQL objects, with relations joined, plus the few mutations the board performs. */
class WorkspaceModel {
  private syncId = 1000;

  constructor(
    private readonly ws: LinearWorkspace,
    private readonly maxPageSize: number,
  ) {}

  root(): Record<string, (args: Args) => unknown> {
    return {
      viewer: () => this.user(this.ws.viewerId),
      issues: (args) => this.page(this.issues(args.filter as Filter, args.includeArchived === true), args),
      issue: (args) => {
        const found = this.ws.issues.find((issue) => issue.id === args.id || this.identifier(issue) === args.id);
        if (!found) throw new UserFacingError('Entity not found: Issue', 'invalid input');
        return this.issue(found);
      },
      workflowStates: (args) =>
        this.page(
          this.ws.states.filter((state) => this.stateMatches(state, args.filter as Filter)).map((state) => this.state(state.id)),
          args,
        ),
      users: (args) =>
        this.page(
          this.ws.users.filter((user) => idMatches(user.id, args.filter as Filter, 'UserFilter')).map((user) => this.user(user.id)),
          args,
        ),
      issueLabels: (args) =>
        this.page(
          this.ws.labels.filter((label) => idMatches(label.id, args.filter as Filter, 'IssueLabelFilter')),
          args,
        ),
      cycles: (args) =>
        this.page(
          this.ws.cycles.filter((cycle) => idMatches(cycle.id, args.filter as Filter, 'CycleFilter')).map((cycle) => this.cycle(cycle.id)),
          args,
        ),
      projectMilestones: (args) =>
        this.page(
          this.ws.projectMilestones.filter((milestone) => idMatches(milestone.id, args.filter as Filter, 'ProjectMilestoneFilter')),
          args,
        ),
      teams: (args) =>
        this.page(
          this.ws.teams
            .filter((team) => fieldsMatch({ id: team.id, key: team.key }, (args.filter ?? {}) as Record<string, Args>, 'TeamFilter'))
            .map((team) => this.team(team.id)),
          args,
        ),
      issueUpdate: (args) => this.issueUpdate(args.id as string, args.input as Args),
      issueCreate: (args) => this.issueCreate(args.input as Args),
    };
  }

  private issues(filter: Filter, includeArchived: boolean): object[] {
    return this.ws.issues
      .filter((issue) => includeArchived || !issue.archivedAt)
      .filter((issue) => this.issueMatches(issue, filter))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .map((issue) => this.issue(issue));
  }

  private issueMatches(issue: FixtureIssue, filter: Filter): boolean {
    for (const [key, value] of Object.entries(filter ?? {})) {
      const sub = value as Record<string, Args>;
      if (key === 'team') {
        const team = this.ws.teams.find((t) => t.id === issue.teamId);
        if (!team || !fieldsMatch({ id: team.id, key: team.key }, sub, 'TeamFilter')) return false;
      } else if (key === 'assignee') {
        if (sub.null) {
          if ((sub.null as unknown) === true ? !!issue.assigneeId : !issue.assigneeId) return false;
          continue;
        }
        if (!issue.assigneeId) return false;
        const fields = { id: issue.assigneeId, isMe: issue.assigneeId === this.ws.viewerId };
        if (!fieldsMatch(fields, sub, 'NullableUserFilter')) return false;
      } else {
        throw new Error(`linearStub: IssueFilter.${key} is not supported`);
      }
    }
    return true;
  }

  private stateMatches(state: LinearWorkspace['states'][number], filter: Filter): boolean {
    for (const [key, value] of Object.entries(filter ?? {})) {
      if (key === 'id') {
        if (!compare(state.id, value as Args)) return false;
      } else if (key === 'team') {
        const team = this.ws.teams.find((t) => t.id === state.teamId);
        if (!team || !fieldsMatch({ id: team.id, key: team.key }, value as Record<string, Args>, 'TeamFilter')) return false;
      } else {
        throw new Error(`linearStub: WorkflowStateFilter.${key} is not supported`);
      }
    }
    return true;
  }

  private page(items: object[], args: Args): object {
    const after = args.after as string | undefined;
    const start = after ? items.findIndex((item) => (item as { id: string }).id === after) + 1 : 0;
    if (after && start === 0) throw new UserFacingError(`Unknown cursor ${after}`);
    const size = Math.min((args.first as number | undefined) ?? 50, this.maxPageSize);
    const nodes = items.slice(start, start + size);
    const ids = nodes.map((node) => (node as { id: string }).id);
    return {
      nodes,
      pageInfo: {
        hasNextPage: start + size < items.length,
        hasPreviousPage: start > 0,
        startCursor: ids[0] ?? null,
        endCursor: ids.at(-1) ?? null,
      },
    };
  }

  private identifier(issue: FixtureIssue): string {
    return `${this.ws.teams.find((team) => team.id === issue.teamId)?.key ?? 'X'}-${issue.number}`;
  }

  private issue(issue: FixtureIssue): object {
    const identifier = this.identifier(issue);
    return {
      ...issue,
      identifier,
      url: `https://linear.app/conveyor/issue/${identifier.toLowerCase()}`,
      branchName: `${identifier.toLowerCase()}-work`,
      createdAt: '2025-11-01T09:00:00.000Z',
      priorityLabel: 'No priority',
      team: this.team(issue.teamId),
      state: this.state(issue.stateId),
      assignee: issue.assigneeId ? this.user(issue.assigneeId) : null,
      cycle: issue.cycleId ? this.cycle(issue.cycleId) : null,
      projectMilestone: issue.projectMilestoneId ? this.ws.projectMilestones.find((m) => m.id === issue.projectMilestoneId) : null,
      labels: (args: Args) =>
        this.page(
          this.ws.labels.filter((label) => issue.labelIds.includes(label.id)),
          args,
        ),
    };
  }

  private team(id: string): object {
    const team = must(
      this.ws.teams.find((t) => t.id === id),
      'team',
      id,
    );
    return {
      ...team,
      states: (args: Args) =>
        this.page(
          this.ws.states.filter((s) => s.teamId === id).map((s) => this.state(s.id)),
          args,
        ),
    };
  }

  private state(id: string): object {
    const state = must(
      this.ws.states.find((s) => s.id === id),
      'workflow state',
      id,
    );
    return { ...state, team: this.ws.teams.find((t) => t.id === state.teamId) };
  }

  private user(id: string): object {
    const user = must(
      this.ws.users.find((u) => u.id === id),
      'user',
      id,
    );
    return { ...user, isMe: user.id === this.ws.viewerId, createdAt: '2025-01-01T00:00:00.000Z' };
  }

  private cycle(id: string): object {
    const cycle = must(
      this.ws.cycles.find((c) => c.id === id),
      'cycle',
      id,
    );
    return { ...cycle, team: this.ws.teams.find((t) => t.id === cycle.teamId) };
  }

  private issueCreate(input: Args): object {
    const { teamId, title, ...rest } = input as { teamId: string; title?: string } & Args;
    if (!this.ws.teams.some((team) => team.id === teamId)) throw new UserFacingError('Entity not found: Team');
    if (!title) throw new UserFacingError('Title is required');
    const states = this.ws.states.filter((state) => state.teamId === teamId);
    // Linear puts a new issue in the team's first backlog/unstarted status unless told otherwise.
    const initial =
      states.filter((s) => s.type === 'unstarted' || s.type === 'backlog').sort((a, b) => a.position - b.position)[0] ?? states[0];
    const issue: FixtureIssue = {
      id: `00000000-0000-4000-8000-${String(this.ws.issues.length + 1).padStart(12, '0')}`,
      number: Math.max(0, ...this.ws.issues.filter((i) => i.teamId === teamId).map((i) => i.number)) + 1,
      teamId,
      title,
      stateId: initial.id,
      assigneeId: null,
      labelIds: [],
      updatedAt: new Date().toISOString(),
    };
    this.ws.issues.push(issue);
    if (Object.keys(rest).length) this.issueUpdate(issue.id, rest);
    return { success: true, lastSyncId: ++this.syncId, issue: this.issue(issue) };
  }

  private issueUpdate(id: string, input: Args): object {
    const issue = this.ws.issues.find((candidate) => candidate.id === id);
    if (!issue) throw new UserFacingError('Entity not found: Issue');
    for (const [key, value] of Object.entries(input)) {
      if (key === 'stateId') {
        const state = this.ws.states.find((s) => s.id === value);
        if (!state || state.teamId !== issue.teamId) throw new UserFacingError("Workflow state does not belong to the issue's team");
        issue.stateId = state.id;
      } else if (key === 'assigneeId') {
        if (value !== null && !this.ws.users.some((user) => user.id === value)) throw new UserFacingError('Assignee not found');
        issue.assigneeId = value as string | null;
      } else if (key === 'description') {
        issue.description = value as string;
      } else {
        throw new Error(`linearStub: IssueUpdateInput.${key} is not supported`);
      }
    }
    issue.updatedAt = new Date().toISOString();
    return { success: true, lastSyncId: ++this.syncId, issue: this.issue(issue) };
  }
}

function must<T>(found: T | undefined, what: string, id: string): T {
  if (!found) throw new Error(`linearStub: the fixtures have no ${what} ${id}`);
  return found;
}

function fieldsMatch(fields: Record<string, unknown>, filter: Record<string, Args>, type: string): boolean {
  return Object.entries(filter).every(([key, comparator]) => {
    if (!(key in fields)) throw new Error(`linearStub: ${type}.${key} is not supported`);
    return compare(fields[key], comparator);
  });
}

function idMatches(id: string, filter: Filter, type: string): boolean {
  return fieldsMatch({ id }, (filter ?? {}) as Record<string, Args>, type);
}

function compare(value: unknown, comparator: Args): boolean {
  return Object.entries(comparator).every(([op, expected]) => {
    switch (op) {
      case 'eq':
        return value === expected;
      case 'neq':
        return value !== expected;
      case 'in':
        return (expected as unknown[]).includes(value);
      case 'nin':
        return !(expected as unknown[]).includes(value);
      default:
        throw new Error(`linearStub: comparator ${op} is not supported`);
    }
  });
}
