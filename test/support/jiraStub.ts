// A local Jira Cloud REST API for the operations Conveyor's Jira board uses. Its fixtures are shaped from
// Atlassian's published OpenAPI description (test/fixtures/api-schemas/jira-v3.json): every body it serves and
// every request body it receives is checked against the schemas of the same operation, and the problems
// are recorded for the test to assert on. Issue fields, which the spec leaves untyped in `IssueBean`, are
// checked against the component schemas the spec uses for them elsewhere.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { openApiDocument } from './openApiValidator';
import { FaultScript, findRoute, StubServer } from './stubServer';
import type { Fault, Route, StubExchange } from './stubServer';

export const SPEC_FILE = path.resolve(__dirname, '../fixtures/api-schemas/jira-v3.json');
export const FIXTURES = path.resolve(__dirname, '../fixtures/jira');
export const STUB_EMAIL = 'mia@example.com';
export const STUB_TOKEN = 'ATATT3xFfGF0stubToken0123456789abcdefghijklmnop=ABCD1234';
/** The signed-in user (`currentUser()`): Mia Krystof in users.json. */
export const STUB_ACCOUNT_ID = '5b10a2844c20165700ede21g';
export const STUB_PROJECT = 'SHOP';

/** The operations the stub answers, by Atlassian's operation ids (the spec's spelling, "Reconsile" included). */
export const OPERATIONS = {
  search: 'searchAndReconsileIssuesUsingJqlPost',
  getTransitions: 'getTransitions',
  doTransition: 'doTransition',
  assign: 'assignIssue',
  getIssue: 'getIssue',
  createIssue: 'createIssue',
  issueTypes: 'getCreateIssueMetaIssueTypes',
  assignable: 'findAssignableUsers',
} as const;
export type OperationId = (typeof OPERATIONS)[keyof typeof OPERATIONS];

// --- Atlassian's published description: operations, examples and schemas. ---

const jira = openApiDocument<OperationId>(SPEC_FILE, 'Jira', 'https://developer.atlassian.com/cloud/jira/platform/swagger-v3.v3.json');
/** Atlassian's published examples (the spec stores them as JSON text), and the answers' schemas. */
export const { publishedExample, validateResponse } = jira;

/**
 * Where the published schema contradicts the published description, the stub accepts what the description
 * (and the live API) says. The integration test checks that each repair is still needed.
 */
export const SPEC_REPAIRS = [
  {
    operationId: OPERATIONS.assign,
    body: { accountId: null },
    problem: '/accountId must be string',
    why: "assignIssue's description says `accountId: null` unassigns, but its request schema (User) types accountId as a plain string",
  },
] as const;

export function validateRequest(operationId: OperationId, body: unknown, options: { repaired?: boolean } = {}): string[] {
  const repaired = options.repaired !== false;
  return jira.validate(
    `${operationId} request${repaired ? '' : ' (as published)'}`,
    () => {
      const schema = jira.operation(operationId).requestBody?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`${operationId} declares no JSON request body`);
      if (!repaired || operationId !== OPERATIONS.assign) return schema;
      // The User schema, with accountId nullable as the operation's description documents.
      const user = structuredClone(jira.spec().components.schemas.User) as { properties: Record<string, unknown> };
      user.properties.accountId = { anyOf: [user.properties.accountId, { type: 'null' }] };
      return user;
    },
    body,
  );
}

/** Errors bodies of these operations are undeclared; Jira sends its `ErrorCollection`. */
export function validateErrorBody(body: unknown): string[] {
  return jira.validate('ErrorCollection', () => ({ $ref: '#/components/schemas/ErrorCollection' }), body);
}

/** The component schema the spec gives each issue field Conveyor reads (elsewhere than in `IssueBean`). */
const FIELD_SCHEMAS: Record<string, unknown> = {
  summary: { type: 'string' },
  status: { $ref: '#/components/schemas/StatusDetails' },
  assignee: { $ref: '#/components/schemas/UserDetails' },
  labels: { type: 'array', items: { type: 'string' } },
  duedate: { type: 'string', format: 'date' },
  updated: { type: 'string' },
  issuetype: { $ref: '#/components/schemas/IssueTypeDetails' },
  fixVersions: { type: 'array', items: { $ref: '#/components/schemas/Version' } },
};

/**
 * Atlassian's search example gives `updated` as the number 1; Jira's field metadata types it `datetime` and the
 * live API sends a string. The stub serves the example as published and tolerates exactly this problem.
 */
export const PUBLISHED_EXAMPLE_QUIRKS = ['ED-1 updated/ must be string'];

/** Problems of the fields of an issue; null means "no value", as Jira sends for an unassigned issue. */
export function validateIssueFields(issue: unknown): string[] {
  const fields = (issue as { fields?: Record<string, unknown> } | null)?.fields ?? {};
  const key = (issue as { key?: unknown } | null)?.key;
  return Object.entries(FIELD_SCHEMAS).flatMap(([field, schema]) =>
    fields[field] === undefined || fields[field] === null
      ? []
      : jira.validate(`field ${field}`, () => schema, fields[field]).map((p) => `${String(key)} ${field}${p}`),
  );
}

/**
 * The spec leaves issue fields untyped and says only that `description` takes Atlassian Document Format. This is
 * the part of Atlassian's ADF schema (v1: doc, its block and inline nodes, marks) that covers what Conveyor writes;
 * a node or mark outside it is reported rather than assumed valid.
 */
const ADF_SCHEMA = {
  $defs: {
    text: {
      type: 'object',
      required: ['type', 'text'],
      additionalProperties: false,
      properties: {
        type: { const: 'text' },
        text: { type: 'string', minLength: 1 },
        marks: { type: 'array', items: { $ref: '#/$defs/mark' } },
      },
    },
    hardBreak: { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { const: 'hardBreak' } } },
    mark: {
      oneOf: [
        { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { enum: ['code', 'strong', 'em'] } } },
        {
          type: 'object',
          required: ['type', 'attrs'],
          additionalProperties: false,
          properties: {
            type: { const: 'link' },
            attrs: { type: 'object', required: ['href'], properties: { href: { type: 'string' } } },
          },
        },
      ],
    },
    paragraph: {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: {
        type: { const: 'paragraph' },
        content: { type: 'array', items: { anyOf: [{ $ref: '#/$defs/text' }, { $ref: '#/$defs/hardBreak' }] } },
      },
    },
    codeBlock: {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: { type: { const: 'codeBlock' }, attrs: { type: 'object' }, content: { type: 'array', items: { $ref: '#/$defs/text' } } },
    },
    listItem: {
      type: 'object',
      required: ['type', 'content'],
      additionalProperties: false,
      properties: {
        type: { const: 'listItem' },
        content: { type: 'array', minItems: 1, items: { anyOf: [{ $ref: '#/$defs/paragraph' }, { $ref: '#/$defs/bulletList' }] } },
      },
    },
    bulletList: {
      type: 'object',
      required: ['type', 'content'],
      additionalProperties: false,
      properties: { type: { const: 'bulletList' }, content: { type: 'array', minItems: 1, items: { $ref: '#/$defs/listItem' } } },
    },
  },
  type: 'object',
  required: ['type', 'version', 'content'],
  additionalProperties: false,
  properties: {
    type: { const: 'doc' },
    version: { const: 1 },
    content: {
      type: 'array',
      items: { anyOf: [{ $ref: '#/$defs/paragraph' }, { $ref: '#/$defs/codeBlock' }, { $ref: '#/$defs/bulletList' }] },
    },
  },
};
let adfValidator: ValidateFunction | undefined;

/** Problems of a `description` as an Atlassian document ([] when it is one). */
export function validateAdf(description: unknown): string[] {
  adfValidator ??= new Ajv({ allErrors: true }).compile(ADF_SCHEMA);
  return adfValidator(description)
    ? []
    : (adfValidator.errors ?? []).map((e) => `description${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

// --- Fixtures. ---

/** A fixture file's JSON, a fresh copy each time. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
}

/** Each fixture and the schema it is checked against. */
export const FIXTURE_SCHEMAS: { file: string; check: (body: unknown) => string[] }[] = [
  {
    file: 'search-published-example.json',
    check: (b) => [
      ...validateResponse(OPERATIONS.search, 200, b),
      ...issuesOf(b)
        .flatMap(validateIssueFields)
        .filter((p) => !PUBLISHED_EXAMPLE_QUIRKS.includes(p)),
    ],
  },
  {
    file: 'search-page-1.json',
    check: (b) => [...validateResponse(OPERATIONS.search, 200, b), ...issuesOf(b).flatMap(validateIssueFields)],
  },
  {
    file: 'search-page-2.json',
    check: (b) => [...validateResponse(OPERATIONS.search, 200, b), ...issuesOf(b).flatMap(validateIssueFields)],
  },
  { file: 'transitions-published-example.json', check: (b) => validateResponse(OPERATIONS.getTransitions, 200, b) },
  { file: 'transitions.json', check: (b) => validateResponse(OPERATIONS.getTransitions, 200, b) },
  { file: 'createmeta-issuetypes.json', check: (b) => validateResponse(OPERATIONS.issueTypes, 200, b) },
  { file: 'users.json', check: (b) => (b as unknown[]).flatMap((u) => jira.validate('field assignee', () => FIELD_SCHEMAS.assignee, u)) },
  { file: 'error-issue-not-found.json', check: validateErrorBody },
  { file: 'error-bad-project.json', check: validateErrorBody },
  { file: 'error-forbidden.json', check: validateErrorBody },
  { file: 'error-rate-limited.json', check: validateErrorBody },
];

function issuesOf(body: unknown): unknown[] {
  return (body as { issues?: unknown[] }).issues ?? [];
}

interface IssueJson {
  id: string;
  key: string;
  fields: Record<string, unknown> & { assignee?: { accountId?: string } | null };
}
interface SearchPage {
  isLast: boolean;
  nextPageToken?: string;
  issues: IssueJson[];
}

// --- The server. ---

export type StubFailure =
  | 'unauthorized'
  | 'forbidden'
  | 'captcha'
  | 'not-found'
  | 'rate-limited'
  | 'server-error'
  | 'server-error-echoing-auth'
  | 'malformed-json'
  | 'html'
  | 'hang';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  operationId?: OperationId;
  body?: unknown;
  /** Whether the Authorization header carried the stub's email and token. */
  authenticated: boolean;
}

export interface JiraStub {
  url: string;
  requests: RecordedRequest[];
  /** Schema problems of what the stub was sent or served; a passing test leaves this empty. */
  problems: string[];
  /** Issues as they are now, by key (moves and assignments change them). */
  issues: Map<string, IssueJson>;
  failNext(failure: StubFailure): void;
  stop(): Promise<void>;
}

/** @param options.host where to listen (see StubServerOptions.host) */
export async function startJiraStub(options: { host?: string } = {}): Promise<JiraStub> {
  const pages = [fixture<SearchPage>('search-page-1.json'), fixture<SearchPage>('search-page-2.json')];
  const published = fixture<SearchPage>('search-published-example.json');
  const issues = new Map<string, IssueJson>([...pages, published].flatMap((p) => p.issues.map((i): [string, IssueJson] => [i.key, i])));
  const users = fixture<{ accountId: string }[]>('users.json');
  const problems: string[] = [];
  const faults = new FaultScript<StubFailure>();
  const expectedAuth = `Basic ${Buffer.from(`${STUB_EMAIL}:${STUB_TOKEN}`).toString('base64')}`;

  const transitionsFor = (key: string) =>
    fixture<{ transitions: { id: string; isAvailable?: boolean; to: unknown }[] }>(
      // ED-1 is the issue of Atlassian's own search example; it gets Atlassian's own transitions example.
      key === 'ED-1' ? 'transitions-published-example.json' : 'transitions.json',
    );
  const current = (key: string): IssueJson => structuredClone(issues.get(key) as IssueJson);
  const checkRequest = (operationId: OperationId, body: unknown) =>
    problems.push(...validateRequest(operationId, body).map((p) => `${operationId} request ${p}`));
  const serve = (e: StubExchange, operationId: OperationId, answer: unknown) => {
    problems.push(...validateResponse(operationId, 200, answer).map((p) => `${operationId} answer ${p}`));
    e.sendJson(200, answer);
  };
  const sendError = (e: StubExchange, status: number, name: string) => e.sendJson(status, fixture(name));
  const withIssue =
    (then: (e: StubExchange, record: RecordedRequest, key: string, issue: IssueJson) => void) =>
    (e: StubExchange, record: RecordedRequest, key: string) => {
      const issue = issues.get(decodeURIComponent(key));
      if (issue) then(e, record, decodeURIComponent(key), issue);
      else sendError(e, 404, 'error-issue-not-found.json');
    };

  type JiraRoute = Pick<Route, 'method' | 'path'> & {
    operationId: OperationId;
    answer(e: StubExchange, record: RecordedRequest, ...params: string[]): void;
  };
  const routes: JiraRoute[] = [
    {
      method: 'GET',
      path: /^\/rest\/api\/3\/user\/assignable\/search$/,
      operationId: OPERATIONS.assignable,
      answer: (e) => {
        const scoped = e.url.searchParams.get('issueKey') ?? e.url.searchParams.get('project');
        if (!scoped) return e.sendJson(400, { errorMessages: ['One of issueKey or project is required.'], errors: {} });
        serve(e, OPERATIONS.assignable, users);
      },
    },
    {
      method: 'GET',
      path: /^\/rest\/api\/3\/issue\/createmeta\/([^/]+)\/issuetypes$/,
      operationId: OPERATIONS.issueTypes,
      answer: (e, _record, project) => {
        if (decodeURIComponent(project) !== STUB_PROJECT) return sendError(e, 404, 'error-bad-project.json');
        serve(e, OPERATIONS.issueTypes, fixture('createmeta-issuetypes.json'));
      },
    },
    {
      method: 'POST',
      path: /^\/rest\/api\/3\/issue$/,
      operationId: OPERATIONS.createIssue,
      answer: (e, record) => createIssue(e, record.body),
    },
    {
      method: 'POST',
      path: /^\/rest\/api\/3\/search\/jql$/,
      operationId: OPERATIONS.search,
      answer: (e, record) => search(e, record.body),
    },
    {
      method: 'GET',
      path: /^\/rest\/api\/3\/issue\/([^/]+)\/transitions$/,
      operationId: OPERATIONS.getTransitions,
      answer: withIssue((e, _record, key) => serve(e, OPERATIONS.getTransitions, transitionsFor(key))),
    },
    {
      method: 'POST',
      path: /^\/rest\/api\/3\/issue\/([^/]+)\/transitions$/,
      operationId: OPERATIONS.doTransition,
      answer: withIssue((e, { body }, key, issue) => {
        checkRequest(OPERATIONS.doTransition, body);
        const id = (body as { transition?: { id?: string } } | undefined)?.transition?.id;
        const target = transitionsFor(key).transitions.find((t) => t.id === id && t.isAvailable !== false);
        if (!target) return e.sendJson(400, { errorMessages: [`Transition id '${String(id)}' is not valid for this issue.`], errors: {} });
        issue.fields.status = target.to;
        issue.fields.updated = new Date().toISOString().replace('Z', '+0000');
        e.sendJson(204, undefined);
      }),
    },
    {
      method: 'PUT',
      path: /^\/rest\/api\/3\/issue\/([^/]+)\/assignee$/,
      operationId: OPERATIONS.assign,
      answer: withIssue((e, { body }, _key, issue) => {
        checkRequest(OPERATIONS.assign, body);
        const accountId = (body as { accountId?: string | null } | undefined)?.accountId;
        if (accountId === null) {
          issue.fields.assignee = null;
          return e.sendJson(204, undefined);
        }
        const user = users.find((u) => u.accountId === accountId);
        if (!user)
          return e.sendJson(400, { errorMessages: [], errors: { assignee: `User '${String(accountId)}' cannot be assigned issues.` } });
        issue.fields.assignee = user;
        e.sendJson(204, undefined);
      }),
    },
    {
      method: 'GET',
      path: /^\/rest\/api\/3\/issue\/([^/]+)$/,
      operationId: OPERATIONS.getIssue,
      answer: withIssue((e, _record, key) => {
        const answer = onlyFields(current(key), e.url.searchParams.get('fields')?.split(','));
        problems.push(...validateIssueFields(answer).filter((p) => !PUBLISHED_EXAMPLE_QUIRKS.includes(p)));
        serve(e, OPERATIONS.getIssue, answer);
      }),
    },
  ];

  function createIssue(e: StubExchange, body: unknown): void {
    checkRequest(OPERATIONS.createIssue, body);
    const fields =
      (
        (body ?? {}) as {
          fields?: {
            project?: { key?: string };
            summary?: string;
            description?: unknown;
            issuetype?: { id?: string };
            assignee?: { accountId?: string };
          };
        }
      ).fields ?? {};
    if (fields.project?.key !== STUB_PROJECT)
      return e.sendJson(400, { errorMessages: [], errors: { project: 'Specify a valid project ID or key' } });
    if (!fields.summary) return e.sendJson(400, { errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } });
    if (fields.description !== undefined) {
      const adf = validateAdf(fields.description);
      problems.push(...adf.map((p) => `${OPERATIONS.createIssue} request ${p}`));
      // What Jira Cloud's v3 answers to a description in any other shape (a v2-style string among them).
      if (adf.length > 0)
        return e.sendJson(400, {
          errorMessages: [],
          errors: { description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)' },
        });
    }
    const type = fixture<{ issueTypes: { id: string; name: string; subtask: boolean }[] }>('createmeta-issuetypes.json').issueTypes.find(
      (t) => t.id === fields.issuetype?.id,
    );
    if (!type) return e.sendJson(400, { errorMessages: [], errors: { issuetype: 'Specify an issue type' } });
    const assignee = fields.assignee?.accountId ? users.find((u) => u.accountId === fields.assignee?.accountId) : undefined;
    if (fields.assignee?.accountId && !assignee)
      return e.sendJson(400, { errorMessages: [], errors: { assignee: `User '${fields.assignee.accountId}' cannot be assigned issues.` } });
    const id = String(10100 + issues.size);
    const key = `${STUB_PROJECT}-${Math.max(...[...issues.keys()].filter((k) => k.startsWith(`${STUB_PROJECT}-`)).map((k) => Number(k.split('-')[1]))) + 1}`;
    // A new issue starts in the workflow's first status, as the To Do issues of the fixtures show it.
    const todo = [...issues.values()].find(
      (i) => (i.fields.status as { statusCategory?: { key?: string } } | undefined)?.statusCategory?.key === 'new',
    );
    issues.set(key, {
      id,
      key,
      fields: {
        summary: fields.summary,
        ...(fields.description !== undefined ? { description: fields.description } : {}),
        status: structuredClone(todo?.fields.status),
        assignee: assignee ?? null,
        labels: [],
        updated: new Date().toISOString().replace('Z', '+0000'),
        issuetype: {
          id: type.id,
          name: type.name,
          subtask: type.subtask,
          self: `https://your-domain.atlassian.net/rest/api/3/issuetype/${type.id}`,
        },
      },
    });
    const created = { id, key, self: `${'https://your-domain.atlassian.net'}/rest/api/3/issue/${id}` };
    problems.push(...validateResponse(OPERATIONS.createIssue, 201, created).map((p) => `${OPERATIONS.createIssue} answer ${p}`));
    e.sendJson(201, created);
  }

  function search(e: StubExchange, body: unknown): void {
    const request = (body ?? {}) as { jql?: string; nextPageToken?: string; fields?: string[] };
    checkRequest(OPERATIONS.search, body);
    const project = /project\s*=\s*"?([A-Z][A-Z0-9_]*)"?/i.exec(request.jql ?? '')?.[1];
    if (project && project !== STUB_PROJECT && project !== 'ED') return sendError(e, 400, 'error-bad-project.json');
    const pageIndex = request.nextPageToken === undefined ? 0 : pages.findIndex((p) => p.nextPageToken === request.nextPageToken) + 1;
    if (pageIndex <= 0 && request.nextPageToken !== undefined) {
      return e.sendJson(400, { errorMessages: ['The provided next page token is invalid or expired.'], errors: {} });
    }
    const source = project === 'ED' ? published : pages[pageIndex];
    const mine = /assignee\s*=\s*currentUser\(\)/i.test(request.jql ?? '');
    const page = {
      ...source,
      issues: source.issues
        .map((i) => current(i.key))
        .filter((i) => !mine || i.fields.assignee?.accountId === STUB_ACCOUNT_ID)
        .map((i) => onlyFields(i, request.fields)),
    };
    problems.push(...page.issues.flatMap(validateIssueFields).filter((p) => !PUBLISHED_EXAMPLE_QUIRKS.includes(p)));
    serve(e, OPERATIONS.search, page);
  }

  const server = await StubServer.start<RecordedRequest>({
    host: options.host,
    jsonType: 'application/json;charset=UTF-8',
    record: (e) => {
      const body = e.readJson();
      return {
        method: e.method,
        path: e.url.pathname,
        query: Object.fromEntries(e.url.searchParams),
        body: body.ok ? body.value : undefined,
        authenticated: e.headers.authorization === expectedAuth,
      };
    },
    handle: (e, record) => {
      if (!e.readJson().ok) problems.push(`${e.method} ${e.url.pathname}: request body is not JSON`);
      const failure = faults.take(e);
      if (failure) return e.fault(faultOf(failure, e));
      // What Jira Cloud answers to a wrong or revoked API token.
      if (!record.authenticated)
        return e.send(401, 'Client must be authenticated to access this resource.', {
          'content-type': 'text/plain;charset=UTF-8',
          'www-authenticate': 'Basic realm="protected-area"',
        });
      const found = findRoute(routes, e.method, e.url.pathname);
      if (found) {
        record.operationId = found.route.operationId;
        return found.route.answer(e, record, ...found.params);
      }
      const key = /^\/rest\/api\/3\/issue\/([^/]+)(\/transitions|\/assignee)?$/.exec(e.url.pathname)?.[1];
      if (key === undefined) return e.sendJson(404, { errorMessages: [`No stub route for ${e.method} ${e.url.pathname}`], errors: {} });
      if (!issues.has(decodeURIComponent(key))) return sendError(e, 404, 'error-issue-not-found.json');
      e.sendJson(405, { errorMessages: [`Method ${e.method} not allowed`], errors: {} });
    },
  });
  return {
    url: server.url,
    requests: server.requests,
    problems,
    issues,
    failNext: (failure) => faults.next(failure),
    stop: () => server.stop(),
  };
}

/** Jira returns only the fields asked for (all navigable ones when none are named). */
function onlyFields(issue: IssueJson, fields: string[] | undefined): IssueJson {
  if (!fields?.length || fields.includes('*all') || fields.includes('*navigable')) return issue;
  return { ...issue, fields: Object.fromEntries(Object.entries(issue.fields).filter(([name]) => fields.includes(name))) };
}

/** Jira's answer to a scripted failure. */
function faultOf(failure: StubFailure, exchange: StubExchange): Fault {
  const html = { 'content-type': 'text/html;charset=UTF-8' };
  switch (failure) {
    case 'unauthorized':
      return {
        status: 401,
        text: 'Client must be authenticated to access this resource.',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
      };
    case 'forbidden':
      return { status: 403, json: fixture('error-forbidden.json') };
    case 'captcha':
      return {
        status: 403,
        text: '<html><body>CAPTCHA required</body></html>',
        headers: { ...html, 'x-seraph-loginreason': 'AUTHENTICATION_DENIED', 'x-authentication-denied-reason': 'CAPTCHA_CHALLENGE' },
      };
    case 'not-found':
      return { status: 404, json: fixture('error-issue-not-found.json') };
    case 'rate-limited':
      return {
        status: 429,
        json: fixture('error-rate-limited.json'),
        headers: { 'retry-after': '30', 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0' },
      };
    case 'server-error':
      return { status: 503, json: { errorMessages: ['Service temporarily unavailable'], errors: {} } };
    case 'server-error-echoing-auth': {
      // A misbehaving proxy that echoes the request's Authorization header (base64 of email:token) back.
      const authorization = exchange.headers.authorization ?? '';
      return {
        status: 502,
        json: {
          errorMessages: [`Upstream refused ${authorization} (${Buffer.from(authorization.replace('Basic ', ''), 'base64').toString()})`],
        },
        headers: { 'content-type': 'application/json' },
      };
    }
    case 'malformed-json':
      return { status: 200, text: '{"isLast": true, "issues": [', headers: { 'content-type': 'application/json' } };
    case 'html':
      return {
        status: 200,
        text: '<!DOCTYPE html><html><head><title>Log in with Atlassian account</title></head><body></body></html>',
        headers: html,
      };
    case 'hang':
      return 'hang';
  }
}
