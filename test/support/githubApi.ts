// What the GitHub stubs (Actions, Issues, Projects v2) share: GitHub's published OpenAPI description
// (@octokit/openapi: its examples and the schemas every answer is checked against), the headers of real
// recorded answers (@octokit/fixtures), GitHub's error answers in its own words, and the REST behaviour
// GitHub documents: the rate limit (headers on every answer, a 304 to an authorized request costs nothing),
// ETags, Link pagination, the token check, and GitHub Enterprise Server's /api/v3 prefix.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openApiValidator } from './openApiValidator';
import { FaultScript } from './stubServer';
import type { StubExchange, StubHeaders, StubServer } from './stubServer';

/** The organization whose SAML enforcement the `sso` failure reports. */
export const SSO_URL = 'https://github.com/orgs/acme/sso?authorization_request=A5UO4XNPVHEZLVVIJ7BFOQTHS5QWIZSVNZ3GCY3UN5ZGJ4DBA';
export const SSO_MESSAGE =
  'Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.';

// --- GitHub's published description: operations, examples and schemas. ---

interface MediaType {
  schema?: unknown;
  examples?: Record<string, { value?: unknown; $ref?: string }>;
}
interface ResponseObject {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, ResponseObject>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, unknown>;
    examples: Record<string, { value?: unknown }>;
    responses: Record<string, ResponseObject>;
  };
}

let openApi: OpenApi | undefined;

function spec(): OpenApi {
  if (!openApi) {
    const file = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
    openApi = JSON.parse(readFileSync(file, 'utf8')) as OpenApi;
    openApi.components.schemas = nullableAsOpenApiMeansIt(openApi.components.schemas) as Record<string, unknown>;
  }
  return openApi;
}

/**
 * OpenAPI 3.0's `nullable: true` allows null, but ajv reads it only beside a `type`: GitHub uses it beside
 * `allOf` (milestone, assignee…), where it becomes "that, or null", and in enums, which it does not widen
 * although GitHub sends null there (a running job's conclusion).
 */
function nullableAsOpenApiMeansIt(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableAsOpenApiMeansIt);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = nullableAsOpenApiMeansIt(value);
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
  if (out.nullable === true && out.type === undefined) {
    const { description, ...rest } = out;
    delete rest.nullable;
    return { description, anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

function operation(operationId: string): Operation {
  for (const item of Object.values(spec().paths)) {
    for (const op of Object.values(item)) {
      if (op.operationId === operationId) return op;
    }
  }
  throw new Error(`GitHub's OpenAPI description has no operation ${operationId}`);
}

function jsonResponse(operationId: string, status: number): MediaType | undefined {
  const declared = operation(operationId).responses?.[String(status)];
  const response = declared?.$ref ? spec().components.responses[declared.$ref.split('/').pop() ?? ''] : declared;
  return response?.content?.['application/json'];
}

/** GitHub's published example of an operation's answer, as published (a fresh copy). */
export function publishedExample(operationId: string, status: number): unknown {
  const example = jsonResponse(operationId, status)?.examples?.default;
  return example?.$ref ? componentExample(example.$ref.split('/').pop() ?? '') : structuredClone(example?.value);
}

/** One of the description's named examples (`private-user`…), a fresh copy. */
export function componentExample(name: string): unknown {
  return structuredClone(spec().components.examples[name]?.value);
}

const validateWith = openApiValidator('https://api.github.com/openapi', () => spec().components.schemas);

/** Schema problems of `body` as the JSON request body of `operationId` ([] when it conforms). */
export function validateRequest(operationId: string, body: unknown): string[] {
  return validateWith(
    `${operationId} request`,
    () => {
      const schema = operation(operationId).requestBody?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`${operationId} declares no JSON request body`);
      return nullableAsOpenApiMeansIt(schema);
    },
    body,
  );
}

/**
 * Schema problems of `body` as the `status` answer of `operationId` ([] when it conforms). Error answers of
 * operations that declare none are checked against `basic-error`, the schema of GitHub's error bodies.
 */
export function validateResponse(operationId: string, status: number, body: unknown): string[] {
  return validateWith(
    `${operationId} ${status}`,
    () => {
      // GET /user answers one of two user schemas by a discriminator ajv does not read: the signed-in user is private-user.
      const schema =
        operationId === 'users/get-authenticated' && status === 200
          ? { $ref: '#/components/schemas/private-user' }
          : jsonResponse(operationId, status)?.schema;
      if (schema) return nullableAsOpenApiMeansIt(schema);
      if (status >= 400) return { $ref: '#/components/schemas/basic-error' };
      throw new Error(`${operationId} declares no JSON answer for ${status}`);
    },
    body,
  );
}

// --- Headers of real GitHub answers, from @octokit/fixtures recordings. ---

interface Recording {
  status: number;
  rawHeaders: string[];
}

/** Headers the stub computes itself, or that belong to one connection. */
const OWN_HEADERS = /^(date|content-length|content-type|connection|etag|location|x-ratelimit-.*)$/i;

/** The headers of a recorded answer with `status` in an @octokit/fixtures scenario, less those the stub computes. */
export function recordedHeaders(scenario: string, status: number): StubHeaders {
  const file = path.join(
    path.dirname(require.resolve('@octokit/fixtures/package.json')),
    'scenarios',
    'api.github.com',
    scenario,
    'raw-fixture.json',
  );
  const recordings = JSON.parse(readFileSync(file, 'utf8')) as Recording[];
  const recording = recordings.find((r) => r.status === status);
  if (!recording) throw new Error(`@octokit/fixtures has no ${status} in ${scenario}`);
  const headers: StubHeaders = {};
  for (let i = 0; i + 1 < recording.rawHeaders.length; i += 2) {
    if (!OWN_HEADERS.test(recording.rawHeaders[i])) headers[recording.rawHeaders[i]] = recording.rawHeaders[i + 1];
  }
  return headers;
}

// --- GitHub's answers. ---

/** The failures every GitHub stub can script, as GitHub answers them. */
export type GitHubFailure =
  | 'unauthorized'
  | 'forbidden'
  | 'sso'
  | 'rate-limited'
  | 'secondary-rate-limit'
  | 'too-many-requests'
  | 'not-found'
  | 'server-error'
  | 'malformed'
  | 'hang';

export interface GitHubAnswer {
  status: number;
  body: unknown;
  headers?: StubHeaders;
}

/** A JSON answer the stub served, with its operation, for schema checks. */
export interface ServedResponse {
  operationId: string;
  status: number;
  body: unknown;
}

export interface GitHubApiOptions {
  /** Where GitHub's error answers point (`https://docs.github.com/rest/actions`…). */
  docs: string;
  /** `graphql` for the GraphQL endpoint: its documentation and its own rate limit. */
  api?: 'rest' | 'graphql';
  rateLimit?: { limit?: number; remaining?: number; resetAt?: number /* epoch s */ };
  /** Weak ETags (`W/"…"`, as GitHub gives lists of issues) or strong ones (as it gives Actions). */
  etags?: 'weak' | 'strong';
  /** What a `malformed` answer is: JSON cut short, or the HTML of a sign-in page. */
  malformed?: 'truncated-json' | 'html';
}

const REQUEST_ID = 'C0DE:1F2E:3A4B5C:6D7E8F:65B177D2';
export const RATE_LIMIT_MESSAGE = `API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID ${REQUEST_ID}.`;

/**
 * GitHub's side of a stub: answers with GitHub's headers and rate-limit accounting, records every JSON body it
 * serves (`served`), and plays scripted failures (`faults`, then a used-up rate limit) in GitHub's words.
 */
export class GitHubApi {
  readonly faults = new FaultScript<GitHubFailure>();
  readonly served: ServedResponse[] = [];
  /** Requests charged to the rate limit (304s to authorized requests are not). */
  charged = 0;
  readonly limit: number;
  remaining: number;
  readonly resetAt: number;
  private readonly baseHeaders = recordedHeaders('errors', 422);
  private readonly api: 'rest' | 'graphql';

  constructor(private readonly options: GitHubApiOptions) {
    this.api = options.api ?? 'rest';
    this.limit = options.rateLimit?.limit ?? 5000;
    this.remaining = options.rateLimit?.remaining ?? this.limit;
    this.resetAt = options.rateLimit?.resetAt ?? Math.floor(Date.now() / 1000) + 600;
  }

  /** The path without GitHub Enterprise Server's `/api/v3` prefix (the same API is served under it). */
  static pathname(exchange: StubExchange): string {
    return exchange.url.pathname.replace(/^\/api\/v3(?=\/)/, '');
  }

  /** The scripted failure this request gets, if any: a used-up rate limit fails every request. */
  failureFor(exchange: StubExchange): GitHubFailure | undefined {
    return this.faults.take(exchange) ?? (this.remaining <= 0 ? 'rate-limited' : undefined);
  }

  /** Answers `failure` as GitHub does; `hang` never answers (the client's timeout has to end it). */
  fail(exchange: StubExchange, operationId: string, failure: GitHubFailure): void {
    if (failure === 'hang') return;
    if (failure === 'malformed') {
      this.charge(exchange, 200);
      if (this.options.malformed === 'html')
        exchange.send(200, '<!DOCTYPE html><html><body>Sign in to GitHub</body></html>', this.baseHeaders, this.rateHeaders(), {
          'content-type': 'text/html; charset=utf-8',
        });
      else
        exchange.send(200, '{"total_count":1,"workflow_runs":[{"id":', this.baseHeaders, this.rateHeaders(), {
          'content-type': 'application/json; charset=utf-8',
        });
      return;
    }
    this.sendJson(exchange, operationId, this.failure(failure));
  }

  /** GitHub's answer to `failure`, in its words (the SAML one as GitHub words it for a personal access token). */
  failure(failure: Exclude<GitHubFailure, 'malformed' | 'hang'>): GitHubAnswer {
    const rateLimitDocs =
      this.api === 'graphql'
        ? 'https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api'
        : 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';
    switch (failure) {
      case 'unauthorized':
        return this.error(401, 'Bad credentials', `https://docs.github.com/${this.api}`);
      case 'forbidden':
        return this.error(403, 'Resource not accessible by personal access token');
      case 'sso':
        return {
          ...this.error(
            403,
            SSO_MESSAGE,
            'https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/',
          ),
          headers: { 'X-GitHub-SSO': `required; url=${SSO_URL}` },
        };
      case 'rate-limited':
        return { ...this.error(403, RATE_LIMIT_MESSAGE, rateLimitDocs), headers: this.exhaustedHeaders() };
      case 'secondary-rate-limit':
        return {
          ...this.error(
            403,
            `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${REQUEST_ID}.`,
            `${rateLimitDocs}#about-secondary-rate-limits`,
          ),
          headers: { 'Retry-After': '30' },
        };
      case 'too-many-requests':
        return { ...this.error(429, 'Too Many Requests', rateLimitDocs), headers: { 'Retry-After': '5' } };
      case 'not-found':
        return this.notFound();
      case 'server-error':
        return { status: 502, body: { message: 'Server Error' } };
    }
  }

  /** GitHub hides what a token may not see behind the same 404 as what does not exist. */
  notFound(): GitHubAnswer {
    return this.error(404, 'Not Found');
  }

  /** An error answer in GitHub's `basic-error` shape. */
  error(status: number, message: string, documentation = this.options.docs): GitHubAnswer {
    return { status, body: { message, documentation_url: documentation, status: String(status) } };
  }

  /** The rate-limit headers of an answer that says the limit is used up. */
  exhaustedHeaders(): StubHeaders {
    return { ...this.rateHeaders(), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Used': String(this.limit) };
  }

  /** Answers JSON with GitHub's headers, charged to the rate limit and recorded in `served`. */
  sendJson(exchange: StubExchange, operationId: string, answer: GitHubAnswer): void {
    this.charge(exchange, answer.status);
    const body = structuredClone(answer.body);
    this.served.push({ operationId, status: answer.status, body });
    exchange.sendJson(answer.status, body, this.baseHeaders, this.rateHeaders(), answer.headers);
  }

  /** Answers without a body (204, 302…), charged to the rate limit. */
  sendEmpty(exchange: StubExchange, status: number, headers: StubHeaders = {}): void {
    this.charge(exchange, status);
    exchange.send(status, '', this.baseHeaders, this.rateHeaders(), headers);
  }

  /** A GET answer with an ETag; a matching If-None-Match gets a 304 without a body. */
  sendConditional(exchange: StubExchange, operationId: string, body: unknown, headers: StubHeaders = {}): void {
    const etag = this.etagOf(body);
    if (exchange.headers['if-none-match'] !== etag)
      return this.sendJson(exchange, operationId, { status: 200, body, headers: { ...headers, ETag: etag } });
    this.sendEmpty(exchange, 304, { ETag: etag });
  }

  /**
   * The page of `items` the request asks for (`per_page`, at most `maxPerPage`; `page`), and GitHub's Link header to
   * the others, on this stub's origin.
   */
  paginate<T>(exchange: StubExchange, items: readonly T[], maxPerPage = 100): { page: T[]; link?: string } {
    const query = exchange.url.searchParams;
    const perPage = Math.min(Number(query.get('per_page') ?? 30), maxPerPage);
    const page = Math.max(1, Number(query.get('page') ?? 1));
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const pageUrl = (n: number) => {
      const url = new URL(exchange.url);
      url.searchParams.set('page', String(n));
      return `<${url.toString()}>`;
    };
    const links: string[] = [];
    if (page < pages) links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(pages)}; rel="last"`);
    if (page > 1) links.push(`${pageUrl(page - 1)}; rel="prev"`, `${pageUrl(1)}; rel="first"`);
    return { page: items.slice((page - 1) * perPage, page * perPage), link: links.length ? links.join(', ') : undefined };
  }

  /** GitHub counts every request but a 304 to an authorized conditional request. */
  charge(exchange: StubExchange, status: number): void {
    if (status === 304 && typeof exchange.headers.authorization === 'string') return;
    this.charged++;
    this.remaining = Math.max(0, this.remaining - 1);
  }

  rateHeaders(): StubHeaders {
    return {
      'X-RateLimit-Limit': String(this.limit),
      'X-RateLimit-Remaining': String(this.remaining),
      'X-RateLimit-Reset': String(this.resetAt),
      'X-RateLimit-Used': String(this.limit - this.remaining),
      'X-RateLimit-Resource': this.api === 'graphql' ? 'graphql' : 'core',
    };
  }

  private etagOf(body: unknown): string {
    const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    return this.options.etags === 'weak' ? `W/"${digest.slice(0, 32)}"` : `"${digest}"`;
  }
}

/** What the REST stubs (Actions, Issues) have in common: their server, GitHub's side of it, and its scripted failures. */
export abstract class GitHubRestStub<R> {
  protected constructor(
    protected readonly server: StubServer<R>,
    protected readonly api: GitHubApi,
  ) {}

  get url(): string {
    return this.server.url;
  }

  get requests(): R[] {
    return this.server.requests;
  }

  /** Every JSON body served, with its operation, for schema checks. */
  get served(): ServedResponse[] {
    return this.api.served;
  }

  /** The next `times` API requests fail this way. */
  failNext(failure: GitHubFailure, times = 1): void {
    this.api.faults.next(failure, { times });
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
