// What the deploy engine itself finds wrong: a manifest (with file:line), a release, an environment, the
// kubeconfig files, a rollback with nothing to go back to. Each has one sentence that says what happened and
// what the user can do next; callers (UI, CLI) branch on `kind`, never on message text. What the cluster
// answers, or fails to, is a ServiceError (kubeErrors.ts).
import type { ServiceError } from '../core/errors';
import { kubeErrorOf, type DeployAction } from './kubeErrors';

export type DeployErrorKind =
  | 'invalid-manifest'
  | 'invalid-release'
  | 'unsupported'
  | 'timeout'
  | 'not-found'
  /** The user has not allowed it (a command a workspace-chosen kubeconfig runs). */
  | 'not-allowed';

export interface DeployErrorDetails {
  /** Manifest file (relative to the workspace folder) and 1-based line, for manifest problems. */
  file?: string;
  line?: number;
  /** HTTP status the API server answered, when it refused the manifest's object. */
  status?: number;
  /** For a failed apply: objects (Kind/name) applied before the failure, and those never applied. */
  applied?: string[];
  notApplied?: string[];
}

export class DeployError extends Error {
  override readonly name = 'DeployError';

  constructor(
    readonly kind: DeployErrorKind,
    message: string,
    readonly details: DeployErrorDetails = {},
  ) {
    super(message);
  }
}

export function isDeployError(error: unknown): error is DeployError {
  return error instanceof DeployError;
}

/**
 * Any failure of a deploy step in the user's words: the cluster refusing a manifest's object (400/422) is an
 * invalid manifest at its file:line; every other cluster failure a ServiceError naming the context.
 */
export function deployErrorOf(error: unknown, step: DeployAction): DeployError | ServiceError {
  if (error instanceof DeployError) {
    if (step.file && error.kind === 'invalid-manifest' && !error.details.file) {
      return new DeployError(error.kind, `${step.file}:${step.line ?? 1}: ${error.message}`, {
        ...error.details,
        file: step.file,
        line: step.line,
      });
    }
    return error;
  }
  const failure = kubeErrorOf(error, step);
  if ((failure.status === 400 || failure.status === 422) && (step.file !== undefined || step.ref !== undefined)) {
    return new DeployError('invalid-manifest', failure.message, { status: failure.status, file: step.file, line: step.line });
  }
  return failure;
}
