// What can go wrong when Conveyor talks to an image registry, as one error type whose message the user can
// act on and whose kind the UI can branch on. Messages never carry credentials or tokens.

export type RegistryErrorKind = 'unauthorized' | 'forbidden' | 'not-found' | 'unreachable' | 'timeout' | 'rate-limited' | 'server' | 'malformed';

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    /** The HTTP status that led here, when there was an answer. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RegistryError';
  }
}
