// One error model for everything Conveyor asks a Kubernetes API server to do. The client (kubeClient.ts) throws
// ServiceErrors that carry the request and what went wrong: the API server's Status answer, or the connection's
// failure. `kubeErrorOf` puts them in the words of what the user was doing, with a kind callers branch on. Two
// wordings, as the two surfaces grew them: an operation says "Could not <do>: <why>." and where the API server
// is; a deploy step names the kube context the deploy goes to (and the manifest at fault).
import { ServiceError, isServiceError, kindOfStatus, messageOf, type ServiceErrorKind } from '../core/errors';
import { networkReason } from '../core/networkReason';
import { isRecord } from '../core/records';
import { describeRef, type ObjectRef } from './kubeObject';

export const KUBERNETES = 'Kubernetes';

/** The `Status` object the API server sends with every error, and as the object of a watch's ERROR event. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** Which call failed; the client puts it in the `detail` of every error it throws. */
export interface KubeRequest {
  /** `PATCH /apis/apps/v1/namespaces/default/deployments/web` */
  request: string;
  context: string;
  /** The API server's URL. */
  server: string;
}

/** A step of a deploy: its failures name the context the deploy goes to and, for a manifest's object, where it is. */
export interface DeployAction {
  /** Worded to follow "could not": `apply Deployment/web`. */
  action: string;
  context: string;
  ref?: ObjectRef;
  file?: string;
  line?: number;
}

/** What the kinds mean for Kubernetes: 410 is a resourceVersion too old to go on from (reload), 504 a timeout. */
export function kubeKindOf(status: number): ServiceErrorKind {
  if (status === 410) return 'conflict';
  if (status === 408 || status === 504) return 'timeout';
  return kindOfStatus(status);
}

/** The API server answered `status`, with its Status object when it sent one. */
export function answerError(request: KubeRequest, status: number, answer: KubeStatus | undefined): ServiceError {
  return new ServiceError(KUBERNETES, kubeKindOf(status), `${request.request}: ${firstLine(answer?.message ?? '') || `HTTP ${status}`}.`, {
    status,
    detail: { ...request, ...(answer ? { answer } : {}) },
  });
}

/** No answer: the connection failed or timed out. The sentence is a deploy's; operations reword it. */
export function connectionError(request: KubeRequest, error: unknown): ServiceError {
  const reason = networkReason(error);
  const timedOut = (error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const message = timedOut
    ? `The cluster of context "${request.context}" (${request.server}) did not answer: ${reason}.`
    : `Cannot reach the cluster of context "${request.context}" at ${request.server}: ${reason}. Check that the cluster is running and the kubeconfig points at it.`;
  return new ServiceError(KUBERNETES, timedOut ? 'timeout' : 'unreachable', message, { detail: { ...request }, cause: error });
}

/** The kubeconfig's credentials could not be had: an exec plugin that fails (expired SSO session, missing binary) is a sign-in problem. */
export function credentialsError(request: KubeRequest, error: unknown): ServiceError {
  const context = request.context;
  return new ServiceError(
    KUBERNETES,
    'unauthorized',
    `Could not get credentials for context "${context}": ${firstLine(messageOf(error))}. Sign in again / refresh the credentials for context "${context}".`,
    {
      detail: { ...request },
      cause: error,
    },
  );
}

/** The API server's Status answer behind an error of the client, or a watch's ERROR event itself. */
export function kubeAnswerOf(error: unknown): KubeStatus | undefined {
  const answer: unknown = isServiceError(error) ? error.detail?.answer : isRecord(error) && error.kind === 'Status' ? error : undefined;
  return isRecord(answer) ? answer : undefined;
}

/**
 * `error` as a ServiceError in the words of what was being done: an operation (`kubeErrorOf(e, 'scale deployment
 * "web" to 3')`, reading "Could not …: <why>.", with `server` making "unreachable" concrete when the error does
 * not say) or a deploy step. Errors already in the user's words pass through.
 */
export function kubeErrorOf(error: unknown, doing: string | DeployAction, server?: string): ServiceError {
  if (isServiceError(error) && requestOf(error) === undefined) return error;
  return typeof doing === 'string' ? operationError(error, doing, server) : deployStepError(error, doing);
}

function operationError(error: unknown, doing: string, server: string | undefined): ServiceError {
  const answer = kubeAnswerOf(error);
  const status = statusOf(error) ?? answer?.code;
  const options = { cause: error };
  if (status !== undefined && status >= 300) {
    const { why, detail } = describeStatus(status, answer);
    return new ServiceError(KUBERNETES, kubeKindOf(status), sentence(doing, why), { ...options, status, detail });
  }
  const at = atServer(server ?? requestOf(error)?.server);
  const kind = isServiceError(error) ? error.kind : isTimeout(error) ? 'timeout' : hasSystemCode(error) ? 'unreachable' : 'invalid';
  if (kind === 'timeout') return new ServiceError(KUBERNETES, kind, sentence(doing, `the API server${at} did not answer in time`), options);
  if (kind === 'unreachable')
    return new ServiceError(KUBERNETES, kind, sentence(doing, `the API server${at} is unreachable (${networkReason(error)})`), options);
  // Credentials that could not be had (the exec plugin's words), configuration problems and anything else.
  const why = isServiceError(error) && error.cause !== undefined ? error.cause : error;
  return new ServiceError(KUBERNETES, kind, sentence(doing, firstLine(messageOf(why))), options);
}

function describeStatus(code: number, body: KubeStatus | undefined): { why: string; detail?: Record<string, unknown> } {
  const message = body?.message ? firstLine(body.message) : '';
  switch (code) {
    case 401:
      return { why: 'the API server rejected the credentials (401 Unauthorized); sign in again or refresh the token in your kubeconfig' };
    case 403:
      return { why: message ? forbiddenReason(message) : 'permission denied (403 Forbidden)', detail: refusalOf(message) };
    case 404:
      return { why: message ? notFoundReason(message, body) : 'it does not exist (404 Not Found)' };
    case 409:
      return { why: message ? conflictReason(message) : 'it was changed by someone else meanwhile; try again' };
    case 400:
    case 422:
      return { why: invalidReason(message, body) || `the API server refused the request (${code})` };
    case 408:
    case 504:
      return { why: message || `the API server timed out (${code})` };
    case 410:
      return { why: message || 'the data it was based on is too old (410 Gone); reload and try again' };
    case 429:
      return { why: 'the API server is throttling requests (429 Too Many Requests); try again shortly' };
    default:
      return { why: message ? `the API server answered ${code}: ${message}` : `the API server answered ${code}` };
  }
}

function deployStepError(error: unknown, step: DeployAction): ServiceError {
  const status = statusOf(error);
  const options = { cause: error, ...(status !== undefined ? { status } : {}) };
  // The client's own sentences (connection, credentials) already name the context.
  if (isServiceError(error) && status === undefined) return new ServiceError(KUBERNETES, error.kind, error.message, options);
  if (status === undefined)
    return new ServiceError(KUBERNETES, 'unreachable', `Could not ${step.action}: ${firstLine(messageOf(error))}.`, options);
  const message = firstLine(kubeAnswerOf(error)?.message ?? '') || `HTTP ${status}`;
  const kind = kubeKindOf(status);
  const { action, context } = step;
  switch (status) {
    case 401:
      return new ServiceError(
        KUBERNETES,
        kind,
        `The cluster rejected the credentials of context "${context}" (401 Unauthorized, e.g. an expired token): sign in again / refresh the credentials for context "${context}".`,
        options,
      );
    case 403: {
      const refused = refusalOf(message);
      const where = refused?.namespace ? ` in namespace "${refused.namespace}"` : '';
      return new ServiceError(
        KUBERNETES,
        kind,
        `Not allowed to ${action} with context "${context}": ${message}. Ask for ${refused?.verb ?? 'that'} permission on ${refused?.resource ?? 'the resource'}${where}, or use another context.`,
        { ...options, detail: refused },
      );
    }
    case 404:
      return new ServiceError(KUBERNETES, kind, `Could not ${action}: ${message}.`, options);
    case 409:
      return new ServiceError(KUBERNETES, kind, `Could not ${action}: ${message} (someone else changed it; try again).`, options);
    case 400:
    case 422: {
      const location = step.file ? `${step.file}:${step.line ?? 1}: ` : '';
      return new ServiceError(
        KUBERNETES,
        kind,
        `${location}The cluster rejected ${step.ref ? describeRef(step.ref) : 'the object'}: ${message}.`,
        options,
      );
    }
    case 408:
    case 504:
      return new ServiceError(
        KUBERNETES,
        kind,
        `The cluster of context "${context}" timed out while trying to ${action}: ${message}.`,
        options,
      );
    default:
      return new ServiceError(
        KUBERNETES,
        kind,
        `The cluster of context "${context}" failed to ${action} (HTTP ${status}): ${message}.`,
        options,
      );
  }
}

/** What an RBAC refusal refused, for `detail`: `{ verb: 'patch', resource: 'deployments.apps', namespace: 'default' }`. */
function refusalOf(message: string): { verb: string; resource: string; namespace?: string } | undefined {
  const rbac = parseForbidden(message);
  if (!rbac) return undefined;
  const [plural, subresource] = rbac.resource.split('/');
  const resource = `${plural}${rbac.group ? `.${rbac.group}` : ''}${subresource ? `/${subresource}` : ''}`;
  return { verb: rbac.verb, resource, ...(rbac.namespace ? { namespace: rbac.namespace } : {}) };
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
export function parseForbidden(
  message: string,
): { user: string; verb: string; resource: string; group?: string; namespace?: string } | undefined {
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
  return `Could not ${doing}: ${why.replace(/[.\s]+$/, '')}.`;
}

function atServer(server: string | undefined): string {
  return server ? ` at ${server}` : '';
}

/** The first line, without the full stop a sentence around it adds. */
function firstLine(text: string): string {
  return text
    .split('\n')[0]
    .trim()
    .replace(/[.\s]+$/, '');
}

function requestOf(error: unknown): KubeRequest | undefined {
  return isServiceError(error) && typeof error.detail?.request === 'string' ? (error.detail as unknown as KubeRequest) : undefined;
}

function statusOf(error: unknown): number | undefined {
  return isServiceError(error) ? error.status : undefined;
}

function isTimeout(error: unknown): boolean {
  return isRecord(error) && (error.name === 'TimeoutError' || error.code === 'ETIMEDOUT');
}

function hasSystemCode(error: unknown): boolean {
  return isRecord(error) && (typeof error.code === 'string' || (isRecord(error.cause) && typeof error.cause.code === 'string'));
}
