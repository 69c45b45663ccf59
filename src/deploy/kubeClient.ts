// The one client Conveyor talks to a Kubernetes API server with: JSON requests, watches and streamed bodies
// (logs) over node:http. client-node supplies only the kubeconfig's TLS settings and credentials (token, client
// certificate, exec plugin); requests are made here so objects stay the exact JSON the API server sent
// (client-node's typed models drop fields they do not know and turn timestamps into Dates, which would make
// server-side apply and before/after comparisons lossy), and so every failure is one ServiceError
// (kubeErrors.ts) carrying the request and the API server's Status answer.
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { isServiceError } from '../core/errors';
import { isRecord } from '../core/records';
import { DeployError } from './deployError';
import { answerError, connectionError, credentialsError, type KubeRequest, type KubeStatus } from './kubeErrors';
import { refOf } from './kubeObject';
import type { KubeObject, ObjectRef } from './kubeObject';

export const FIELD_MANAGER = 'conveyor';
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Idle time before TCP keep-alive probes on a watch or followed log, so a dead connection is noticed. */
const STREAM_KEEPALIVE_MS = 30_000;

export interface ApiResource {
  /** Plural resource name used in URLs (`deployments`). */
  name: string;
  namespaced: boolean;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** `application/apply-patch+yaml`, `application/merge-patch+json`, `application/strategic-merge-patch+json`… */
  contentType?: string;
  timeoutMs?: number;
}

export type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T } | { type: 'ERROR'; object: KubeStatus };

export class KubeClient {
  private readonly discovery = new Map<string, Promise<{ kind: string; name: string; namespaced: boolean }[]>>();

  constructor(
    readonly config: KubeConfig,
    private readonly requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {}

  get context(): string {
    return this.config.getCurrentContext();
  }

  get server(): string {
    return this.config.getCurrentCluster()?.server ?? '';
  }

  /** One API call and its JSON answer; any other answer than 2xx, and no answer, is a ServiceError. */
  async request<T>(method: string, apiPath: string, options: RequestOptions = {}): Promise<T> {
    const request = this.describe(method, apiPath);
    const response = await this.send(method, apiPath, options);
    const text = await readBody(response).catch((error: unknown) => {
      throw connectionError(request, error);
    });
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return parseAnswer(text) as T;
    throw answerError(request, status, parseAnswer(text));
  }

  /** The object, or undefined when it does not exist. */
  async getOptional<T extends KubeObject>(apiPath: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', apiPath);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Which URL segment and scope a kind has, from the API server's discovery (cached per client). */
  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    let listing = this.discovery.get(apiVersion);
    if (!listing) {
      listing = this.request<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>('GET', apiVersionPath(apiVersion))
        .then((list) => (list.resources ?? []).filter((r) => !r.name.includes('/')))
        .catch((error: unknown) => {
          this.discovery.delete(apiVersion);
          if (isNotFound(error)) return [];
          throw error;
        });
      this.discovery.set(apiVersion, listing);
    }
    const found = (await listing).find((r) => r.kind === kind);
    return found && { name: found.name, namespaced: found.namespaced };
  }

  /** Drops what discovery said of an API version: a CRD applied since has added a kind to it. */
  forgetDiscovery(apiVersion: string): void {
    this.discovery.delete(apiVersion);
  }

  /** The URL of one object (or, without a name, of its collection). */
  async objectPath(ref: ObjectRef): Promise<string> {
    const resource = await this.resourceFor(ref.apiVersion, ref.kind);
    if (!resource)
      throw new DeployError('invalid-manifest', `The cluster of context "${this.context}" does not know ${ref.kind} in ${ref.apiVersion}.`);
    const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(ref.namespace ?? 'default')}` : '';
    return `${apiVersionPath(ref.apiVersion)}${scope}/${resource.name}${ref.name ? `/${encodeURIComponent(ref.name)}` : ''}`;
  }

  /**
   * Server-side apply as field manager `conveyor` (or `fieldManager`), taking over fields others set (kubectl's
   * --force-conflicts).
   */
  async apply<T extends KubeObject>(object: KubeObject, options: { dryRun?: boolean; fieldManager?: string } = {}): Promise<T> {
    return this.request<T>('PATCH', await this.objectPath(refOf(object)), {
      // JSON is YAML, so the apply content type takes it as is.
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: options.fieldManager ?? FIELD_MANAGER, force: true, dryRun: options.dryRun ? 'All' : undefined },
    });
  }

  /**
   * Follows a collection with the API server's watch, from `query.resourceVersion`. Resolves once the watch is
   * open or has failed; `onDone` then gets null when the server ended the stream (its timeoutSeconds) and the
   * ServiceError otherwise (status 410: the resourceVersion is too old, list again). Nothing is reported after
   * the caller aborts the returned controller.
   */
  async watch<T>(
    apiPath: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    onDone: (error: unknown) => void,
  ): Promise<AbortController> {
    const controller = new AbortController();
    let ended = false;
    const end = (error: unknown) => {
      if (ended || controller.signal.aborted) return;
      ended = true;
      controller.abort();
      onDone(error);
    };
    try {
      const response = await this.open(apiPath, { ...query, watch: true }, controller.signal);
      response.setEncoding('utf8');
      let pending = '';
      response.on('data', (text: string) => {
        const lines = (pending + text).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const event = parseEvent<T>(line);
          if (!event || ended || controller.signal.aborted) continue;
          try {
            onEvent(event);
          } catch {
            // A listener's failure is its own; it must not end the watch (client-node's Watch behaved the same).
          }
        }
      });
      response.on('error', (error) => end(connectionError(this.describe('GET', apiPath), error)));
      response.on('close', () => end(null));
    } catch (error) {
      end(error);
    }
    return controller;
  }

  /** A GET whose body is handed over as it arrives (a followed log) until the server ends it or `signal` aborts. */
  async stream(apiPath: string, query: Query, onData: (chunk: Buffer) => void, signal?: AbortSignal): Promise<void> {
    const response = await this.open(apiPath, query, signal).catch((error: unknown) => {
      if (signal?.aborted) return undefined;
      throw error;
    });
    if (!response) return;
    await new Promise<void>((resolve, reject) => {
      response.on('data', (chunk: Buffer) => {
        if (!signal?.aborted) onData(chunk);
      });
      response.on('error', (error) => (signal?.aborted ? resolve() : reject(connectionError(this.describe('GET', apiPath), error))));
      response.on('close', () => resolve());
    });
  }

  /** A streamed GET, once the server answered 200 (any other answer is an error, 204 included). */
  private async open(apiPath: string, query: Query, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const response = await this.send('GET', apiPath, { query }, { signal });
    if (response.statusCode === 200) return response;
    const text = await readBody(response).catch(() => '');
    throw answerError(this.describe('GET', apiPath), response.statusCode ?? 0, parseAnswer(text));
  }

  /** The response once its status and headers are in; a stream has no request timeout after that. */
  private async send(
    method: string,
    apiPath: string,
    options: RequestOptions,
    stream?: { signal?: AbortSignal },
  ): Promise<http.IncomingMessage> {
    const request = this.describe(method, apiPath);
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new DeployError('not-found', `The kubeconfig context "${this.context}" names no cluster.`);
    const url = new URL(cluster.server.replace(/\/+$/, '') + apiPath);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const requestOptions: https.RequestOptions = { headers: { Accept: 'application/json' } };
    try {
      await this.config.applyToHTTPSOptions(requestOptions);
    } catch (error) {
      throw credentialsError(request, error);
    }
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: http.OutgoingHttpHeaders = {
      ...(requestOptions.headers as http.OutgoingHttpHeaders),
      ...(body !== undefined
        ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) }
        : {}),
    };
    const transport = url.protocol === 'http:' ? http : https;
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = transport.request(url, { ...requestOptions, method, headers, signal: stream?.signal }, (response) => {
        if (stream) {
          // A watch of a calm namespace, or a followed log, may stay quiet for minutes.
          req.setTimeout(0);
          response.socket.setKeepAlive(true, STREAM_KEEPALIVE_MS);
        }
        resolve(response);
      });
      req.setTimeout(timeoutMs, () =>
        req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (error) => reject(connectionError(request, error)));
      req.end(body);
    });
  }

  private describe(method: string, apiPath: string): KubeRequest {
    return { request: `${method} ${apiPath}`, context: this.context, server: this.server };
  }
}

export function apiVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The URL of a namespace's collection of a built-in kind (`deployments` in `apps/v1`), or of one object in it. */
export function collectionPath(apiVersion: string, resource: string, namespace: string, name?: string): string {
  return `${apiVersionPath(apiVersion)}/namespaces/${encodeURIComponent(namespace)}/${resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

function isNotFound(error: unknown): boolean {
  return isServiceError(error) && error.status === 404;
}

function readBody(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** JSON as sent; a body that is not JSON (a proxy's error page) becomes the message of a Status. */
function parseAnswer(text: string): Record<string, unknown> {
  if (text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return isRecord(parsed) ? parsed : { message: String(parsed) };
  } catch {
    return { message: text.trim().slice(0, 300) };
  }
}

function parseEvent<T>(line: string): WatchEvent<T> | undefined {
  try {
    const event = JSON.parse(line) as unknown;
    return isRecord(event) && typeof event.type === 'string' ? (event as WatchEvent<T>) : undefined;
  } catch {
    return undefined;
  }
}
