/**
 * The error receiver's decoder thread (see ingestThread.ts): reads request bodies into prepared events and
 * answers with one message per batch of bodies.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { EnvelopeError } from './envelope';
import { decodeIngestBody, foldByIssue, type PreparedEvent } from './ingestDecoding';
import { batchedRequests, type DecodedBatchMessage, type DecodeRequestsMessage } from './ingestMessages';

/** Nice 10: about a tenth of the CPU share of the main thread when both want a core, all of it when the other is idle. */
const DECODER_NICE = 10;

const port = parentPort;
if (!port) throw new Error('ingestWorker.ts runs as a worker thread of the error receiver');
lowerThreadPriority();

port.on('message', ({ requests: table, bodies }: DecodeRequestsMessage) => {
  const requests = batchedRequests(table);
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
    queuedIssuesJson: JSON.stringify(foldByIssue(queuedEvents)),
    queuedFailures,
    queuedCount: requests.length - awaited.length,
    queuedBytes,
    lastSeq: requests.reduce((last, { seq }) => Math.max(last, seq), 0),
    buffer: bodies.buffer as ArrayBuffer,
  };
  // The bodies were read into strings and copies: their buffer goes back to carry the next batch.
  port.postMessage(batch, [batch.buffer]);
});

/**
 * Decoding can wait a few milliseconds; answering the app that sent the event, and drawing the editor, cannot.
 * On two cores the thread otherwise takes CPU time from the main thread's HTTP exchanges and the kernel's
 * loopback work (ingest ratio 0.68–0.74 → 0.74–0.76 with nice 10 in A/B runs). Linux sets a nice value per
 * thread (setpriority on a thread id); elsewhere the thread keeps the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    setPriority(Number(path.basename(readlinkSync('/proc/thread-self'))), DECODER_NICE);
  } catch {
    // Not Linux, or no /proc: nothing lost but the head start.
  }
}
