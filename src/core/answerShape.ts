// Reading a service's JSON with pure functions that know nothing of the request: they say what is missing
// ("an issue has no number"), and the transport, which knows what was asked, words the whole sentence.
import { isServiceError, ServiceError } from './errors';

/** Thrown by a reader when an answer lacks what the service's API documents; `what` names the missing part. */
export function unexpectedShape(service: string, what: string): ServiceError {
  return new ServiceError(service, 'malformed', what, { detail: { shape: what } });
}

/** Runs `read`; an `unexpectedShape` from it becomes the error `word` makes of its `what`, anything else passes. */
export function readShape<T>(read: () => T, word: (what: string) => ServiceError): T {
  try {
    return read();
  } catch (error) {
    if (isServiceError(error, 'malformed') && typeof error.detail?.shape === 'string') throw word(error.detail.shape);
    throw error;
  }
}
