// A local GitHub for the Projects v2 board: GraphQL on /graphql and the REST issue endpoints the board uses to
// create and assign. Every GraphQL document is parsed and validated against GitHub's published schema
// (@octokit/graphql-schema), then executed against that schema over an in-memory project, so the provider gets
// exactly the shape GitHub would give, and a document GitHub would reject is answered 400 and recorded. REST
// answers start from GitHub's OpenAPI examples (test/support/githubIssuesStub) and are checked against its schemas.
// Errors come as GitHub sends them (test/support/githubApi): GraphQL ones with 200 and a `type`, HTTP ones with
// GitHub's headers; REST and GraphQL have a rate limit each, as on GitHub.
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { GraphQLError, Kind, buildSchema, execute, parse, validate } from 'graphql';
import { GitHubApi, RATE_LIMIT_MESSAGE, validateResponse } from './githubApi';
import type { GitHubAnswer } from './githubApi';
import { issue as restIssue, ISSUES_OWNER, ISSUES_REPO, STUB_LOGIN } from './githubIssuesStub';
import { FaultScript, StubServer } from './stubServer';
import type { StubExchange } from './stubServer';

export const PROJECT_OWNER = ISSUES_OWNER;
export const PROJECT_REPO = ISSUES_REPO;
export const PROJECT_NUMBER = 3;
export { STUB_LOGIN } from './githubIssuesStub';

let schemaLoaded: Promise<GraphQLSchema> | undefined;
/**
 * GitHub's published schema, built once per process. The package is ESM-only (hence the dynamic import), and its SDL
 * declares one Enterprise field twice (`EnterpriseOwnerInfo.repositoryDeployKeySettingOrganizations`, 15.26.1), which
 * buildSchema's SDL check rejects; the built schema itself passes graphql's `validateSchema`.
 */
export function githubGraphqlSchema(): Promise<GraphQLSchema> {
  return (schemaLoaded ??= import('@octokit/graphql-schema').then(({ schema }) => buildSchema(schema.idl, { assumeValidSDL: true })));
}

// --- The in-memory project. ---

export interface StubIssue {
  kind: 'Issue' | 'PullRequest';
  /** The node id; for issues the same as the REST `node_id`. */
  id: string;
  number: number;
  /** `owner/repo`. */
  repository: string;
  title: string;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  assignees: string[];
  labels: string[];
  milestone?: { title: string; dueOn: string | null };
  updatedAt: string;
}

export interface StubDraft {
  kind: 'DraftIssue';
  id: string;
  title: string;
  assignees: string[];
  updatedAt: string;
}

export interface StubItem {
  id: string;
  contentId: string;
  statusOptionId?: string;
  archived?: boolean;
}

export interface StubProject {
  id: string;
  number: number;
  title: string;
  owner: string;
  ownerType: 'Organization' | 'User';
  /** Left out for a project without a Status field. */
  statusField?: { id: string; options: { id: string; name: string }[] };
  items: StubItem[];
}

export interface ProjectFixture {
  project: StubProject;
  /** Every issue, pull request and draft, on the project or not. */
  contents: (StubIssue | StubDraft)[];
}

/** The node id GitHub's REST answers give issue `number` (githubIssuesStub's builder), so REST and GraphQL agree. */
export function issueNodeId(number: number): string {
  return String(restIssue({ number }).node_id);
}

export const STATUS_OPTIONS = [
  { id: 'f75ad846', name: 'Todo' },
  { id: '47fc9ee4', name: 'In Progress' },
  { id: 'a1b2c3d4', name: 'In Review' },
  { id: '98236657', name: 'Done' },
  { id: 'b10c4ed0', name: 'Blocked' },
];
const optionId = (name: string) => STATUS_OPTIONS.find((o) => o.name === name)?.id;

export function stubIssue(fields: Partial<StubIssue> & { number: number; title: string }): StubIssue {
  return {
    kind: 'Issue',
    id: issueNodeId(fields.number),
    repository: `${PROJECT_OWNER}/${PROJECT_REPO}`,
    state: 'OPEN',
    assignees: [],
    labels: [],
    updatedAt: '2024-05-01T10:00:00Z',
    ...fields,
  };
}

/**
 * Project 3 of octo-org: issues in each Status, two without one (open and closed), one from another repository in
 * "Blocked" (a name no column has), a pull request, a draft issue and an archived item.
 */
export function sampleProject(): ProjectFixture {
  const contents: (StubIssue | StubDraft)[] = [
    stubIssue({ number: 1, title: 'Plain todo', labels: ['enhancement'] }),
    stubIssue({
      number: 2,
      title: 'Being built',
      labels: ['bug'],
      assignees: [STUB_LOGIN, 'hubot'],
      milestone: { title: 'v1.0', dueOn: '2024-06-01T07:00:00Z' },
      updatedAt: '2024-05-02T10:00:00Z',
    }),
    stubIssue({ number: 3, title: 'Under review', assignees: ['hubot'] }),
    stubIssue({ number: 4, title: 'Finished', state: 'CLOSED' }),
    stubIssue({ number: 5, title: 'Closed without status', state: 'CLOSED' }),
    stubIssue({ number: 6, title: 'Open without status' }),
    { ...stubIssue({ number: 7, title: 'Elsewhere', repository: `${PROJECT_OWNER}/other-repo` }), id: 'I_kwDOOtherRepo7' },
    { ...stubIssue({ number: 8, title: 'A pull request', assignees: [STUB_LOGIN] }), kind: 'PullRequest', id: 'PR_kwDOPull8' },
    {
      kind: 'DraftIssue',
      id: 'DI_lADOBnzB7M4AHCjWzgFZFRg',
      title: 'A draft idea',
      assignees: [STUB_LOGIN],
      updatedAt: '2024-05-03T10:00:00Z',
    },
    stubIssue({ number: 9, title: 'Archived long ago' }),
    stubIssue({ number: 10, title: 'Not on the project' }),
  ];
  let serial = 0;
  const on = (contentId: string, status?: string, archived?: boolean): StubItem => ({
    id: `PVTI_lADOBx8Ulc4AaBcDzg${String(++serial).padStart(4, '0')}`,
    contentId,
    statusOptionId: status ? optionId(status) : undefined,
    archived,
  });
  const idOf = (n: number) => (contents.find((c) => c.kind !== 'DraftIssue' && c.number === n) as StubIssue).id;
  return {
    contents,
    project: {
      id: 'PVT_kwDOBx8Ulc4AaBcD',
      number: PROJECT_NUMBER,
      title: 'Octo roadmap',
      owner: PROJECT_OWNER,
      ownerType: 'Organization',
      statusField: { id: 'PVTSSF_lADOBx8Ulc4AaBcDzgStatus', options: STATUS_OPTIONS.map((o) => ({ ...o })) },
      items: [
        on(idOf(1), 'Todo'),
        on(idOf(2), 'In Progress'),
        on(idOf(3), 'In Review'),
        on(idOf(4), 'Done'),
        on(idOf(5)),
        on(idOf(6)),
        on(idOf(7), 'Blocked'),
        on(idOf(8), 'In Review'),
        on('DI_lADOBnzB7M4AHCjWzgFZFRg', 'In Progress'),
        on(idOf(9), 'Done', true),
      ],
    },
  };
}

// --- The server. ---

export type ProjectStubFailure =
  | 'unauthorized'
  | 'not-found'
  | 'forbidden'
  | 'insufficient-scopes'
  | 'graphql-rate-limited'
  | 'rate-limited'
  | 'server-error'
  | 'malformed'
  | 'hang';

export interface ProjectStubRequest {
  method: string;
  path: string;
  authorization?: string;
  body: string;
  /** For GraphQL requests. */
  operationName?: string;
  variables?: Record<string, unknown>;
}

export interface GitHubProjectStub {
  /** The REST root to give the provider as `baseUrl`; GraphQL is at `${url}/graphql`. */
  url: string;
  project: StubProject;
  contents: (StubIssue | StubDraft)[];
  requests: ProjectStubRequest[];
  /** Schema validation errors of the GraphQL documents received: must stay empty. */
  invalid: string[];
  /** Execution errors that are no deliberate GitHub error, and REST answers that break GitHub's schemas: must stay empty. */
  problems: string[];
  /** Most items per page whatever `first` asks, to make pages out of a small project. */
  maxPageSize: number;
  /** Fail the next `times` requests (GraphQL or REST) with `failure`, after serving `after` of them normally. */
  failNext(failure: ProjectStubFailure, times?: number, options?: { after?: number }): void;
  stop(): Promise<void>;
}

export interface ProjectStubOptions {
  token: string;
  fixture?: ProjectFixture;
  viewer?: string;
  /** Logins that may be assigned; GitHub quietly ignores others. */
  assignable?: string[];
}

/** A GraphQL error as GitHub words it: a `type` beside the message (not under `extensions`). */
class GitHubGraphQLError extends GraphQLError {
  constructor(
    readonly type: 'NOT_FOUND' | 'FORBIDDEN' | 'UNPROCESSABLE',
    message: string,
  ) {
    super(message);
  }
}

const SCOPES_MESSAGE =
  "Your token has not been granted the required scopes to execute this query. The 'id' field requires one of the following scopes: ['read:project'], but your token has only been granted the: ['repo'] scopes. Please modify your token's scopes at: https://github.com/settings/tokens.";

/** GitHub's answer to a failure GraphQL reports in its body (with 200); undefined for those that are HTTP failures. */
function graphqlFailure(failure: ProjectStubFailure, graphql: GitHubApi): GitHubAnswer | undefined {
  switch (failure) {
    case 'not-found':
      return {
        status: 200,
        body: {
          data: null,
          errors: [
            {
              type: 'NOT_FOUND',
              path: ['repositoryOwner'],
              locations: [{ line: 3, column: 5 }],
              message: `Could not resolve to a User with the login of '${PROJECT_OWNER}'.`,
            },
          ],
        },
      };
    case 'forbidden':
      return {
        status: 200,
        body: {
          data: { repositoryOwner: { projectV2: null } },
          errors: [
            {
              type: 'FORBIDDEN',
              path: ['repositoryOwner', 'projectV2'],
              locations: [{ line: 5, column: 9 }],
              message: 'Resource not accessible by integration',
            },
          ],
        },
      };
    case 'insufficient-scopes':
      return {
        status: 200,
        body: { errors: [{ type: 'INSUFFICIENT_SCOPES', locations: [{ line: 6, column: 11 }], message: SCOPES_MESSAGE }] },
      };
    case 'graphql-rate-limited':
      return {
        status: 200,
        headers: graphql.exhaustedHeaders(),
        body: { errors: [{ type: 'RATE_LIMITED', message: RATE_LIMIT_MESSAGE }] },
      };
    default:
      return undefined;
  }
}

export async function startGitHubProjectStub(options: ProjectStubOptions): Promise<GitHubProjectStub> {
  const schema = await githubGraphqlSchema();
  const fixture = options.fixture ?? sampleProject();
  const viewer = options.viewer ?? STUB_LOGIN;
  const assignable = new Set(options.assignable ?? [STUB_LOGIN, 'hubot', 'monalisa']);
  const faults = new FaultScript<ProjectStubFailure>();
  const rest = new GitHubApi({ docs: 'https://docs.github.com/rest', malformed: 'html' });
  const graphql = new GitHubApi({ api: 'graphql', docs: 'https://docs.github.com/graphql', malformed: 'html' });
  let itemSerial = 0;

  const server = await StubServer.start<ProjectStubRequest>({
    record: (e) => ({ method: e.method, path: e.url.pathname, authorization: e.headers.authorization, body: e.body }),
    handle: (e, record) => (record.path === '/graphql' && e.method === 'POST' ? answerGraphql(e, record) : answerRest(e, record)),
  });
  const stub: GitHubProjectStub = {
    url: server.url,
    project: fixture.project,
    contents: fixture.contents,
    requests: server.requests,
    invalid: [],
    problems: [],
    maxPageSize: 100,
    failNext: (failure, times = 1, { after = 0 } = {}) => faults.next(failure, { times, after }),
    stop: () => server.stop(),
  };
  const project = () => stub.project;
  const contentById = (id: string) => stub.contents.find((c) => c.id === id);

  // --- GraphQL objects over the model; `__typename` resolves the unions and interfaces. ---

  const connection = (names: string[], key: 'login' | 'name') => (args: { first?: number }) => ({
    nodes: names.slice(0, args.first ?? names.length).map((name) => ({ [key]: name })),
  });

  const contentObject = (content: StubIssue | StubDraft): object => {
    if (content.kind === 'DraftIssue') {
      return {
        __typename: 'DraftIssue',
        id: content.id,
        title: content.title,
        updatedAt: content.updatedAt,
        assignees: connection(content.assignees, 'login'),
      };
    }
    const [owner, repo] = content.repository.split('/');
    return {
      __typename: content.kind,
      id: content.id,
      number: content.number,
      title: content.title,
      state: content.state,
      url: `https://github.com/${owner}/${repo}/${content.kind === 'Issue' ? 'issues' : 'pull'}/${content.number}`,
      updatedAt: content.updatedAt,
      repository: { nameWithOwner: content.repository },
      assignees: connection(content.assignees, 'login'),
      labels: connection(content.labels, 'name'),
      milestone: content.milestone ?? null,
    };
  };

  const itemObject = (item: StubItem): object => {
    const content = contentById(item.contentId);
    if (!content) throw new Error(`fixture gap: no content ${item.contentId}`);
    return {
      __typename: 'ProjectV2Item',
      id: item.id,
      isArchived: item.archived === true,
      fieldValueByName: ({ name }: { name: string }) => {
        const option = name === 'Status' ? project().statusField?.options.find((o) => o.id === item.statusOptionId) : undefined;
        return option ? { __typename: 'ProjectV2ItemFieldSingleSelectValue', name: option.name, optionId: option.id } : null;
      },
      content: contentObject(content),
    };
  };

  const itemsPage = ({ first, after }: { first?: number; after?: string }) => {
    if (first === undefined || first < 1 || first > 100)
      throw new GitHubGraphQLError(
        'UNPROCESSABLE',
        `Requesting ${first ?? 'no'} records on the \`items\` connection is not allowed: pass \`first\` between 1 and 100.`,
      );
    const start = after
      ? Number(
          Buffer.from(after, 'base64')
            .toString('utf8')
            .replace(/^cursor:/, ''),
        )
      : 0;
    const size = Math.min(first, stub.maxPageSize);
    const slice = project().items.slice(start, start + size);
    const end = start + slice.length;
    return {
      pageInfo: {
        hasNextPage: end < project().items.length,
        endCursor: slice.length ? Buffer.from(`cursor:${end}`).toString('base64') : null,
      },
      nodes: slice.map(itemObject),
    };
  };

  const projectObject = () => {
    const status = project().statusField;
    return {
      __typename: 'ProjectV2',
      id: project().id,
      title: project().title,
      field: ({ name }: { name: string }) =>
        name === 'Status' && status
          ? { __typename: 'ProjectV2SingleSelectField', id: status.id, name: 'Status', options: status.options }
          : null,
      items: itemsPage,
    };
  };

  const checkProject = (projectId: unknown) => {
    if (projectId !== project().id)
      throw new GitHubGraphQLError('NOT_FOUND', `Could not resolve to a node with the global id of '${String(projectId)}'`);
  };

  const root = {
    viewer: () => ({ __typename: 'User', login: viewer }),
    repositoryOwner: ({ login }: { login: string }) => {
      if (login.toLowerCase() !== project().owner.toLowerCase()) return null;
      return {
        __typename: project().ownerType,
        login: project().owner,
        projectV2: ({ number }: { number: number }) => {
          if (number !== project().number)
            throw new GitHubGraphQLError('NOT_FOUND', `Could not resolve to a ProjectV2 with the number ${number}.`);
          return projectObject();
        },
      };
    },
    node: ({ id }: { id: string }) => {
      const item = project().items.find((i) => i.id === id);
      if (!item) throw new GitHubGraphQLError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);
      return itemObject(item);
    },
    updateProjectV2ItemFieldValue: ({
      input,
    }: {
      input: { projectId: string; itemId: string; fieldId: string; value: { singleSelectOptionId?: string } };
    }) => {
      checkProject(input.projectId);
      const item = project().items.find((i) => i.id === input.itemId);
      if (!item) throw new GitHubGraphQLError('NOT_FOUND', `Could not resolve to a node with the global id of '${input.itemId}'`);
      const field = project().statusField;
      if (!field || field.id !== input.fieldId)
        throw new GitHubGraphQLError('NOT_FOUND', `Could not resolve to a node with the global id of '${input.fieldId}'`);
      if (!field.options.some((o) => o.id === input.value.singleSelectOptionId))
        throw new GitHubGraphQLError('UNPROCESSABLE', 'The single select option Id does not belong to the field');
      item.statusOptionId = input.value.singleSelectOptionId;
      return { projectV2Item: itemObject(item) };
    },
    addProjectV2ItemById: ({ input }: { input: { projectId: string; contentId: string } }) => {
      checkProject(input.projectId);
      const content = contentById(input.contentId);
      if (!content) throw new GitHubGraphQLError('NOT_FOUND', `Could not resolve to a node with the global id of '${input.contentId}'`);
      // Adding what is already on the project answers the existing item, as GitHub does.
      let item = project().items.find((i) => i.contentId === content.id);
      if (!item) {
        item = { id: `PVTI_lADOBx8Ulc4ANew${++itemSerial}`, contentId: content.id };
        project().items.push(item);
      }
      return { item: itemObject(item) };
    },
  };

  /** A scripted failure for this request, answered; false when it is to be served. */
  const failed = (exchange: StubExchange, api: GitHubApi, operation: string): boolean => {
    const failure = faults.take(exchange);
    if (!failure) return false;
    const answer = graphqlFailure(failure, graphql);
    if (answer) api.sendJson(exchange, operation, answer);
    else api.fail(exchange, operation, failure as Exclude<ProjectStubFailure, 'insufficient-scopes' | 'graphql-rate-limited'>);
    return true;
  };
  const authorized = (exchange: StubExchange, api: GitHubApi, operation: string): boolean => {
    if (exchange.headers.authorization === `Bearer ${options.token}`) return true;
    api.sendJson(exchange, operation, api.failure('unauthorized'));
    return false;
  };

  const answerGraphql = (exchange: StubExchange, record: ProjectStubRequest): void => {
    const body = exchange.readJson();
    if (!body.ok) {
      stub.invalid.push('a GraphQL request body is not JSON');
      return graphql.sendJson(exchange, 'graphql', { status: 400, body: { message: 'Problems parsing JSON' } });
    }
    const { query, variables, operationName } = (body.value ?? {}) as {
      query?: string;
      variables?: Record<string, unknown>;
      operationName?: string;
    };
    let document: DocumentNode | undefined;
    let errors: string[];
    try {
      document = parse(query ?? '');
      errors = validate(schema, document).map((error) => error.message);
    } catch (error) {
      errors = [(error as Error).message];
    }
    const operation = document?.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    record.operationName = operationName ?? operation?.name?.value;
    record.variables = variables ?? {};
    const name = record.operationName ?? 'anonymous';
    if (errors.length || !document) {
      stub.invalid.push(...errors.map((message) => `${name}: ${message}`));
      return graphql.sendJson(exchange, name, {
        status: 400,
        body: { message: 'Problems parsing query', errors: errors.map((message) => ({ message })) },
      });
    }
    if (failed(exchange, graphql, name) || !authorized(exchange, graphql, name)) return;

    const result = execute({ schema, document, variableValues: record.variables, rootValue: root }) as ExecutionResult;
    const githubErrors = (result.errors ?? []).map((error) => {
      const original = error.originalError;
      if (!(original instanceof GitHubGraphQLError))
        stub.problems.push(`${record.operationName ?? '?'}: ${error.message} at ${error.path?.join('.') ?? '?'}`);
      return {
        type: original instanceof GitHubGraphQLError ? original.type : 'INTERNAL',
        path: error.path,
        locations: error.locations,
        message: error.message,
      };
    });
    graphql.sendJson(exchange, name, {
      status: 200,
      body: githubErrors.length ? { data: result.data ?? null, errors: githubErrors } : { data: result.data },
    });
  };

  // --- REST: create an issue, add and remove assignees. ---

  const restBody = (content: StubIssue): Record<string, unknown> => {
    const base = restIssue({
      number: content.number,
      title: content.title,
      state: content.state === 'OPEN' ? 'open' : 'closed',
      labels: content.labels,
      assignee: content.assignees[0] ?? null,
    });
    const template = restIssue({ number: content.number, assignee: 'template' }).assignee as Record<string, unknown>;
    return {
      ...base,
      node_id: content.id,
      assignees: content.assignees.map((login) => ({
        ...template,
        login,
        url: `https://api.github.com/users/${login}`,
        html_url: `https://github.com/${login}`,
      })),
    };
  };

  const sendChecked = (exchange: StubExchange, operationId: string, status: number, body: Record<string, unknown>): void => {
    stub.problems.push(...validateResponse(operationId, status, body).map((problem) => `${operationId} ${status}: ${problem}`));
    rest.sendJson(exchange, operationId, { status, body });
  };

  const answerRest = (exchange: StubExchange, record: ProjectStubRequest): void => {
    const operation = `${record.method} ${record.path}`;
    if (failed(exchange, rest, operation) || !authorized(exchange, rest, operation)) return;
    const body = exchange.readJson();
    const { title, assignees: logins = [] } = ((body.ok ? body.value : undefined) ?? {}) as { title?: string; assignees?: string[] };
    const create = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(record.path);
    if (create && record.method === 'POST') {
      const repository = `${decodeURIComponent(create[1])}/${decodeURIComponent(create[2])}`;
      if (repository !== `${PROJECT_OWNER}/${PROJECT_REPO}`) return rest.sendJson(exchange, operation, rest.notFound());
      const numbers = stub.contents
        .filter((c): c is StubIssue => c.kind !== 'DraftIssue' && c.repository === repository)
        .map((c) => c.number);
      const created = stubIssue({
        number: Math.max(0, ...numbers) + 1,
        title: title ?? '',
        assignees: logins.filter((login) => assignable.has(login)),
        updatedAt: new Date().toISOString(),
      });
      stub.contents.push(created);
      return sendChecked(exchange, 'issues/create', 201, restBody(created));
    }
    const assignees = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/assignees$/.exec(record.path);
    if (assignees && (record.method === 'POST' || record.method === 'DELETE')) {
      const repository = `${decodeURIComponent(assignees[1])}/${decodeURIComponent(assignees[2])}`;
      const target = stub.contents.find(
        (c): c is StubIssue => c.kind !== 'DraftIssue' && c.repository === repository && c.number === Number(assignees[3]),
      );
      if (!target) return rest.sendJson(exchange, operation, rest.notFound());
      if (record.method === 'POST')
        target.assignees = [...new Set([...target.assignees, ...logins.filter((login) => assignable.has(login))])];
      else target.assignees = target.assignees.filter((login) => !logins.includes(login));
      return sendChecked(
        exchange,
        record.method === 'POST' ? 'issues/add-assignees' : 'issues/remove-assignees',
        record.method === 'POST' ? 201 : 200,
        restBody(target),
      );
    }
    rest.sendJson(exchange, operation, rest.notFound());
  };

  return stub;
}
