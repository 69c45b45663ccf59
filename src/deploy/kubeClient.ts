// A thin JSON client over the Kubernetes REST API. client-node supplies the kubeconfig's TLS settings and
// credentials (token, client certificate, exec plugin) and the Watch; requests are made here so objects stay
// the exact JSON the API server sent (client-node's typed models drop fields they do not know and turn
// timestamps into Dates, which would make server-side apply and before/after comparisons lossy).
import * as http from 'node:http';
import * as https from 'node:https';
import { Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { networkReason } from '../core/networkReason';
import { DeployError } from './deployError';
import type { DeployErrorDetails } from './deployError';
import { describeRef, refOf } from './kubeObject';
import { isRecord } from '../core/records';
import type { KubeObject, ObjectRef } from './kubeObject';
import { parseForbidden } from './operate/kubeErrors';
import { messageOf } from '../core/errors';

export const FIELD_MANAGER = 'conveyor';
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** The `Status` object the API server sends with every error. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** An error answer of the API server, before it is put in the user's words by `toDeployError`. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    readonly body: KubeStatus,
  ) {
    super(body.message ?? `HTTP ${status}`);
  }
}

export interface ApiResource {
  /** Plural resource name used in URLs (`deployments`). */
  name: string;
  namespaced: boolean;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
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

  /** One API call; errors are DeployErrors naming the context, except API errors, left to `what` callers. */
  async request<T>(method: string, apiPath: string, options: RequestOptions = {}): Promise<T> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new DeployError('not-found', `The kubeconfig context "${this.context}" names no cluster.`);
    const url = new URL(cluster.server.replace(/\/+$/, '') + apiPath);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const requestOptions: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
    try {
      await this.config.applyToHTTPSOptions(requestOptions);
    } catch (error) {
      // An exec plugin that fails (expired SSO session, missing binary) is a sign-in problem, not a cluster one.
      throw new DeployError('unauthorized', `Could not get credentials for context "${this.context}": ${firstLine((error as Error).message)}. Sign in again / refresh the credentials for context "${this.context}".`);
    }
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: http.OutgoingHttpHeaders = { ...(requestOptions.headers as http.OutgoingHttpHeaders), ...(body !== undefined ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}) };
    const transport = url.protocol === 'http:' ? http : https;
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(url, { ...requestOptions, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(this.unreachable(error)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text === '' ? {} : JSON.parse(text);
          } catch {
            parsed = { message: text.trim().slice(0, 300) };
          }
          if (status >= 200 && status < 300) resolve(parsed as T);
          else reject(new KubeApiError(status, isRecord(parsed) ? parsed : { message: String(parsed) }));
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      req.on('error', (error) => reject(this.unreachable(error)));
      req.end(body);
    });
  }

  /** The object, or undefined when it does not exist. */
  async getOptional<T extends KubeObject>(apiPath: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', apiPath);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
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
          if (error instanceof KubeApiError && error.status === 404) return [];
          throw error;
        });
      this.discovery.set(apiVersion, listing);
    }
    const found = (await listing).find((r) => r.kind === kind);
    return found && { name: found.name, namespaced: found.namespaced };
  }

  /** The URL of one object (or, without a name, of its collection). */
  async objectPath(ref: ObjectRef): Promise<string> {
    const resource = await this.resourceFor(ref.apiVersion, ref.kind);
    if (!resource) throw new DeployError('invalid-manifest', `The cluster of context "${this.context}" does not know ${ref.kind} in ${ref.apiVersion}.`);
    const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(ref.namespace ?? 'default')}` : '';
    return `${apiVersionPath(ref.apiVersion)}${scope}/${resource.name}${ref.name ? `/${encodeURIComponent(ref.name)}` : ''}`;
  }

  /** Server-side apply as field manager `conveyor`, taking over fields others set (kubectl's --force-conflicts). */
  async apply<T extends KubeObject>(object: KubeObject, options: { dryRun?: boolean } = {}): Promise<T> {
    return this.request<T>('PATCH', await this.objectPath(refOf(object)), {
      // JSON is YAML, so the apply content type takes it as is.
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: true, dryRun: options.dryRun ? 'All' : undefined },
    });
  }

  /**
   * Follows a collection with the API server's watch (client-node's Watch). `onDone` gets null when the
   * server closed the stream normally and an error (with `statusCode` for HTTP errors) otherwise.
   */
  async watch<T>(apiPath: string, query: Record<string, string | number | boolean | undefined>, onEvent: (event: WatchEvent<T>) => void, onDone: (error: unknown) => void): Promise<AbortController> {
    return new Watch(this.config).watch(apiPath, query, (type: string, object: unknown) => onEvent({ type, object } as WatchEvent<T>), onDone);
  }

  private unreachable(error: unknown): DeployError {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = networkReason(error);
    if (code === 'ETIMEDOUT') return new DeployError('timeout', `The cluster of context "${this.context}" (${this.server}) did not answer: ${reason}.`);
    return new DeployError('unreachable', `Cannot reach the cluster of context "${this.context}" at ${this.server}: ${reason}. Check that the cluster is running and the kubeconfig points at it.`);
  }
}

export function apiVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

export interface ErrorContext {
  /** What was being done, e.g. "apply Deployment/web". */
  action: string;
  context: string;
  ref?: ObjectRef;
  file?: string;
  line?: number;
}

/** Any error of a client call in the user's words: one sentence, the kind, and what to do next. */
export function toDeployError(error: unknown, where: ErrorContext): DeployError {
  if (error instanceof DeployError) {
    if (where.file && error.kind === 'invalid-manifest' && !error.details.file) {
      return new DeployError(error.kind, `${where.file}:${where.line ?? 1}: ${error.message}`, { ...error.details, file: where.file, line: where.line });
    }
    return error;
  }
  if (!(error instanceof KubeApiError)) return new DeployError('unreachable', `Could not ${where.action}: ${firstLine(messageOf(error))}.`);
  const message = firstLine(error.body.message ?? `HTTP ${error.status}`);
  const details: DeployErrorDetails = { status: error.status };
  const location = where.file ? `${where.file}:${where.line ?? 1}: ` : '';
  switch (error.status) {
    case 401:
      return new DeployError('unauthorized', `The cluster rejected the credentials of context "${where.context}" (401 Unauthorized, e.g. an expired token): sign in again / refresh the credentials for context "${where.context}".`, details);
    case 403: {
      const rbac = parseForbidden(message);
      const refused: { verb?: string; resource?: string; namespace?: string } = rbac ? { verb: rbac.verb, resource: rbac.group ? `${rbac.resource}.${rbac.group}` : rbac.resource, ...(rbac.namespace ? { namespace: rbac.namespace } : {}) } : {};
      return new DeployError('forbidden', `Not allowed to ${where.action} with context "${where.context}": ${message}. Ask for ${refused.verb ?? 'that'} permission on ${refused.resource ?? 'the resource'}${refused.namespace ? ` in namespace "${refused.namespace}"` : ''}, or use another context.`, { ...details, ...refused });
    }
    case 404:
      return new DeployError('not-found', `Could not ${where.action}: ${message}.`, details);
    case 409:
      return new DeployError('conflict', `Could not ${where.action}: ${message} (someone else changed it; try again).`, details);
    case 400:
    case 422:
      return new DeployError('invalid-manifest', `${location}The cluster rejected ${where.ref ? describeRef(where.ref) : 'the object'}: ${message}.`, { ...details, file: where.file, line: where.line });
    case 408:
    case 504:
      return new DeployError('timeout', `The cluster of context "${where.context}" timed out while trying to ${where.action}: ${message}.`, details);
    default:
      return new DeployError('unreachable', `The cluster of context "${where.context}" failed to ${where.action} (HTTP ${error.status}): ${message}.`, details);
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0].replace(/[.\s]+$/, '');
}
