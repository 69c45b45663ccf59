// Reading the headers every API uses the same way: how long to wait, and where the next page is.

/** `Retry-After` in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The `rel="next"` URL of a `Link` header (RFC 8288), resolved against `base`. Check `sameOrigin` before sending a token there. */
export function nextLink(link: string | null, base: string): string | undefined {
  const next = link
    ?.split(',')
    .map((part) => /<([^>]+)>\s*;.*\brel="?next"?/i.exec(part)?.[1])
    .find(Boolean);
  return next ? new URL(next, base).toString() : undefined;
}

export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** "2.5 s". */
export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** "45 s", "3 min": a wait in words. */
export function formatWait(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 90) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} min`;
}
