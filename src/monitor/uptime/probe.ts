// One uptime probe: a GET that follows redirects, judges the final status and optionally looks for a keyword
// in the body. Everything (redirects, headers, body) shares one deadline, so a probe never outlives its timeout.
import type { UptimeCheckConfig } from '../../core/config/conveyorConfig';
import { isServiceError } from '../../core/errors';
import { HttpClient } from '../../core/http/httpClient';
import type { HttpAnswer } from '../../core/http/httpClient';
import { networkReason } from '../../core/networkReason';
import { withoutCredentials, splitUrlCredentials } from '../../core/http/urlCredentials';

export interface ProbeResult {
  /** When the probe started, ms since the epoch. */
  at: number;
  ok: boolean;
  /** Status of the final response (after redirects), when one arrived. */
  status?: number;
  /** Until the verdict: the final response's headers, plus the body when a keyword is checked. */
  latencyMs: number;
  /** Why the check is down, as a fragment that reads after "Down: " ("connection refused"). */
  reason?: string;
}

export interface ProbeOptions {
  /** Aborts the probe (e.g. the scheduler stopped); the result then says "probe cancelled". */
  signal?: AbortSignal;
  /** Bytes of body searched for the keyword; the rest is not downloaded. */
  maxBodyBytes?: number;
  maxRedirects?: number;
  now?: () => number;
}

export const DEFAULT_INTERVAL_S = 60;
export const DEFAULT_TIMEOUT_S = 10;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_MAX_REDIRECTS = 5;

const http = new HttpClient({
  service: 'the checked URL',
  headers: { 'user-agent': 'Conveyor-Uptime/1', 'cache-control': 'no-cache' },
  // A probe's reason reads after "Down: ": "connection refused", not a sentence about the client.
  describeNetwork: (failure) => (failure.kind === 'unreachable' ? failure.reason : undefined),
});

export async function probe(check: UptimeCheckConfig, options: ProbeOptions = {}): Promise<ProbeResult> {
  const at = (options.now ?? Date.now)();
  const started = performance.now();
  const timeoutS = check.timeout ?? DEFAULT_TIMEOUT_S;
  const deadline = started + timeoutS * 1000;
  const done = (ok: boolean, status: number | undefined, reason?: string): ProbeResult => ({
    at,
    ok,
    ...(status !== undefined ? { status } : {}),
    latencyMs: Math.round(performance.now() - started),
    ...(reason ? { reason } : {}),
  });
  try {
    const answer = await getFollowingRedirects(check, deadline, options.signal, options.maxRedirects ?? DEFAULT_MAX_REDIRECTS);
    if (typeof answer === 'string') return done(false, undefined, answer);
    const expected = check.expectStatus;
    const statusOk = expected !== undefined ? answer.status === expected : answer.status >= 200 && answer.status < 300;
    if (!statusOk) {
      await answer.discard();
      return done(false, answer.status, `unexpected status ${answer.status} (expected ${expected ?? '2xx'})`);
    }
    if (!check.keyword) {
      await answer.discard();
      return done(true, answer.status);
    }
    const found = await bodyContains(answer.response, check.keyword, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    return found ? done(true, answer.status) : done(false, answer.status, `keyword "${check.keyword}" missing from the response`);
  } catch (error) {
    if (options.signal?.aborted) return done(false, undefined, 'probe cancelled');
    // The body is read from the stream directly, so a timeout there arrives as the fetch's own TimeoutError.
    if (isServiceError(error, 'timeout') || (error instanceof Error && error.name === 'TimeoutError'))
      return done(false, undefined, `timed out after ${timeoutS} s`);
    return done(false, undefined, isServiceError(error) ? error.message : networkReason(error));
  }
}

/**
 * The final answer, or why there is none. A 3xx is final when the check expects exactly that status. Each hop
 * gets what is left of the probe's deadline, and every status is an answer: the probe judges it.
 */
async function getFollowingRedirects(
  check: UptimeCheckConfig,
  deadline: number,
  signal: AbortSignal | undefined,
  maxRedirects: number,
): Promise<HttpAnswer | string> {
  let written: URL;
  try {
    written = new URL(check.url);
  } catch {
    return `"${withoutCredentials(check.url)}" is not a valid URL`;
  }
  // Credentials in the URL are sent as Basic auth, and only to the origin they were written for (as curl does).
  const { url: origin, authorization } = splitUrlCredentials(written);
  let url = origin;
  const followRedirects = !(check.expectStatus !== undefined && check.expectStatus >= 300 && check.expectStatus < 400);
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `redirected to an unsupported address (${url.protocol})`;
    const answer = await http.send({
      url: url.href,
      ...(authorization && url.origin === origin.origin ? { headers: { authorization } } : {}),
      redirect: 'manual',
      signal,
      timeoutMs: Math.max(1, Math.ceil(deadline - performance.now())),
      accept: () => true,
    });
    const location = answer.headers.get('location');
    if (!followRedirects || answer.status < 300 || answer.status >= 400 || answer.status === 304 || !location) return answer;
    await answer.discard();
    if (hop >= maxRedirects) return `too many redirects (more than ${maxRedirects})`;
    url = new URL(location, url);
  }
}

/** Streams the body until the keyword shows up or the byte budget is spent; never holds more than the budget. */
async function bodyContains(response: Response, keyword: string, maxBytes: number): Promise<boolean> {
  if (!response.body) return false;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let tail = '';
  let read = 0;
  try {
    while (read < maxBytes) {
      const { done, value } = await reader.read();
      if (done) return (tail + decoder.decode()).includes(keyword);
      const chunk = value.byteLength + read > maxBytes ? value.subarray(0, maxBytes - read) : value;
      read += chunk.byteLength;
      // Keep the end of the previous chunk so a keyword split across chunks is still found.
      const text = tail + decoder.decode(chunk, { stream: true });
      if (text.includes(keyword)) return true;
      tail = keyword.length > 1 ? text.slice(-(keyword.length - 1)) : '';
    }
    return false;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
