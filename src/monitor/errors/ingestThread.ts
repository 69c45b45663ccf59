/**
 * Decodes request bodies on a worker thread, so an app that throws in a loop does not stall the extension
 * host: reading the JSON of a Sentry event costs more than the whole HTTP exchange around it. The thread
 * starts with the first event and stops after a quiet minute.
 *
 * Two ways in, as in Sentry's Relay: `queue` for envelopes, whose framing the receiver has checked and
 * answered already (their events reach `onDecoded` in batches, folded by issue, and an unreadable event is
 * reported there as dropped), and `decode` for a caller that needs the result before it answers (legacy `/store/`).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EnvelopeError } from './envelope';
import {
  decodeIngestBody,
  foldByIssue,
  type DecodedRequest,
  type IngestEndpoint,
  type IssueEvents,
  type PreparedEvent,
} from './ingestDecoding';
import { pushRequestFields, type DecodedBatchMessage, type DecodeRequestsMessage } from './ingestMessages';

/** How long bodies gather before they go to the thread together (their results come back together too). */
const BATCH_MS = 5;
/** The smallest outbox buffer: about fifty SDK events. */
const OUTBOX_START_BYTES = 256 * 1024;
/** The largest batch buffer kept for the next batch (about 700 SDK events in 5 ms); a burst's larger one is let go. */
const MAX_SPARE_BYTES = 4 * 1024 * 1024;

/** What queued bodies became: their events folded by issue for the store, and reasons for those that were dropped. */
export interface DecodedEvents {
  issues: IssueEvents[];
  dropped: string[];
}

interface Waiting {
  resolve: (request: DecodedRequest) => void;
  reject: (error: Error) => void;
}

export type WorkerScript = { file: string } | { source: string };

export interface IngestThreadOptions {
  /** Quiet time after which the thread stops (it starts again with the next body). */
  idleMs?: number;
  /** The worker script; undefined decodes on the calling thread. Defaults to the one next to this module. */
  script?: WorkerScript;
}

export class IngestThread {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  /** The outbox's requests, as numbers (`pushRequestFields`). */
  private outbox: number[] = [];
  /**
   * The outbox's bodies, end to end, in a buffer of their own that is handed to the thread without a copy.
   * A body is copied in as it arrives, so it dies young instead of being held (and promoted) until the batch goes.
   */
  private outboxBytes: Buffer | undefined;
  private outboxLength = 0;
  /** The size of the last batch sent, so the next one's buffer usually needs no growing. */
  private lastBatchBytes = OUTBOX_START_BYTES;
  /**
   * A batch buffer the thread has handed back. Filling memory already in use costs a third of filling memory
   * just allocated, whose every page the kernel has yet to map: with the thread busy on the other core, the
   * copy into a new buffer was the main thread's largest cost after the HTTP exchange.
   */
  private spareBuffer: Buffer | undefined;
  private nextSeq = 1;
  /** Queued bodies sent to the thread and not yet back, and their bytes. */
  private queuedBodies = 0;
  private queuedByteCount = 0;
  /** Every body up to this sequence number has been decoded (or reported dropped). */
  private doneSeq = 0;
  private settledWaiters: Array<{ upTo: number; resolve: () => void }> = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleMs: number;
  private readonly script: WorkerScript | undefined;

  constructor(
    private readonly onDecoded: (decoded: DecodedEvents) => void,
    options: IngestThreadOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 60_000;
    this.script = 'script' in options ? options.script : defaultWorkerScript();
  }

  /** Whether bodies are decoded on a worker thread (false where the bundle has no worker script). */
  get usesWorker(): boolean {
    return this.script !== undefined;
  }

  /** The decoder thread's id while it runs. */
  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  /** Queued bodies not decoded yet, and their size: the receiver refuses more beyond its limits. */
  get backlog(): { bodies: number; bytes: number } {
    return { bodies: this.queuedBodies, bytes: this.queuedByteCount };
  }

  /** Decodes a body whose answer has gone out; its events (or the reason there are none) reach `onDecoded`. */
  queue(endpoint: IngestEndpoint, body: Buffer): void {
    if (!this.script) {
      this.onDecoded(decodeInline(endpoint, body));
      return;
    }
    this.send(endpoint, body, true);
    this.queuedBodies++;
    this.queuedByteCount += body.byteLength;
  }

  /** The body's events; rejects with EnvelopeError when the body is not an envelope or event. */
  decode(endpoint: IngestEndpoint, body: Buffer): Promise<DecodedRequest> {
    if (!this.script) return Promise.resolve().then(() => decodeIngestBody(endpoint, body));
    return new Promise<DecodedRequest>((resolve, reject) => this.waiting.set(this.send(endpoint, body, false), { resolve, reject }));
  }

  /**
   * Resolves once every body queued so far has been decoded and handed to `onDecoded`. Bodies that arrive
   * meanwhile are not waited for: an app that never stops sending must not keep a caller waiting.
   */
  settled(): Promise<void> {
    const upTo = this.nextSeq - 1;
    if (this.queuedBodies === 0 || upTo <= this.doneSeq) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push({ upTo, resolve }));
  }

  /** Stops the thread. Bodies still being decoded fail: awaited ones reject, queued ones are reported dropped. */
  async stop(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    this.spareBuffer = undefined;
    this.failPending('the error receiver stopped before the event was read');
    if (worker) await worker.terminate();
  }

  private send(endpoint: IngestEndpoint, body: Buffer, queued: boolean): number {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.worker ??= this.startWorker(this.script!);
    const seq = this.nextSeq++;
    // One message for all the bodies of a few milliseconds: each message costs more than the bodies in it.
    if (this.outbox.length === 0) setTimeout(() => this.flushOutbox(), BATCH_MS);
    pushRequestFields(this.outbox, { seq, endpoint, length: body.length, queued, receivedAt: Date.now() });
    this.append(body);
    return seq;
  }

  private append(body: Buffer): void {
    const needed = this.outboxLength + body.length;
    if (!this.outboxBytes && this.spareBuffer && needed <= this.spareBuffer.length) {
      this.outboxBytes = this.spareBuffer;
      this.spareBuffer = undefined;
    }
    if (!this.outboxBytes || needed > this.outboxBytes.length) {
      // Not from Node's shared pool: the whole ArrayBuffer is transferred to the thread.
      const grown = Buffer.allocUnsafeSlow(Math.max(this.lastBatchBytes + (this.lastBatchBytes >> 2), 2 * needed));
      this.outboxBytes?.copy(grown, 0, 0, this.outboxLength);
      this.outboxBytes = grown;
    }
    body.copy(this.outboxBytes, this.outboxLength);
    this.outboxLength = needed;
  }

  private flushOutbox(): void {
    if (this.outbox.length === 0 || !this.outboxBytes) return;
    const bodies = this.outboxBytes.subarray(0, this.outboxLength);
    this.lastBatchBytes = Math.max(OUTBOX_START_BYTES, this.outboxLength);
    const message: DecodeRequestsMessage = { requests: Float64Array.from(this.outbox), bodies };
    this.clearOutbox();
    this.worker?.postMessage(message, [bodies.buffer as ArrayBuffer, message.requests.buffer as ArrayBuffer]);
  }

  private clearOutbox(): void {
    this.outbox = [];
    this.outboxBytes = undefined;
    this.outboxLength = 0;
  }

  private startWorker(script: WorkerScript): Worker {
    const worker = 'file' in script ? new Worker(script.file) : new Worker(script.source, { eval: true });
    // Never what keeps a process (the CLI, a test run) alive: the HTTP server is.
    worker.unref();
    // A batch posted just before the thread was stopped, or failed, was reported dropped already.
    worker.on('message', (batch: DecodedBatchMessage) => this.worker === worker && this.settle(batch));
    worker.on('error', (error) => this.threadEnded(worker, `the event decoder failed: ${error.message}`));
    worker.on('exit', (code) => this.threadEnded(worker, `the event decoder exited with code ${code}`));
    return worker;
  }

  private settle(batch: DecodedBatchMessage): void {
    // The larger of two buffers is kept: batches grow with the load, and a small one would be outgrown at once.
    const returned = batch.buffer.byteLength;
    if (returned <= MAX_SPARE_BYTES && returned > (this.spareBuffer?.length ?? 0)) this.spareBuffer = Buffer.from(batch.buffer);
    if (batch.awaited.length > 0) {
      const events = JSON.parse(batch.awaitedEventsJson) as PreparedEvent[][];
      batch.awaited.forEach((result, index) => {
        const waiting = this.waiting.get(result.seq);
        this.waiting.delete(result.seq);
        if (result.error === undefined) waiting?.resolve({ id: result.id, events: events[index], unreadable: result.unreadable ?? [] });
        else waiting?.reject(result.invalidBody ? new EnvelopeError(result.error) : new Error(result.error));
      });
    }
    if (batch.queuedCount > 0) {
      this.onDecoded({ issues: JSON.parse(batch.queuedIssuesJson) as IssueEvents[], dropped: batch.queuedFailures });
      this.queuedBodies -= batch.queuedCount;
      this.queuedByteCount -= batch.queuedBytes;
    }
    this.doneSeq = Math.max(this.doneSeq, batch.lastSeq);
    this.afterProgress();
  }

  private afterProgress(): void {
    const done = this.settledWaiters.filter(({ upTo }) => upTo <= this.doneSeq || this.queuedBodies === 0);
    this.settledWaiters = this.settledWaiters.filter((waiter) => !done.includes(waiter));
    for (const { resolve } of done) resolve();
    if (this.queuedBodies > 0) return;
    this.queuedByteCount = 0;
    if (this.waiting.size === 0 && this.worker && this.outbox.length === 0) {
      this.idleTimer = setTimeout(() => void this.stop(), this.idleMs);
      this.idleTimer.unref();
    }
  }

  private threadEnded(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    // The next body starts a new thread.
    this.failPending(reason);
  }

  private failPending(reason: string): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const { reject } of waiting) reject(new Error(reason));
    const lost = this.queuedBodies;
    this.queuedBodies = 0;
    this.doneSeq = this.nextSeq - 1;
    this.clearOutbox();
    if (lost > 0) this.onDecoded({ issues: [], dropped: Array.from({ length: lost }, () => reason) });
    this.afterProgress();
  }
}

function decodeInline(endpoint: IngestEndpoint, body: Buffer): DecodedEvents {
  try {
    const decoded = decodeIngestBody(endpoint, body);
    return { issues: foldByIssue(decoded.events), dropped: decoded.unreadable };
  } catch (error) {
    return { issues: [], dropped: [(error as Error).message] };
  }
}

/**
 * Bundled, the worker is dist/ingestWorker.js beside the bundle that loads this module. From source (tests,
 * the bench), it is the TypeScript file beside this one, loaded through tsx. A bundle without either (the
 * in-host test suite) decodes inline.
 */
function defaultWorkerScript(): WorkerScript | undefined {
  const built = path.join(__dirname, 'ingestWorker.js');
  if (existsSync(built)) return { file: built };
  const source = path.join(__dirname, 'ingestWorker.ts');
  if (existsSync(source)) return { source: `require('tsx/cjs'); require(${JSON.stringify(source)});` };
  return undefined;
}
