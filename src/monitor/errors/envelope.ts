/**
 * Sentry envelopes (https://develop.sentry.dev/sdk/envelopes/) and the events inside them, read into the
 * shared error model. Pure: no I/O, so the parser is tested on envelopes recorded from the real SDK.
 */
import type { ErrorEventDetail, ErrorIssue, StackFrame } from './errorModel';
import { boundEvent } from './eventLimits';
import { scanHeaderFields } from './headerScan';

export type ErrorLevel = ErrorIssue['level'];

export interface EnvelopeItem {
  type: string;
  headers: Record<string, unknown>;
  payload: Buffer;
}

export interface Envelope {
  headers: Record<string, unknown>;
  items: EnvelopeItem[];
}

/** One error event as the store needs it: the detail the UI shows, plus what grouping and counting use. */
export interface ReceivedEvent {
  detail: ErrorEventDetail;
  level: ErrorLevel;
  /** Who saw it (user id, else email, username or IP), for the distinct-user count. */
  userKey?: string;
  /** The SDK's own fingerprint (`event.fingerprint`), when it set one other than the default. */
  fingerprint?: string[];
  /** The event had no exception, only a message (`captureMessage`). */
  messageOnly: boolean;
}

/** The body is not a Sentry envelope or event; the message says which part and is sent back as `detail`. */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

const NEWLINE = 0x0a;

/** Splits an envelope into its header and items; throws EnvelopeError when it is truncated or not JSON. */
export function parseEnvelope(body: Buffer): Envelope {
  const items: EnvelopeItem[] = [];
  const headers = walkEnvelope(body, parseJsonObject, (type, itemHeaders, start, end) => {
    items.push({ type, headers: itemHeaders, payload: body.subarray(start, end) });
  });
  return { headers, items };
}

/**
 * Checks an envelope's framing as parseEnvelope does, without keeping its items, and returns its header's
 * `event_id` (whatever JSON value it is, or undefined): the receiver does this for every envelope before it
 * answers (the items are read on the decoder thread). The header lines are scanned for the fields it needs
 * (headerScan.ts); a line the scan leaves is parsed, so the errors are parseEnvelope's.
 */
export function checkEnvelopeFraming(body: Buffer): unknown {
  return walkEnvelope(body, readHeaderFields).event_id;
}

/** What walkEnvelope reads of a header line. */
type HeaderLine = { event_id?: unknown; type?: unknown; length?: unknown };
type HeaderReader<H extends HeaderLine> = (body: Buffer, start: number, end: number, what: string, item?: number) => H;
type ItemVisitor<H> = (type: string, headers: H, payloadStart: number, payloadEnd: number) => void;

const readHeaderFields: HeaderReader<HeaderLine> = (body, start, end, what, item) =>
  scanHeaderFields(body, start, end) ?? parseJsonObject(body, start, end, what, item);

function walkEnvelope<H extends HeaderLine>(body: Buffer, readHeader: HeaderReader<H>, visit?: ItemVisitor<H>): H {
  // Lines are found with plain index arithmetic (no line-reader closure, no slice per line).
  if (body.length === 0) throw new EnvelopeError('empty envelope');
  let end = lineEnd(body, 0);
  const headers = readHeader(body, 0, end, 'envelope header');
  let item = 0;
  let offset = end + 1;
  while (offset < body.length) {
    end = lineEnd(body, offset);
    // SDKs may end the envelope with a newline, and some separate items with blank lines.
    if (isBlank(body, offset, end)) {
      offset = end + 1;
      continue;
    }
    item++;
    const itemHeaders = readHeader(body, offset, end, 'header of item', item);
    // The payload starts after the header's newline; a header that ends the body has an empty payload.
    offset = Math.min(end + 1, body.length);
    const type = typeof itemHeaders.type === 'string' ? itemHeaders.type : undefined;
    if (!type) throw new EnvelopeError(`item ${item} has no type`);
    // With a length the payload may hold newlines (an attachment); without, it is the next line.
    const hasLength = itemHeaders.length !== undefined;
    let payloadEnd: number;
    if (hasLength) {
      const length = itemHeaders.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
        throw new EnvelopeError(`item ${item} has an invalid length`);
      }
      const available = body.length - offset;
      if (length > available) {
        throw new EnvelopeError(`item ${item} is truncated: ${length} bytes announced, ${available} sent`);
      }
      payloadEnd = offset + length;
    } else {
      payloadEnd = lineEnd(body, offset);
    }
    visit?.(type, itemHeaders, offset, payloadEnd);
    offset = hasLength && body[payloadEnd] !== NEWLINE ? payloadEnd : payloadEnd + 1;
  }
  return headers;
}

/** Where the line starting at `start` ends: its newline, or the end of the body. */
function lineEnd(body: Buffer, start: number): number {
  const end = body.indexOf(NEWLINE, start);
  return end === -1 ? body.length : end;
}

/** An envelope's error events, and why each event item that could not be read was left out. */
export interface EnvelopeEvents {
  events: ReceivedEvent[];
  unreadable: string[];
}

/**
 * The error events of an envelope; every other item type (sessions, transactions, attachments, …) is skipped.
 * Like Relay, an unreadable event item is dropped on its own: the readable ones beside it are kept.
 */
export function eventsFromEnvelope(envelope: Envelope, receivedAt = new Date()): EnvelopeEvents {
  const read: EnvelopeEvents = { events: [], unreadable: [] };
  const envelopeEventId = typeof envelope.headers.event_id === 'string' ? envelope.headers.event_id : undefined;
  envelope.items.forEach((item, index) => {
    if (item.type !== 'event') return;
    try {
      const json = parseJsonObject(item.payload, 0, item.payload.length, 'event in item', index + 1);
      read.events.push(eventFromJson(json, receivedAt, envelopeEventId));
    } catch (error) {
      read.unreadable.push((error as Error).message);
    }
  });
  return read;
}

/** Reads one Sentry event (an envelope `event` item or a legacy `/store/` body), within EVENT_LIMITS. */
export function eventFromJson(event: Record<string, unknown>, receivedAt = new Date(), fallbackEventId?: string): ReceivedEvent {
  const exception = mainException(event.exception);
  const message = messageText(event.message) ?? messageText(event.logentry);
  const frames = framesOf(exception?.stacktrace) ?? framesOf(event.stacktrace) ?? threadFrames(event.threads) ?? [];
  const exceptionType = text(exception?.type) ?? '';
  const exceptionValue = text(exception?.value) ?? message ?? '';
  const user = record(event.user);
  const userKey = text(user?.id) ?? text(user?.email) ?? text(user?.username) ?? text(user?.ip_address);
  const fingerprint = Array.isArray(event.fingerprint)
    ? event.fingerprint.filter((part): part is string => typeof part === 'string')
    : undefined;
  const detail: ErrorEventDetail = {
    eventId: text(event.event_id) ?? fallbackEventId ?? '',
    timestamp: timestampOf(event.timestamp, receivedAt),
    release: text(event.release),
    environment: text(event.environment),
    exceptionType,
    exceptionValue,
    frames,
    // Only the id: emails and IP addresses count users (hashed by the store) but are not kept.
    userId: text(user?.id),
  };
  return boundEvent({
    detail,
    level: levelOf(event.level),
    userKey,
    fingerprint: fingerprint && fingerprint.length > 0 ? fingerprint : undefined,
    messageOnly: exceptionType === '' && message !== undefined,
  });
}

/** `what` (and the item's number) name the part in the error; the name is only built for one. */
function parseJsonObject(bytes: Buffer, start: number, end: number, what: string, item?: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8', start, end));
  } catch (error) {
    throw new EnvelopeError(`${partName(what, item)} is not valid JSON (${(error as Error).message})`);
  }
  const object = record(value);
  if (!object) throw new EnvelopeError(`${partName(what, item)} is not a JSON object`);
  return object;
}

function partName(what: string, item: number | undefined): string {
  return item === undefined ? what : `${what} ${item}`;
}

function isBlank(body: Buffer, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    const byte = body[index];
    if (byte !== 0x20 && byte !== 0x0d && byte !== 0x09) return false;
  }
  return true;
}

/** Sentry lists chained exceptions cause first; the last value is the one that was raised. */
function mainException(exception: unknown): Record<string, unknown> | undefined {
  const values = record(exception)?.values ?? exception;
  if (!Array.isArray(values)) return undefined;
  for (let index = values.length - 1; index >= 0; index--) {
    const value = record(values[index]);
    if (value) return value;
  }
  return undefined;
}

function messageText(message: unknown): string | undefined {
  if (typeof message === 'string') return message || undefined;
  const object = record(message);
  return text(object?.formatted) ?? text(object?.message);
}

function framesOf(stacktrace: unknown): StackFrame[] | undefined {
  const frames = record(stacktrace)?.frames;
  if (!Array.isArray(frames)) return undefined;
  const parsed = frames
    .map(record)
    .filter((frame): frame is Record<string, unknown> => frame !== undefined)
    .map(frameOf);
  // Go's SDK leaves `in_app` out when it is false (omitempty): beside frames it marked in-app, an unmarked one is not.
  if (parsed.some((frame) => frame.inApp === true)) for (const frame of parsed) frame.inApp ??= false;
  return parsed;
}

/** `attachStacktrace` puts the stack of a message event on the crashed (or current) thread. */
function threadFrames(threads: unknown): StackFrame[] | undefined {
  const values = record(threads)?.values;
  if (!Array.isArray(values)) return undefined;
  const candidates = values.map(record).filter((thread) => thread !== undefined);
  const thread = candidates.find((t) => t.crashed === true) ?? candidates.find((t) => t.current === true) ?? candidates[0];
  return framesOf(thread?.stacktrace);
}

function frameOf(frame: Record<string, unknown>): StackFrame {
  const filename = text(frame.filename);
  const absPath = text(frame.abs_path);
  return {
    filename,
    absPath: absPath !== filename ? absPath : undefined,
    module: text(frame.module),
    function: text(frame.function),
    lineno: positiveInteger(frame.lineno),
    colno: positiveInteger(frame.colno),
    inApp: typeof frame.in_app === 'boolean' ? frame.in_app : undefined,
    contextLine: typeof frame.context_line === 'string' ? frame.context_line : undefined,
  };
}

function timestampOf(value: unknown, receivedAt: Date): string {
  let millis: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) millis = value * 1000;
  else if (typeof value === 'string') {
    const numeric = Number(value);
    millis =
      value.trim() !== '' && Number.isFinite(numeric)
        ? numeric * 1000
        : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  }
  // Like Relay's max_secs_in_future: a time far ahead (often milliseconds sent as seconds, year 58897) would
  // sort as the oldest string and evict the newest issue; it becomes the arrival time. Without Relay's clock-drift
  // correction the margin is wider than its 60 s, for an app on a machine whose clock is off by minutes.
  if (millis === undefined || !Number.isFinite(millis) || millis > receivedAt.getTime() + MAX_FUTURE_MS) return receivedAt.toISOString();
  const date = new Date(millis);
  return Number.isNaN(date.getTime()) ? receivedAt.toISOString() : date.toISOString();
}

const MAX_FUTURE_MS = 60 * 60 * 1000;

const LEVELS: Record<string, ErrorLevel> = {
  fatal: 'fatal',
  critical: 'fatal',
  error: 'error',
  warning: 'warning',
  warn: 'warning',
  info: 'info',
  log: 'info',
  debug: 'debug',
};

function levelOf(level: unknown): ErrorLevel {
  return (typeof level === 'string' && LEVELS[level.toLowerCase()]) || 'error';
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
