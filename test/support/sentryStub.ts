// A local Sentry REST API for the two operations Conveyor's hosted-Sentry client uses: the organization's
// issues and an issue's latest event. Its fixtures are shaped from Sentry's published OpenAPI description
// (test/fixtures/api-schemas/sentry-openapi.json, getsentry/sentry-api-schema): every body it serves and every
// query it receives is checked against the same operation, and problems are recorded for the test to assert
// on. The spec leaves an event's `entries` untyped; exception entries are checked against a schema written
// from the spec's own event example (and the test checks that example still passes it).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openApiDocument } from './openApiValidator';
import { FaultScript, StubServer } from './stubServer';
import type { StubExchange, StubHeaders } from './stubServer';

export const SPEC_FILE = path.resolve(__dirname, '../fixtures/api-schemas/sentry-openapi.json');
export const FIXTURES = path.resolve(__dirname, '../fixtures/sentry');
/** The shape of a Sentry user auth token (`sntryu_` and 64 hex digits). */
export const STUB_TOKEN = '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';
export const STUB_ORG = 'acme';
export const STUB_PROJECT = { id: '4505071', slug: 'shop' };
/** The organization of the spec's own issue example (its permalink names it); it serves the examples. */
export const EXAMPLE_ORG = 'the-interstellar-jurisdiction';
/** The issue of the spec's issue-list example; its latest event is the spec's event example. */
export const EXAMPLE_ISSUE_ID = '1';
/** Issues of the stub's own pages, in order: page 1 has two, page 2 two, page 3 one. */
export const STUB_ISSUE_IDS = ['5012345601', '5012345602', '5012345603', '5012345604', '5012345605'];
export const RATE_LIMIT = 40;

export const OPERATIONS = {
  listIssues: 'listOrganizationIssues',
  issueEvent: 'getOrganizationIssueEvent',
  project: 'getProject',
} as const;
export type OperationId = (typeof OPERATIONS)[keyof typeof OPERATIONS];

// --- Sentry's published description: operations, examples and schemas. ---

const sentry = openApiDocument<OperationId>(SPEC_FILE, 'Sentry', 'https://github.com/getsentry/sentry-api-schema/openapi-derefed.json');
export const { publishedExample } = sentry;

/** Schema problems of `body` as the operation's 200 answer. */
export function validateResponse(operationId: OperationId, body: unknown): string[] {
  return sentry.validateResponse(operationId, 200, body);
}

/** Query and path parameters against the operation's declared ones: unknown names and bad values are problems. */
export function validateParameters(operationId: OperationId, where: 'query' | 'path', values: Map<string, string[]>): string[] {
  const declared = (sentry.operation(operationId).parameters ?? []).filter((p) => p.in === where);
  const problems: string[] = [];
  for (const [name, given] of values) {
    const parameter = declared.find((p) => p.name === name);
    if (!parameter) {
      problems.push(`${where} parameter ${name} is not declared`);
      continue;
    }
    const schema = (parameter.schema ?? {}) as { type?: string };
    // Query strings carry text: a repeated or array parameter is its list of values, an integer is parsed.
    const value = schema.type === 'array' ? given.map(numberIfInteger) : schema.type === 'integer' ? numberIfInteger(given[0]) : given[0];
    problems.push(
      ...sentry
        .validate(`${operationId} ${where} ${name}`, () => parameter.schema ?? {}, value)
        .map((p) => `${where} parameter ${name}${p === '/ ' ? '' : ` ${p}`}`),
    );
  }
  return problems;
}

function numberIfInteger(value: string): string | number {
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

/**
 * The exception entry of an event as the spec's event example shows it (the schema itself says only
 * `entries: array of {}`): frames in camelCase with `lineNo`, `colNo`, `inApp`, `absPath` and `context`
 * as `[lineNo, text]` pairs.
 */
export const EXCEPTION_ENTRY_SCHEMA = {
  type: 'object',
  required: ['type', 'data'],
  properties: {
    type: { const: 'exception' },
    data: {
      type: 'object',
      required: ['values'],
      properties: {
        values: {
          type: 'array',
          items: {
            type: 'object',
            required: ['type', 'value', 'stacktrace'],
            properties: {
              type: { type: ['string', 'null'] },
              value: { type: ['string', 'null'] },
              module: { type: ['string', 'null'] },
              mechanism: { type: ['object', 'null'] },
              stacktrace: {
                type: ['object', 'null'],
                required: ['frames'],
                properties: {
                  frames: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['filename', 'absPath', 'module', 'function', 'lineNo', 'colNo', 'inApp', 'context'],
                      properties: {
                        filename: { type: ['string', 'null'] },
                        absPath: { type: ['string', 'null'] },
                        module: { type: ['string', 'null'] },
                        function: { type: ['string', 'null'] },
                        lineNo: { type: ['integer', 'null'], minimum: 1 },
                        colNo: { type: ['integer', 'null'], minimum: 1 },
                        inApp: { type: ['boolean', 'null'] },
                        context: {
                          type: 'array',
                          items: { type: 'array', minItems: 2, maxItems: 2, items: [{ type: 'integer' }, { type: 'string' }] },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

/** The spec's event schema, and each exception entry against the schema above. */
export function validateEvent(body: unknown): string[] {
  const entries = (body as { entries?: unknown[] } | null)?.entries ?? [];
  const exceptions = entries.filter((e) => (e as { type?: unknown } | null)?.type === 'exception');
  return [
    ...validateResponse(OPERATIONS.issueEvent, body),
    ...exceptions.flatMap((e) => sentry.validate('exception entry', () => EXCEPTION_ENTRY_SCHEMA, e).map((p) => `exception entry${p}`)),
  ];
}

/**
 * Sentry's error bodies are Django REST framework's `{"detail": "…"}`; the spec declares none (its 401, 403,
 * 404 have no content), but its event example records one (`contexts.ForbiddenError.responseJSON`).
 */
export const ERROR_BODY_SCHEMA = {
  type: 'object',
  required: ['detail'],
  properties: { detail: { type: 'string', minLength: 1 }, errorId: { type: 'string' } },
  additionalProperties: false,
} as const;

export function validateErrorBody(body: unknown): string[] {
  return sentry.validate('error body', () => ERROR_BODY_SCHEMA, body);
}

// --- Fixtures. ---

/** A fixture file's JSON, a fresh copy each time. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
}

const issuesCheck = (body: unknown) => validateResponse(OPERATIONS.listIssues, body);

/** Each fixture and the schema it is checked against. */
export const FIXTURE_SCHEMAS: { file: string; check: (body: unknown) => string[] }[] = [
  { file: 'issues-published-example.json', check: issuesCheck },
  { file: 'issues-page-1.json', check: issuesCheck },
  { file: 'issues-page-2.json', check: issuesCheck },
  { file: 'issues-page-3.json', check: issuesCheck },
  { file: 'event-published-example.json', check: validateEvent },
  ...STUB_ISSUE_IDS.map((id) => ({ file: `event-${id}.json`, check: validateEvent })),
  ...['unauthorized', 'forbidden', 'not-found', 'rate-limited', 'server'].map((name) => ({
    file: `error-${name}.json`,
    check: validateErrorBody,
  })),
];

/** Every fixture's problems, by file; empty when all conform. */
export function fixtureProblems(): string[] {
  return FIXTURE_SCHEMAS.flatMap(({ file, check }) => check(fixture(file)).map((p) => `${file}: ${p}`));
}

// --- The server. ---

export type StubFailure =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  /** 429 with `Retry-After` and the rate-limit headers. */
  | 'rate-limited'
  /** 429 with only `X-Sentry-Rate-Limit-Reset`, as some proxies strip `Retry-After`. */
  | 'rate-limited-reset-only'
  /** A normal answer that says the budget is spent (remaining 0) until `X-Sentry-Rate-Limit-Reset`. */
  | 'budget-spent'
  | 'server-error'
  /** A 502 whose body echoes the request's Authorization header, as a misbehaving proxy might. */
  | 'server-error-echoing-auth'
  /** The answer comes after `delayMs` (default 3 s), beyond a short client timeout. */
  | 'slow'
  | 'malformed-json'
  /** Valid JSON in the wrong shape (an object where the issue list belongs). */
  | 'wrong-shape'
  | 'html';

export interface FailureOptions {
  retryAfterSeconds?: number;
  /** For 'rate-limited-reset-only' and 'budget-spent': seconds from now until the reset. */
  resetInSeconds?: number;
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Map<string, string[]>;
  operationId?: OperationId;
  /** Whether the Authorization header carried `Bearer <STUB_TOKEN>`. */
  authenticated: boolean;
  /** Epoch ms when the stub received it. */
  at: number;
}

export interface SentryStub {
  url: string;
  requests: RecordedRequest[];
  /** Schema problems of what the stub was sent or served; a passing test leaves this empty. */
  problems: string[];
  failNext(failure: StubFailure, options?: FailureOptions): void;
  stop(): Promise<void>;
}

interface Queued {
  failure: StubFailure;
  options: FailureOptions;
}

/** Starts the stub on 127.0.0.1 (or `host`); rejects, listing the problems, when a fixture does not conform to the spec. */
export async function startSentryStub(options: { host?: string } = {}): Promise<SentryStub> {
  const invalid = fixtureProblems();
  if (invalid.length) throw new Error(`Sentry stub fixtures do not conform to the published schema:\n${invalid.join('\n')}`);

  const pages = [1, 2, 3].map((n) => fixture<{ id: string; project: { id: string; slug: string } }[]>(`issues-page-${n}.json`));
  const problems: string[] = [];
  const faults = new FaultScript<Queued>();
  const windowCounts = new Map<number, number>();

  const answer = (exchange: StubExchange, recorded: RecordedRequest): void => {
    const { url } = exchange;
    const host = exchange.headers.host ?? '127.0.0.1';
    // Sentry counts requests per endpoint in one-second windows and says so on every answer.
    const second = Math.floor(Date.now() / 1000);
    const used = (windowCounts.get(second) ?? 0) + 1;
    windowCounts.set(second, used);
    let headers = rateHeaders(Math.max(0, RATE_LIMIT - used), second + 1);
    const send = (status: number, body: unknown, extra: StubHeaders = {}) => exchange.sendJson(status, body, headers, extra);
    const sendError = (status: number, name: string, extra: StubHeaders = {}) => send(status, fixture(name), extra);

    const serve = (operationId: OperationId, body: unknown, extra: StubHeaders = {}): void => {
      const check = operationId === OPERATIONS.issueEvent ? validateEvent : (b: unknown) => validateResponse(operationId, b);
      problems.push(...check(body).map((p) => `${operationId} answer ${p}`));
      send(200, body, extra);
    };

    const listIssues = (org: string): void => {
      if (org === EXAMPLE_ORG)
        return serve(OPERATIONS.listIssues, fixture('issues-published-example.json'), { link: links(url, host, 0, false) });
      if (org !== STUB_ORG) return sendError(404, 'error-not-found.json');
      // As Sentry reads it (the spec declares integers): a slug here is a 400.
      const ids = recorded.query.get('project') ?? [];
      if (ids.some((p) => !/^-?\d+$/.test(p))) return send(400, { detail: 'Invalid project parameter. Values must be numbers.' });
      // A project the token cannot see: Sentry answers 403 rather than revealing whether it exists.
      if (ids.some((p) => p !== STUB_PROJECT.id)) return sendError(403, 'error-forbidden.json');
      const cursor = url.searchParams.get('cursor') ?? undefined;
      const index = cursor === undefined ? 0 : pageOfCursor(cursor);
      if (index === undefined) return send(400, { detail: 'Invalid cursor parameter.' });
      serve(OPERATIONS.listIssues, index < pages.length ? pages[index] : [], { link: links(url, host, index, index < pages.length - 1) });
    };

    // The spec's own project example, as the stub project: what a slug is looked up through.
    const project = (org: string, idOrSlug: string): void => {
      if (org !== STUB_ORG || (idOrSlug !== STUB_PROJECT.slug && idOrSlug !== STUB_PROJECT.id))
        return sendError(404, 'error-not-found.json');
      const example = sentry.publishedExample(OPERATIONS.project) as Record<string, unknown>;
      serve(OPERATIONS.project, { ...example, id: STUB_PROJECT.id, slug: STUB_PROJECT.slug });
    };

    const latestEvent = (org: string, issueId: string): void => {
      if (org === EXAMPLE_ORG && issueId === EXAMPLE_ISSUE_ID) return serve(OPERATIONS.issueEvent, fixture('event-published-example.json'));
      if (org !== STUB_ORG || !STUB_ISSUE_IDS.includes(issueId)) return sendError(404, 'error-not-found.json');
      serve(OPERATIONS.issueEvent, fixture(`event-${issueId}.json`));
    };

    const route = (): void => {
      if (exchange.method !== 'GET') return send(405, { detail: `Method "${exchange.method}" not allowed.` });
      // What Sentry answers to a wrong, expired or revoked token.
      if (!recorded.authenticated) return sendError(401, 'error-unauthorized.json');
      const issuesRoute = /^\/api\/0\/organizations\/([^/]+)\/issues\/$/.exec(url.pathname);
      const eventRoute = /^\/api\/0\/organizations\/([^/]+)\/issues\/([^/]+)\/events\/([^/]+)\/$/.exec(url.pathname);
      if (issuesRoute) {
        recorded.operationId = OPERATIONS.listIssues;
        problems.push(...validateParameters(OPERATIONS.listIssues, 'query', recorded.query).map((p) => `${OPERATIONS.listIssues} ${p}`));
        return listIssues(decodeURIComponent(issuesRoute[1]));
      }
      const projectRoute = /^\/api\/0\/projects\/([^/]+)\/([^/]+)\/$/.exec(url.pathname);
      if (projectRoute) {
        recorded.operationId = OPERATIONS.project;
        problems.push(...validateParameters(OPERATIONS.project, 'query', recorded.query).map((p) => `${OPERATIONS.project} ${p}`));
        return project(decodeURIComponent(projectRoute[1]), decodeURIComponent(projectRoute[2]));
      }
      if (eventRoute) {
        recorded.operationId = OPERATIONS.issueEvent;
        const [, org, issueId, eventId] = eventRoute.map(decodeURIComponent);
        problems.push(
          ...validateParameters(OPERATIONS.issueEvent, 'query', recorded.query),
          ...validateParameters(OPERATIONS.issueEvent, 'path', new Map([['event_id', [eventId]]])),
        );
        return latestEvent(org, issueId);
      }
      sendError(404, 'error-not-found.json');
    };

    const queued = faults.take(exchange);
    if (!queued) return route();
    const { failure, options } = queued;
    const reset = second + (options.resetInSeconds ?? 1);
    switch (failure) {
      case 'unauthorized':
        return sendError(401, 'error-unauthorized.json');
      case 'forbidden':
        return sendError(403, 'error-forbidden.json');
      case 'not-found':
        return sendError(404, 'error-not-found.json');
      case 'rate-limited':
        headers = rateHeaders(0, reset);
        return sendError(429, 'error-rate-limited.json', { 'retry-after': String(options.retryAfterSeconds ?? 1) });
      case 'rate-limited-reset-only':
        headers = rateHeaders(0, reset);
        return sendError(429, 'error-rate-limited.json');
      case 'budget-spent':
        headers = rateHeaders(0, reset);
        return route();
      case 'server-error':
        return sendError(500, 'error-server.json');
      case 'server-error-echoing-auth':
        return send(502, { detail: `Upstream refused ${exchange.headers.authorization ?? ''}` });
      case 'slow':
        return exchange.fault({ delayMs: options.delayMs ?? 3000 }, route);
      case 'malformed-json':
        return exchange.fault({
          status: 200,
          text: '[{"id": "5012345601", "title": ',
          headers: { 'content-type': 'application/json', ...headers },
        });
      case 'wrong-shape':
        return send(200, { issues: [] });
      case 'html':
        return exchange.fault({
          status: 200,
          text: '<!DOCTYPE html><html><head><title>Login | Sentry</title></head><body></body></html>',
          headers: { 'content-type': 'text/html; charset=utf-8' },
        });
    }
  };

  const server = await StubServer.start<RecordedRequest>({
    host: options.host,
    jsonType: 'application/json',
    record: (e) => ({
      method: e.method,
      path: e.url.pathname,
      query: multiMap(e.url.searchParams),
      authenticated: e.headers.authorization === `Bearer ${STUB_TOKEN}`,
      at: Date.now(),
    }),
    handle: answer,
  });
  return {
    url: server.url,
    requests: server.requests,
    problems,
    failNext: (failure, options = {}) => faults.next({ failure, options }),
    stop: () => server.stop(),
  };
}

/** The rate-limit headers Sentry puts on every answer. */
function rateHeaders(remaining: number, resetSeconds: number): StubHeaders {
  return {
    'x-sentry-rate-limit-limit': String(RATE_LIMIT),
    'x-sentry-rate-limit-remaining': String(remaining),
    'x-sentry-rate-limit-reset': String(resetSeconds),
    'x-sentry-rate-limit-concurrentlimit': '25',
    'x-sentry-rate-limit-concurrentremaining': '24',
  };
}

/** Sentry's cursors are `value:offset:is_prev`; the stub's pages hold two issues each. */
const PAGE_SIZE = 2;

function pageOfCursor(cursor: string): number | undefined {
  const match = /^0:(\d+):0$/.exec(cursor);
  return match && Number(match[1]) % PAGE_SIZE === 0 ? Number(match[1]) / PAGE_SIZE : undefined;
}

/** Sentry's `Link` header: a previous and a next link, each saying whether results exist there. */
function links(requestUrl: URL, host: string, index: number, hasNext: boolean): string {
  const at = (c: string) => {
    const target = new URL(requestUrl.pathname + requestUrl.search, `http://${host}`);
    target.searchParams.set('cursor', c);
    return `<${target.toString()}>`;
  };
  const previous = `0:${index * PAGE_SIZE}:1`;
  const next = `0:${(index + 1) * PAGE_SIZE}:0`;
  return `${at(previous)}; rel="previous"; results="${index > 0}"; cursor="${previous}", ${at(next)}; rel="next"; results="${hasNext}"; cursor="${next}"`;
}

function multiMap(params: URLSearchParams): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [name, value] of params) map.set(name, [...(map.get(name) ?? []), value]);
  return map;
}
