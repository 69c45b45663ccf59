// One uptime probe: a GET that follows redirects, judges the final status and optionally looks for a keyword
// in the body. Everything (redirects, headers, body) shares one deadline, so a probe never outlives its timeout.
import type { UptimeCheckConfig } from '../../core/config/conveyorConfig';
import { networkReason } from '../../core/networkReason';

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

export async function probe(check: UptimeCheckConfig, options: ProbeOptions = {}): Promise<ProbeResult> {
  const at = (options.now ?? Date.now)();
  const started = performance.now();
  const timeoutS = check.timeout ?? DEFAULT_TIMEOUT_S;
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, timeoutS * 1000);
  const onCancel = () => deadline.abort();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  if (options.signal?.aborted) deadline.abort();
  const done = (ok: boolean, status: number | undefined, reason?: string): ProbeResult => ({
    at,
    ok,
    ...(status !== undefined ? { status } : {}),
    latencyMs: Math.round(performance.now() - started),
    ...(reason ? { reason } : {}),
  });
  try {
    const response = await fetchFollowingRedirects(check, deadline.signal, options.maxRedirects ?? DEFAULT_MAX_REDIRECTS);
    if (typeof response === 'string') return done(false, undefined, response);
    const expected = check.expectStatus;
    const statusOk = expected !== undefined ? response.status === expected : response.status >= 200 && response.status < 300;
    if (!statusOk) {
      await response.body?.cancel().catch(() => undefined);
      return done(false, response.status, `unexpected status ${response.status} (expected ${expected ?? '2xx'})`);
    }
    if (!check.keyword) {
      await response.body?.cancel().catch(() => undefined);
      return done(true, response.status);
    }
    const found = await bodyContains(response, check.keyword, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    return found ? done(true, response.status) : done(false, response.status, `keyword "${check.keyword}" missing from the response`);
  } catch (error) {
    if (timedOut) return done(false, undefined, `timed out after ${timeoutS} s`);
    if (deadline.signal.aborted) return done(false, undefined, 'probe cancelled');
    return done(false, undefined, networkReason(error));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCancel);
  }
}

/** The final response, or why there is none. A 3xx is final when the check expects exactly that status. */
async function fetchFollowingRedirects(check: UptimeCheckConfig, signal: AbortSignal, maxRedirects: number): Promise<Response | string> {
  let url: URL;
  try {
    url = new URL(check.url);
  } catch {
    return `"${check.url}" is not a valid URL`;
  }
  const followRedirects = !(check.expectStatus !== undefined && check.expectStatus >= 300 && check.expectStatus < 400);
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `redirected to an unsupported address (${url.protocol})`;
    const response = await fetch(url, {
      redirect: 'manual',
      signal,
      headers: { 'user-agent': 'Conveyor-Uptime/1', 'cache-control': 'no-cache' },
    });
    const location = response.headers.get('location');
    if (!followRedirects || response.status < 300 || response.status >= 400 || response.status === 304 || !location) return response;
    await response.body?.cancel().catch(() => undefined);
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
