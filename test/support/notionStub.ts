// A local Notion API (version 2025-09-03, data sources) for the operations Conveyor's Notion board uses. Every
// request is checked against Notion's published OpenAPI description, as @notionhq/notion-mcp-server ships it
// (scripts/notion-openapi.json): its route, query parameters, Notion-Version header, bearer token and JSON
// body; every answer against the schema the operation declares for its status. The description types its
// successful answers only as `object` and declares no error status but 400, so error bodies are checked
// against that 400 schema (Notion's one error object) with a code the SDK knows, and the answers themselves
// are built from the SDK's response types (notionPages.ts), which the compiler checks.
import * as path from 'node:path';
import { APIErrorCode } from '@notionhq/client';
import type { ListUsersResponse, PageObjectResponse, QueryDataSourceResponse, UserObjectResponse } from '@notionhq/client';
import type { OpenApiOperation } from './openApiValidator';
import { openApiDocument } from './openApiValidator';
import { FaultScript, StubServer } from './stubServer';
import type { Fault, StubExchange } from './stubServer';
import { aDatabase, aDataSource, aPage, aPerson, DATA_SOURCE_ID, DATABASE_ID, MILESTONES, PEOPLE, STATUS, theBot } from './notionPages';
import type { PageFields } from './notionPages';

export const SPEC_FILE = path.resolve(__dirname, '../../node_modules/@notionhq/notion-mcp-server/scripts/notion-openapi.json');
export const NOTION_VERSION = '2025-09-03';

const notion = openApiDocument(SPEC_FILE, 'Notion', 'https://developers.notion.com/openapi.json');

/**
 * Where the published description lags the API version it names, the stub accepts what the SDK's types for
 * that version say. The integration test checks that each repair is still needed.
 */
export const SPEC_REPAIRS = [
  {
    operationId: 'post-page',
    body: { parent: { type: 'data_source_id', data_source_id: DATA_SOURCE_ID }, properties: {} },
    problem: '/parent must match exactly one schema in oneOf',
    why: "2025-09-03 creates a database row under its data source (`parent.data_source_id`, as the SDK's CreatePageParameters type it); the description's parentRequest still knows only page_id, database_id and workspace parents",
  },
] as const;

/** Problems of a request body against the operation's published schema (with the repairs, unless asked not to). */
export function validateRequestBody(operationId: string, body: unknown, options: { repaired?: boolean } = {}): string[] {
  const repaired = options.repaired !== false && operationId === 'post-page';
  return notion.validate(
    `${operationId} request${repaired ? ' (repaired)' : ''}`,
    () => {
      const schema = notion.operation(operationId).requestBody?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`${operationId} declares no JSON request body`);
      if (!repaired) return schema;
      const parent = {
        anyOf: [
          { $ref: '#/components/schemas/parentRequest' },
          {
            type: 'object',
            required: ['data_source_id'],
            properties: { type: { const: 'data_source_id' }, data_source_id: { type: 'string', format: 'uuid' } },
          },
        ],
      };
      const published = schema as { properties: Record<string, unknown> };
      return { ...published, properties: { ...published.properties, parent } };
    },
    body,
  );
}

/** One request as the stub saw it, with what the description finds wrong in it and in its answer. */
export interface NotionRequest {
  operationId: string;
  method: string;
  path: string;
  body: unknown;
  authorization?: string;
  notionVersion?: string;
  /** Problems of the request against the description. */
  invalid: string[];
  /** Problems of the answer against the description. */
  answerInvalid: string[];
}

interface Operation {
  operationId: string;
  method: string;
  pattern: RegExp;
  spec: OpenApiOperation;
}

/** The description's operations as routes: `{param}` segments match one path segment. */
function routes(): Operation[] {
  const list: Operation[] = [];
  for (const [template, item] of Object.entries(notion.spec().paths)) {
    for (const [method, spec] of Object.entries(item)) {
      if (!spec.operationId) continue;
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`);
      list.push({ operationId: spec.operationId, method: method.toUpperCase(), pattern, spec });
    }
  }
  // A literal segment wins over a parameter (/v1/users/me over /v1/users/{user_id}).
  return list.sort((a, b) => a.pattern.source.split('([^/]+)').length - b.pattern.source.split('([^/]+)').length);
}

export interface NotionStubOptions {
  token: string;
  /** Most rows one query answers, whatever page_size asks. */
  maxPageSize?: number;
  pages?: PageFields[];
  /** Who owns the integration (`users/me`): a person for a public integration, none for an internal one. */
  owner?: keyof typeof PEOPLE;
}

export interface NotionStub {
  url: string;
  requests: NotionRequest[];
  faults: FaultScript<Fault>;
  /** The rows as the stub holds them now. */
  pages: PageObjectResponse[];
  close(): Promise<void>;
}

export function defaultPages(): PageFields[] {
  return [
    { number: 1, title: 'Crash when the board file is empty', status: 'inProgress', assignees: ['ada'], milestone: 'beta' },
    { number: 2, title: 'Kanban drag and drop', status: 'inReview', assignees: ['grace'], milestone: 'ga' },
    { number: 3, title: 'Write the Notion docs', status: 'notStarted' },
    { number: 4, title: 'Sign in to the board', status: 'done', assignees: ['ada'] },
    { number: 5, title: 'Board for several folders', status: 'notStarted', assignees: ['grace'] },
  ];
}

export async function startNotionStub(options: NotionStubOptions): Promise<NotionStub> {
  const operations = routes();
  const pages = (options.pages ?? defaultPages()).map(aPage);
  const faults = new FaultScript<Fault>();
  const maxPageSize = options.maxPageSize ?? 100;
  let created = 100;

  const answer = (exchange: StubExchange, record: NotionRequest | undefined, status: number, body: unknown) => {
    if (record) record.answerInvalid.push(...checkAnswer(record.operationId, status, body));
    exchange.sendJson(status, body);
  };
  const error = (exchange: StubExchange, record: NotionRequest | undefined, status: number, code: APIErrorCode, message: string) =>
    answer(exchange, record, status, { object: 'error', status, code, message, request_id: 'stub-request' });

  const server = await StubServer.start<NotionRequest>({
    record(exchange) {
      const found = findOperation(operations, exchange);
      const json = exchange.readJson();
      const request: NotionRequest = {
        operationId: found?.operation.operationId ?? 'unknown',
        method: exchange.method,
        path: exchange.path,
        body: json.ok ? json.value : exchange.body,
        authorization: header(exchange, 'authorization'),
        notionVersion: header(exchange, 'notion-version'),
        invalid: found
          ? checkRequest(found.operation, exchange)
          : [`${exchange.method} ${exchange.url.pathname} is not in the description`],
        answerInvalid: [],
      };
      if (!json.ok) request.invalid.push('the body is not JSON');
      return request;
    },
    handle(exchange, record) {
      const fault = faults.take(exchange);
      if (fault) {
        if (typeof fault === 'object' && 'status' in fault && fault.json !== undefined)
          record.answerInvalid.push(...checkAnswer(record.operationId, fault.status, fault.json));
        return exchange.fault(fault, () => serve());
      }
      return serve();

      function serve(): void {
        if (record.authorization !== `Bearer ${options.token}`)
          return error(exchange, record, 401, APIErrorCode.Unauthorized, 'API token is invalid.');
        const id = findOperation(operations, exchange)?.params[0];
        const body = (record.body ?? {}) as Record<string, unknown>;
        switch (record.operationId) {
          case 'retrieve-a-database':
            if (id !== DATABASE_ID)
              return error(exchange, record, 404, APIErrorCode.ObjectNotFound, `Could not find database with ID: ${id}.`);
            return answer(exchange, record, 200, aDatabase());
          case 'retrieve-a-data-source':
            return id === DATA_SOURCE_ID
              ? answer(exchange, record, 200, aDataSource())
              : error(exchange, record, 404, APIErrorCode.ObjectNotFound, `Could not find data source with ID: ${id}.`);
          case 'query-data-source':
            return answer(exchange, record, 200, query(body));
          case 'patch-page':
            return patch(id ?? '', body);
          case 'post-page':
            return create(body);
          case 'get-users':
            return answer(exchange, record, 200, users(exchange.url.searchParams));
          case 'get-self':
            return answer(exchange, record, 200, theBot(options.owner));
          default:
            return error(exchange, record, 400, APIErrorCode.InvalidRequestURL, `The stub does not answer ${record.operationId}.`);
        }
      }

      function query(body: Record<string, unknown>): QueryDataSourceResponse {
        const filter = body.filter as { property?: string; people?: { contains?: string } } | undefined;
        const rows = filter?.people?.contains
          ? pages.filter((page) => peopleOf(page, filter.property ?? '').includes(filter.people?.contains ?? ''))
          : pages;
        return list(rows, body.start_cursor, body.page_size, { type: 'page_or_data_source', page_or_data_source: {} });
      }

      function users(params: URLSearchParams): ListUsersResponse {
        const everyone: UserObjectResponse[] = [aPerson('ada'), theBot(), aPerson('grace')];
        return list(everyone, params.get('start_cursor') ?? undefined, Number(params.get('page_size') ?? maxPageSize), {
          type: 'user',
          user: {},
        });
      }

      function patch(pageId: string, body: Record<string, unknown>): void {
        const page = pages.find((candidate) => candidate.id === pageId);
        if (!page) return error(exchange, record, 404, APIErrorCode.ObjectNotFound, `Could not find page with ID: ${pageId}.`);
        const problem = applyProperties(page, body.properties);
        if (problem) return error(exchange, record, 400, APIErrorCode.ValidationError, problem);
        page.last_edited_time = new Date().toISOString();
        answer(exchange, record, 200, page);
      }

      function create(body: Record<string, unknown>): void {
        const parent = body.parent as { data_source_id?: string } | undefined;
        if (parent?.data_source_id !== DATA_SOURCE_ID)
          return error(exchange, record, 404, APIErrorCode.ObjectNotFound, 'Could not find the parent.');
        const properties = body.properties as Record<string, { title?: { text?: { content?: string } }[] }>;
        const title = properties.Name?.title?.map((part) => part.text?.content ?? '').join('') ?? '';
        const page = aPage({ number: ++created, title });
        const problem = applyProperties(page, properties);
        if (problem) return error(exchange, record, 400, APIErrorCode.ValidationError, problem);
        pages.push(page);
        answer(exchange, record, 200, page);
      }
    },
  });

  /** One page of a list: the cursor is the id of the first row not sent yet. */
  function list<T extends { id: string }, Extra extends object>(rows: T[], cursor: unknown, pageSize: unknown, extra: Extra) {
    const start = typeof cursor === 'string' ? rows.findIndex((row) => row.id === cursor) : 0;
    const size = Math.min(typeof pageSize === 'number' ? pageSize : 100, maxPageSize);
    const results = rows.slice(Math.max(start, 0), Math.max(start, 0) + size);
    const next = rows[Math.max(start, 0) + size];
    return { object: 'list' as const, results, next_cursor: next?.id ?? null, has_more: next !== undefined, ...extra };
  }

  return {
    url: server.url,
    requests: server.requests,
    faults,
    pages,
    close: () => server.stop(),
  };
}

/** Writes status, select and people values into a page as Notion would, or says what Notion would refuse. */
function applyProperties(page: PageObjectResponse, properties: unknown): string | undefined {
  for (const [name, value] of Object.entries((properties ?? {}) as Record<string, Record<string, unknown>>)) {
    const current = page.properties[name];
    if (!current) return `${name} is not a property that exists.`;
    if (current.type === 'title') continue;
    if (current.type === 'status' && 'status' in value) {
      const option = Object.values(STATUS).find((candidate) => candidate.id === (value.status as { id?: string }).id);
      if (!option) return `Invalid status option id for ${name}.`;
      current.status = { id: option.id, name: option.name, color: option.color };
    } else if (current.type === 'select' && 'select' in value) {
      const option = Object.values(MILESTONES).find((candidate) => candidate.id === (value.select as { id?: string }).id);
      if (!option) return `Invalid select option id for ${name}.`;
      current.select = { id: option.id, name: option.name, color: option.color };
    } else if (current.type === 'people' && 'people' in value) {
      const ids = (value.people as { id: string }[]).map((person) => person.id);
      const known = Object.keys(PEOPLE) as (keyof typeof PEOPLE)[];
      const unknown = ids.find((id) => !known.some((who) => PEOPLE[who].id === id));
      if (unknown) return `${unknown} is not a user in this workspace.`;
      current.people = known.filter((who) => ids.includes(PEOPLE[who].id)).map(aPerson);
    } else {
      return `${name} is expected to be ${current.type}.`;
    }
  }
  return undefined;
}

function peopleOf(page: PageObjectResponse, property: string): string[] {
  const value = page.properties[property];
  return value?.type === 'people' ? value.people.map((person) => person.id) : [];
}

function findOperation(operations: Operation[], exchange: StubExchange): { operation: Operation; params: string[] } | undefined {
  for (const operation of operations) {
    const match = operation.method === exchange.method ? operation.pattern.exec(exchange.url.pathname) : null;
    if (match) return { operation, params: match.slice(1).map(decodeURIComponent) };
  }
  return undefined;
}

/** The request against its operation: bearer token, Notion-Version, declared query parameters and the JSON body. */
function checkRequest(operation: Operation, exchange: StubExchange): string[] {
  const problems: string[] = [];
  if (!/^Bearer \S+$/.test(header(exchange, 'authorization') ?? '')) problems.push('no bearer token (security: bearerAuth)');
  const version = header(exchange, 'notion-version');
  if (version !== NOTION_VERSION) problems.push(`Notion-Version is ${version ?? 'missing'}, not ${NOTION_VERSION}`);
  const declared = new Map((operation.spec.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.schema]));
  for (const [name, text] of exchange.url.searchParams) {
    const schema = declared.get(name);
    if (!schema) {
      problems.push(`query parameter ${name} is not declared`);
      continue;
    }
    const value = (schema as { type?: string }).type === 'integer' ? Number(text) : text;
    problems.push(...notion.validate(`${operation.operationId} ?${name}`, () => schema, value).map((p) => `?${name}${p}`));
  }
  const json = exchange.readJson();
  const hasSchema = operation.spec.requestBody?.content?.['application/json']?.schema !== undefined;
  if (json.ok && json.value !== undefined) {
    if (!hasSchema) problems.push(`${operation.operationId} takes no body`);
    else problems.push(...validateRequestBody(operation.operationId, json.value));
  }
  return problems;
}

/** An answer against the schema its operation declares for the status; error statuses against Notion's error object. */
function checkAnswer(operationId: string, status: number, body: unknown): string[] {
  const responses = notion.operation(operationId).responses ?? {};
  const declared = responses[String(status)]?.content?.['application/json']?.schema;
  const schema = declared ?? (status >= 400 ? responses['400']?.content?.['application/json']?.schema : undefined);
  if (!schema) return [`${operationId} declares no answer for ${status}`];
  const problems = notion.validate(`${operationId} ${declared ? status : 'error'}`, () => schema, body);
  if (status >= 400) {
    const error = body as { object?: unknown; status?: unknown; code?: unknown };
    if (error.object !== 'error' || error.status !== status) problems.push(`an error answer for ${status} is not Notion's error object`);
    if (!Object.values(APIErrorCode).includes(error.code as APIErrorCode))
      problems.push(`error code ${String(error.code)} is not one the API sends`);
  }
  return problems;
}

function header(exchange: StubExchange, name: string): string | undefined {
  const value = exchange.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
