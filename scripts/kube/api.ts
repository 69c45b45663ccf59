// A minimal Kubernetes REST client over node:https (bearer token + the cluster's CA), shared by the cluster
// starter and the agent: neither should depend on the client library the tests are checking.
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';

export interface ApiTarget {
  /** https://127.0.0.1:PORT */
  server: string;
  token: string;
  /** PEM */
  ca: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly apiPath: string,
    readonly text: string,
  ) {
    super(`${method} ${apiPath} → ${status}: ${text.slice(0, 500)}`);
    this.name = 'ApiError';
  }
}

export type PatchType = 'merge' | 'strategic' | 'json';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

/** One request; resolves with any status (callers decide what is an error). */
export function apiRequest<T = unknown>(
  target: ApiTarget,
  method: string,
  apiPath: string,
  body?: unknown,
  options: { patch?: PatchType; timeoutMs?: number } = {},
): Promise<ApiResponse<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(apiPath, target.server);
    const req = request(
      url,
      {
        method,
        ca: target.ca,
        timeout: options.timeoutMs ?? 10_000,
        headers: {
          Authorization: `Bearer ${target.token}`,
          Accept: 'application/json',
          ...(payload === undefined
            ? {}
            : {
                'Content-Type': options.patch ? PATCH_CONTENT_TYPES[options.patch] : 'application/json',
                'Content-Length': Buffer.byteLength(payload),
              }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON (e.g. /readyz answers "ok").
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${apiPath} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Like apiRequest, but anything outside 2xx (and the listed extra statuses) is an ApiError. */
export async function api<T = unknown>(
  target: ApiTarget,
  method: string,
  apiPath: string,
  body?: unknown,
  options: { patch?: PatchType; allow?: number[] } = {},
): Promise<ApiResponse<T>> {
  const response = await apiRequest<T>(target, method, apiPath, body, options);
  if ((response.status < 200 || response.status >= 300) && !options.allow?.includes(response.status)) {
    throw new ApiError(response.status, method, apiPath, response.text);
  }
  return response;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/**
 * A watch request: calls `onEvent` for each JSON line until the server ends the stream (timeoutSeconds)
 * or the connection breaks; resolves then, rejects only if the request could not be made.
 */
export function watch<T>(
  target: ApiTarget,
  apiPath: string,
  onEvent: (event: WatchEvent<T>) => void,
): { done: Promise<void>; abort(): void } {
  let abort = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const req = request(
      new URL(apiPath, target.server),
      { method: 'GET', ca: target.ca, headers: { Authorization: `Bearer ${target.token}`, Accept: 'application/json' } },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => reject(new ApiError(res.statusCode ?? 0, 'GET', apiPath, Buffer.concat(chunks).toString('utf8'))));
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (line) {
              let event: WatchEvent<T> | undefined;
              try {
                event = JSON.parse(line) as WatchEvent<T>;
              } catch {
                // A torn line from a broken connection: the caller re-lists anyway.
              }
              if (event) {
                onEvent(event);
              }
            }
          }
        });
        res.on('end', () => resolve());
        res.on('error', () => resolve());
        res.on('close', () => resolve());
      },
    );
    req.on('error', reject);
    req.end();
    abort = () => req.destroy();
  });
  return { done, abort: () => abort() };
}

/** metav1.Time: RFC 3339 in whole seconds. */
export const kubeTime = (ms: number = Date.now()) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
/** metav1.MicroTime, for Lease renewTime. */
export const kubeMicroTime = (ms: number = Date.now()) =>
  new Date(ms).toISOString().replace(/\.(\d+)Z$/, (_, fraction: string) => `.${fraction.padEnd(6, '0')}Z`);
