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
  /** `function (file)` of the top frame, read before the frames may be dropped (withoutUnreadFrames). */
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
 * Events for `ErrorStore.recordPrepared`, in the order it will record them, with the stack kept only where
 * the store reads it: on each issue's newest event (the last of equals, as the store decides). The others
 * lose their frames, which are most of an event, before they cross to the main thread.
 */
export function withoutUnreadFrames(events: readonly PreparedEvent[]): PreparedEvent[] {
  const latest = new Map<string, number>();
  events.forEach((event, index) => {
    const current = latest.get(event.issueId);
    if (current === undefined || event.detail.timestamp >= events[current].detail.timestamp) latest.set(event.issueId, index);
  });
  return events.map((event, index) =>
    latest.get(event.issueId) === index || event.detail.frames.length === 0 ? event : { ...event, detail: { ...event.detail, frames: [] } },
  );
}
