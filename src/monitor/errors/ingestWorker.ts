/**
 * The error receiver's decoder thread (see ingestThread.ts): reads request bodies into prepared events and
 * answers with one message per batch of bodies.
 */
import { parentPort } from 'node:worker_threads';
import { EnvelopeError } from './envelope';
import { decodeIngestBody, withoutUnreadFrames, type PreparedEvent } from './ingestDecoding';
import type { DecodedBatchMessage, DecodeRequestsMessage } from './ingestThread';

const port = parentPort;
if (!port) throw new Error('ingestWorker.ts runs as a worker thread of the error receiver');

port.on('message', ({ requests, bodies }: DecodeRequestsMessage) => {
  const all = Buffer.from(bodies.buffer, bodies.byteOffset, bodies.byteLength);
  let offset = 0;
  const awaited: DecodedBatchMessage['awaited'] = [];
  const awaitedEvents: PreparedEvent[][] = [];
  const queuedEvents: PreparedEvent[] = [];
  const queuedFailures: string[] = [];
  let queuedBytes = 0;
  for (const { seq, endpoint, length, queued, receivedAt } of requests) {
    const body = all.subarray(offset, offset + length);
    offset += length;
    if (queued) queuedBytes += length;
    try {
      const decoded = decodeIngestBody(endpoint, body, new Date(receivedAt));
      if (queued) {
        queuedEvents.push(...decoded.events);
        queuedFailures.push(...decoded.unreadable);
      } else {
        awaited.push({ seq, id: decoded.id, unreadable: decoded.unreadable });
        awaitedEvents.push(decoded.events);
      }
    } catch (error) {
      if (queued) queuedFailures.push((error as Error).message);
      else {
        awaited.push({ seq, error: (error as Error).message, invalidBody: error instanceof EnvelopeError });
        // Results pair with their events by position: a failed request holds its place.
        awaitedEvents.push([]);
      }
    }
  }
  const batch: DecodedBatchMessage = {
    awaited,
    awaitedEventsJson: awaited.length > 0 ? JSON.stringify(awaitedEvents) : '',
    queuedEventsJson: JSON.stringify(withoutUnreadFrames(queuedEvents)),
    queuedFailures,
    queuedCount: requests.length - awaited.length,
    queuedBytes,
    lastSeq: requests.reduce((last, { seq }) => Math.max(last, seq), 0),
  };
  port.postMessage(batch);
});
