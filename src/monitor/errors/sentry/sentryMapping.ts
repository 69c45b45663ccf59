// Sentry's REST shapes (camelCase: `lineNo`, `inApp`, `absPath`) into Conveyor's error model. Pure functions:
// they answer a description of what is wrong instead of throwing, so the client can word the error.
import type { ErrorEventDetail, ErrorIssue, StackFrame } from '../errorModel';

export type Mapped<T> = { ok: true; value: T } | { ok: false; problem: string };

type Json = Record<string, unknown>;

const LEVELS = new Set<ErrorIssue['level']>(['fatal', 'error', 'warning', 'info', 'debug']);

/** One element of `GET /api/0/organizations/{org}/issues/`. */
export function issueFromSentry(raw: unknown, environment?: string): Mapped<ErrorIssue> {
  if (!isObject(raw)) return problem('an issue is not an object');
  const { id, shortId, title } = raw;
  if (typeof id !== 'string' || typeof title !== 'string') return problem('an issue has no id or title');
  const count = Number(raw.count);
  if (!Number.isFinite(count)) return problem(`issue ${id} has a count that is not a number`);
  const metadata = isObject(raw.metadata) ? raw.metadata : {};
  const fromTitle = splitTitle(title);
  const lifetime = isObject(raw.lifetime) ? raw.lifetime : {};
  const firstSeen = text(raw.firstSeen) ?? text(lifetime.firstSeen) ?? text(raw.lastSeen) ?? '';
  return {
    ok: true,
    value: {
      source: 'sentry',
      id,
      shortId: text(shortId) ?? id,
      title,
      exceptionType: text(metadata.type) ?? fromTitle.type,
      exceptionValue: text(metadata.value) ?? fromTitle.value,
      culprit: text(raw.culprit),
      // Sentry also knows `sample` and `unknown`; they are shown as errors.
      level: LEVELS.has(raw.level as ErrorIssue['level']) ? (raw.level as ErrorIssue['level']) : 'error',
      // Sentry sends the event count as a string (it can exceed 2^53 in principle); users as a number.
      count,
      userCount: typeof raw.userCount === 'number' ? raw.userCount : 0,
      firstSeen,
      lastSeen: text(raw.lastSeen) ?? text(lifetime.lastSeen) ?? firstSeen,
      // The list endpoint leaves these out; the issue-details endpoint sends `{ version, … }` or null.
      firstRelease: releaseVersion(raw.firstRelease),
      lastRelease: releaseVersion(raw.lastRelease),
      environment,
      url: text(raw.permalink),
    },
  };
}

/** `GET /api/0/organizations/{org}/issues/{issue_id}/events/latest/`. */
export function eventFromSentry(raw: unknown): Mapped<ErrorEventDetail> {
  if (!isObject(raw)) return problem('the event is not an object');
  const eventId = text(raw.eventID) ?? text(raw.id);
  if (!eventId) return problem('the event has no eventID');
  if (!Array.isArray(raw.entries)) return problem(`event ${eventId} has no entries`);
  const exception = mainException(raw.entries);
  if (exception === null) return problem(`the exception entry of event ${eventId} has no values`);
  const metadata = isObject(raw.metadata) ? raw.metadata : {};
  const tags = Array.isArray(raw.tags) ? raw.tags.filter(isObject) : [];
  const user = isObject(raw.user) ? raw.user : {};
  const frames = exception ? framesOf(exception) : [];
  if (frames === null) return problem(`the stack trace of event ${eventId} is not a list of frames`);
  return {
    ok: true,
    value: {
      eventId,
      timestamp: text(raw.dateCreated) ?? text(raw.dateReceived) ?? '',
      release: releaseVersion(raw.release),
      environment: text(tags.find((t) => t.key === 'environment')?.value),
      exceptionType: text(exception?.type) ?? text(metadata.type) ?? splitTitle(text(raw.title) ?? '').type,
      exceptionValue: text(exception?.value) ?? text(metadata.value) ?? splitTitle(text(raw.title) ?? '').value,
      frames,
      userId: text(user.id),
    },
  };
}

/**
 * The exception the event is about. Sentry lists a chain cause-first, so the last value is the one thrown
 * last (the one the title names). Undefined when the event has no exception entry (a captured message);
 * null when the entry is there but empty.
 */
function mainException(entries: unknown[]): Json | undefined | null {
  const entry = entries.find((e): e is Json => isObject(e) && e.type === 'exception');
  if (!entry) return undefined;
  const values = isObject(entry.data) && Array.isArray(entry.data.values) ? entry.data.values.filter(isObject) : [];
  return values.at(-1) ?? null;
}

/** Frames innermost last, as Sentry sends them; null when they are not a list. */
function framesOf(exception: Json): StackFrame[] | null {
  const stacktrace = exception.stacktrace;
  if (stacktrace === null || stacktrace === undefined) return [];
  if (!isObject(stacktrace) || !Array.isArray(stacktrace.frames)) return null;
  return stacktrace.frames.filter(isObject).map(frameFromSentry);
}

function frameFromSentry(frame: Json): StackFrame {
  const filename = text(frame.filename);
  const absPath = text(frame.absPath);
  const lineno = positiveInteger(frame.lineNo);
  return {
    filename: filename ?? absPath,
    absPath: absPath !== undefined && absPath !== filename ? absPath : undefined,
    module: text(frame.module),
    function: text(frame.function),
    lineno,
    colno: positiveInteger(frame.colNo),
    inApp: typeof frame.inApp === 'boolean' ? frame.inApp : undefined,
    contextLine: contextLine(frame.context, lineno),
  };
}

/** `context` is `[[lineNo, text], …]` around the frame's line. */
function contextLine(context: unknown, lineno: number | undefined): string | undefined {
  if (!Array.isArray(context) || lineno === undefined) return undefined;
  const line = context.find((c): c is [number, string] => Array.isArray(c) && c[0] === lineno && typeof c[1] === 'string');
  return line?.[1];
}

/** `TypeError: Cannot read…` → type and value, for issues whose metadata lacks them. */
function splitTitle(title: string): { type: string; value: string } {
  const colon = title.indexOf(': ');
  return colon > 0 ? { type: title.slice(0, colon), value: title.slice(colon + 2) } : { type: title, value: '' };
}

function releaseVersion(release: unknown): string | undefined {
  return isObject(release) ? text(release.version) : text(release);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problem(description: string): { ok: false; problem: string } {
  return { ok: false, problem: description };
}
