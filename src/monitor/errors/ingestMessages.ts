/**
 * The messages between the receiver's main thread (ingestThread.ts) and its decoder thread (ingestWorker.ts).
 */
import type { IngestEndpoint } from './ingestDecoding';

/** One request body in a batch, as the decoder thread reads it. */
export interface BatchedRequest {
  seq: number;
  endpoint: IngestEndpoint;
  length: number;
  /** Answered already (an envelope); its events go to `onDecoded`. Otherwise someone awaits the result. */
  queued: boolean;
  receivedAt: number;
}

/** Main thread → decoder thread: the bodies that arrived in one batch, end to end in one buffer. */
export interface DecodeRequestsMessage {
  /**
   * The requests as numbers, REQUEST_FIELDS each (`pushRequestFields`, read back by `batchedRequests`): cloning an
   * object per request across threads cost the main thread more than the rest of posting the batch.
   */
  requests: Float64Array;
  bodies: Uint8Array;
}

const REQUEST_FIELDS = 4;
const STORE_ENDPOINT = 1;
const QUEUED = 2;

/**
 * Appends a request as the REQUEST_FIELDS numbers of `DecodeRequestsMessage.requests` (on the main thread, once
 * per event an app sends: no array is made for it).
 */
export function pushRequestFields(table: number[], { seq, endpoint, length, queued, receivedAt }: BatchedRequest): void {
  table.push(seq, length, (endpoint === 'store' ? STORE_ENDPOINT : 0) | (queued ? QUEUED : 0), receivedAt);
}

/** The requests of a batch message (read on the decoder thread). */
export function batchedRequests(table: Float64Array): BatchedRequest[] {
  const requests: BatchedRequest[] = [];
  for (let at = 0; at < table.length; at += REQUEST_FIELDS) {
    const flags = table[at + 2];
    requests.push({
      seq: table[at],
      length: table[at + 1],
      endpoint: flags & STORE_ENDPOINT ? 'store' : 'envelope',
      queued: (flags & QUEUED) !== 0,
      receivedAt: table[at + 3],
    });
  }
  return requests;
}

/** Decoder thread → main thread: every request decoded since the last batch. */
export interface DecodedBatchMessage {
  /** Requests someone waits for (`decode`), in order, their events at the same index of `awaitedEventsJson`. */
  awaited: Array<{ seq: number; id?: string; unreadable?: string[]; error?: string; invalidBody?: boolean }>;
  /**
   * As JSON text: the main thread reads JSON faster than it deserializes the same objects from a structured
   * clone. Awaited: the events, one array per request. Queued: the batch's events folded by issue
   * (IssueEvents[], `foldByIssue`), so only each issue's newest event crosses whole.
   */
  awaitedEventsJson: string;
  queuedIssuesJson: string;
  /** Why queued bodies, or event items in them, yielded no events: one entry per body or item dropped. */
  queuedFailures: string[];
  queuedCount: number;
  queuedBytes: number;
  /** The highest sequence number of the bodies in this batch (they are decoded in order). */
  lastSeq: number;
  /** The batch's buffer, handed back to be filled again (see IngestThread.spareBuffer). */
  buffer: ArrayBuffer;
}
