/**
 * What the receiver does to a request body before the store sees it: split the envelope, read its events,
 * group them and hash their users. Pure and free of I/O, so it runs on the decoder thread
 * (ingestWorker.ts) as well as inline, and is tested in plain Node.
 */
import { createHash } from 'node:crypto';
import type { ErrorEventDetail } from './errorModel';
import { EnvelopeError, eventFromJson, eventsFromEnvelope, parseEnvelope } from './envelope';
import type { ErrorLevel, ReceivedEvent } from './envelope';
import { culpritOf, fingerprintOf } from './issueGrouping';

/** `/api/<project>/envelope/` or the legacy `/api/<project>/store/`. */
export type IngestEndpoint = 'envelope' | 'store';

/** An event ready for the store: its issue is known and its user is a hash. */
export interface PreparedEvent {
  issueId: string;
  level: ErrorLevel;
  detail: ErrorEventDetail;
  /** `function (file)` of the top frame. */
  culprit?: string;
  /** Counting distinct users needs only equality, so emails and IPs never leave the decoder. */
  userHash?: string;
}

export interface DecodedRequest {
  /** The event id the receiver answers with. */
  id?: string;
  events: PreparedEvent[];
  /** Why each event item of an envelope that could not be read was dropped (the others are in `events`). */
  unreadable: string[];
}

/**
 * Throws EnvelopeError (an answer of 400) when the body is not an envelope or an event. `receivedAt` is the
 * time of an event that has none (the body may be decoded a few milliseconds after it arrived).
 */
export function decodeIngestBody(endpoint: IngestEndpoint, body: Buffer, receivedAt = new Date()): DecodedRequest {
  return endpoint === 'envelope' ? envelopeRequest(body, receivedAt) : storeRequest(body, receivedAt);
}

export function prepareEvent(event: ReceivedEvent): PreparedEvent {
  return {
    issueId: fingerprintOf(event),
    level: event.level,
    detail: event.detail,
    culprit: culpritOf(event.detail.frames),
    // Hex of the first 8 bytes, not a slice of the full hex: a V8 slice keeps its 64-character parent alive.
    userHash: event.userKey ? createHash('sha256').update(event.userKey).digest().subarray(0, 8).toString('hex') : undefined,
  };
}

function envelopeRequest(body: Buffer, receivedAt: Date): DecodedRequest {
  const envelope = parseEnvelope(body);
  const { events, unreadable } = eventsFromEnvelope(envelope, receivedAt);
  const headerId = envelope.headers.event_id;
  return {
    id: typeof headerId === 'string' ? headerId : events[0]?.detail.eventId || undefined,
    events: events.map(prepareEvent),
    unreadable,
  };
}

function storeRequest(body: Buffer, receivedAt: Date): DecodedRequest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new EnvelopeError(`event is not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new EnvelopeError('event is not a JSON object');
  const event = eventFromJson(json as Record<string, unknown>, receivedAt);
  return { id: event.detail.eventId || undefined, events: [prepareEvent(event)], unreadable: [] };
}

/**
 * One issue's events from one batch, folded on the decoder thread: the store adds a fold to its issue as it
 * would add the events one by one, and only the newest event crosses to the main thread, with its stack.
 * Reading each event there cost the main thread more than recording it.
 */
export interface IssueEvents {
  issueId: string;
  count: number;
  /** The newest event (the last of equals): what the issue shows. */
  latest: PreparedEvent;
  /** Of the first event in arrival order: an issue keeps the type it was created with. */
  exceptionType: string;
  /** The earliest timestamp. */
  firstSeen: string;
  /** The first release named, in arrival order. */
  firstRelease?: string;
  /**
   * Names an issue takes from the newest event that gives one: events that were each the newest so far, in
   * arrival order; the store takes a name only if its event is not older than the issue's last one.
   */
  lastRelease?: NamedAt;
  environment?: NamedAt;
  culprit?: NamedAt;
  /** Distinct users (hashes). */
  userHashes: string[];
  /** Each release seen ('' for events that name none) with its newest timestamp. */
  releases: Record<string, string>;
}

/** A name and the time of the event that gave it. */
export interface NamedAt {
  value: string;
  at: string;
}

/** Folds events, in arrival order, into one IssueEvents per issue (in the order issues first appear). */
export function foldByIssue(events: readonly PreparedEvent[]): IssueEvents[] {
  const folds = new Map<string, IssueEvents & { users: Set<string> }>();
  for (const event of events) {
    const { detail } = event;
    let fold = folds.get(event.issueId);
    if (!fold) {
      fold = {
        issueId: event.issueId,
        count: 0,
        latest: event,
        exceptionType: detail.exceptionType,
        firstSeen: detail.timestamp,
        userHashes: [],
        // No prototype: a release named `constructor` is a release like any other.
        releases: Object.create(null) as Record<string, string>,
        users: new Set(),
      };
      folds.set(event.issueId, fold);
    }
    fold.count += 1;
    if (detail.timestamp < fold.firstSeen) fold.firstSeen = detail.timestamp;
    fold.firstRelease ??= detail.release;
    const release = detail.release ?? '';
    const seen = fold.releases[release];
    if (seen === undefined || detail.timestamp > seen) fold.releases[release] = detail.timestamp;
    if (event.userHash) fold.users.add(event.userHash);
    if (detail.timestamp >= fold.latest.detail.timestamp) {
      const at = detail.timestamp;
      fold.latest = event;
      if (detail.release) fold.lastRelease = { value: detail.release, at };
      if (detail.environment) fold.environment = { value: detail.environment, at };
      if (event.culprit) fold.culprit = { value: event.culprit, at };
    }
  }
  return [...folds.values()].map(({ users, ...fold }) => ({ ...fold, userHashes: [...users] }));
}
