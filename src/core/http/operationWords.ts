// How an operation that got no (complete) answer is worded, for services whose requests say what they were
// doing ("while listing Linear issues"): one sentence for the deadline of a whole operation and for the HTTP client.
import { formatSeconds } from './headers';
import type { NetworkFailure } from './httpClient';

/** "Notion did not answer within 400 ms while listing the Notion board; check your network and try again." */
export function noAnswerMessage(service: string, timeoutMs: number, doing: string): string {
  const limit = timeoutMs < 1000 ? `${timeoutMs} ms` : formatSeconds(timeoutMs);
  return `${service} did not answer within ${limit} while ${doing}; check your network and try again.`;
}

/** Words for the HTTP client's `describeNetwork`: the request's purpose, else "talking to <service>". */
export function networkMessageOf(service: string): (failure: NetworkFailure) => string {
  return (failure) => {
    const doing = failure.purpose ?? `talking to ${service}`;
    if (failure.kind === 'timeout') return noAnswerMessage(service, failure.timeoutMs, doing);
    return `Could not reach ${service} while ${doing} (${failure.reason}); check your network or proxy settings.`;
  };
}
