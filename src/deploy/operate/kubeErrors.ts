// One error type for everything Conveyor asks a Kubernetes API server to do, with one sentence a user can
// act on. client-node reports failures in several shapes (ApiException with the Status body as text,
// watch errors with `statusCode`, node-fetch FetchErrors with a system `code`); callers should not care.
import { networkReason } from '../../core/networkReason';
import { messageOf } from '../../core/errors';

export type KubeErrorKind = 'unreachable' | 'unauthorized' | 'forbidden' | 'not-found' | 'conflict' | 'invalid' | 'timeout';

export class KubeOperationError extends Error {
  override readonly name = 'KubeOperationError';

  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    /** The HTTP status the API server answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    // The sentence is the whole story: a stack trace would only point into client-node.
    this.stack = `${this.name}: ${message}`;
  }
}

/** The fields of a Kubernetes `Status` object that make a message. */
interface KubeStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; causes?: { field?: string; message?: string }[] };
}

/**
 * `error` as a KubeOperationError whose message reads "Could not <doing>: <why>.", e.g.
 * `kubeErrorOf(e, 'scale deployment "web"')`. `server` (the API server URL) makes "unreachable" concrete.
 */
export function kubeErrorOf(error: unknown, doing: string, server?: string): KubeOperationError {
  if (error instanceof KubeOperationError) return error;
  const status = httpStatusOf(error);
  const body = statusBodyOf(error);
  const code = status ?? body?.code;
  if (code !== undefined && code >= 300) {
    const { kind, why } = describeStatus(code, body);
    return new KubeOperationError(kind, sentence(doing, why), code);
  }
  if (isTimeout(error)) {
    return new KubeOperationError('timeout', sentence(doing, `the API server${at(server)} did not answer in time`));
  }
  if (hasSystemCode(error)) {
    return new KubeOperationError('unreachable', sentence(doing, `the API server${at(server)} is unreachable (${networkReason(error)})`));
  }
  const message = messageOf(error);
  // Config problems (no current cluster, unreadable kubeconfig) and anything else client-node throws.
  return new KubeOperationError('invalid', sentence(doing, firstLine(message)));
}

function describeStatus(code: number, body: KubeStatus | undefined): { kind: KubeErrorKind; why: string } {
  const message = body?.message ? firstLine(body.message) : '';
  switch (code) {
    case 401:
      return { kind: 'unauthorized', why: 'the API server rejected the credentials (401 Unauthorized); sign in again or refresh the token in your kubeconfig' };
    case 403:
      return { kind: 'forbidden', why: message ? forbiddenReason(message) : 'permission denied (403 Forbidden)' };
    case 404:
      return { kind: 'not-found', why: message ? notFoundReason(message, body) : 'it does not exist (404 Not Found)' };
    case 409:
      return { kind: 'conflict', why: message ? conflictReason(message) : 'it was changed by someone else meanwhile; try again' };
    case 400:
    case 422:
      return { kind: 'invalid', why: invalidReason(message, body) || `the API server refused the request (${code})` };
    case 408:
    case 504:
      return { kind: 'timeout', why: message || `the API server timed out (${code})` };
    case 410:
      return { kind: 'conflict', why: message || 'the data it was based on is too old (410 Gone); reload and try again' };
    case 429:
      return { kind: 'timeout', why: 'the API server is throttling requests (429 Too Many Requests); try again shortly' };
    default:
      return { kind: 'unreachable', why: message ? `the API server answered ${code}: ${message}` : `the API server answered ${code}` };
  }
}

// `deployments.apps "web" is forbidden: User "limited" cannot patch resource "deployments/scale" in API group
// "apps" in the namespace "default"` → `user "limited" is not allowed to patch deployments/scale in namespace "default"`
function forbiddenReason(message: string): string {
  const rbac = parseForbidden(message);
  if (!rbac) return message.replace(/^[^:]*is forbidden: /, '');
  const where = rbac.namespace ? ` in namespace "${rbac.namespace}"` : ' at cluster scope';
  return `user "${rbac.user}" is not allowed to ${rbac.verb} ${rbac.resource}${where}`;
}

/** The parts of an RBAC refusal: `User "x" cannot patch resource "deployments" in API group "apps" in the namespace "default"`. */
export function parseForbidden(message: string): { user: string; verb: string; resource: string; group?: string; namespace?: string } | undefined {
  const match = /User "([^"]*)" cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?/.exec(message);
  if (!match) return undefined;
  const [, user, verb, resource, group, namespace] = match;
  return { user, verb, resource, ...(group ? { group } : {}), ...(namespace ? { namespace } : {}) };
}

// `deployments.apps "web" not found` → `deployment "web" was not found`
function notFoundReason(message: string, body: KubeStatus | undefined): string {
  const name = body?.details?.name;
  const kind = body?.details?.kind;
  if (name && kind) return `${singular(kind)} "${name}" was not found`;
  return message.replace(/^(\w+)(?:\.[\w.]+)? /, (_, plural: string) => `${singular(plural)} `);
}

// `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your
// changes to the latest version and try again` → `deployment "web" was changed by someone else meanwhile; …`
function conflictReason(message: string): string {
  const modified = /on (\w+)(?:\.[\w.]+)? "([^"]+)": the object has been modified/.exec(message);
  if (modified) return `${singular(modified[1])} "${modified[2]}" was changed by someone else meanwhile; reload and try again`;
  return message.replace(/^Operation cannot be fulfilled on /, '');
}

// `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`
function invalidReason(message: string, body: KubeStatus | undefined): string {
  const causes = (body?.details?.causes ?? []).filter((c) => c.message);
  if (causes.length > 0) return causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join('; ');
  return message.replace(/^[\w.]+ "[^"]*" is invalid: /, '');
}

function singular(plural: string): string {
  const lower = plural.toLowerCase();
  if (lower.endsWith('sses')) return lower.slice(0, -2);
  if (lower.endsWith('ies')) return `${lower.slice(0, -3)}y`;
  return lower.endsWith('s') ? lower.slice(0, -1) : lower;
}

function sentence(doing: string, why: string): string {
  const trimmed = why.replace(/[.\s]+$/, '');
  return `Could not ${doing}: ${trimmed}.`;
}

function at(server: string | undefined): string {
  return server ? ` at ${server}` : '';
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  // ApiException: `code`; Watch: `statusCode`. A string `code` is a system error (ECONNREFUSED).
  const record = error as { code?: unknown; statusCode?: unknown };
  if (typeof record.statusCode === 'number') return record.statusCode;
  if (typeof record.code === 'number') return record.code;
  return undefined;
}

/** The Status object in an ApiException's body (text or parsed) or a watch ERROR event's object. */
function statusBodyOf(error: unknown): KubeStatus | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as { body?: unknown; kind?: unknown; message?: unknown };
  if (record.kind === 'Status') return record as KubeStatus;
  let body = record.body;
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      return text.trim() ? { message: text } : undefined;
    }
  }
  if (typeof body === 'object' && body !== null) return body;
  return undefined;
}

function isTimeout(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const record = error as { name?: unknown; code?: unknown; type?: unknown };
  return record.name === 'TimeoutError' || record.code === 'ETIMEDOUT' || record.type === 'request-timeout' || record.code === 'UND_ERR_CONNECT_TIMEOUT';
}

function hasSystemCode(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const direct = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof direct === 'string' || typeof cause?.code === 'string' || (error as { type?: unknown }).type === 'system';
}
