// Every failure of the deploy engine is one of a few kinds, each with one sentence that says what happened
// and what the user can do next; callers (UI, CLI) branch on `kind`, never on message text.
export type DeployErrorKind =
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid-manifest'
  | 'invalid-release'
  | 'unsupported'
  | 'conflict'
  | 'timeout'
  | 'rollout-failed'
  | 'not-found';

export interface DeployErrorDetails {
  /** Manifest file (relative to the workspace folder) and 1-based line, for manifest problems. */
  file?: string;
  line?: number;
  /** HTTP status the API server answered, when it answered. */
  status?: number;
  /** For 403: what was refused, as the API server reported it. */
  verb?: string;
  resource?: string;
  namespace?: string;
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
