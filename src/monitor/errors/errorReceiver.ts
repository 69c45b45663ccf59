/**
 * A local, Sentry-compatible ingest endpoint: any Sentry SDK pointed at `dsn` reports here instead of to
 * sentry.io. It answers like Sentry's relay (`POST /api/<project>/envelope/`, legacy `/store/`, key in the
 * query string or `X-Sentry-Auth`, JSON `{detail}` errors) and listens on loopback only.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { ErrorIssue } from './errorModel';
import { checkEnvelopeFraming, EnvelopeError } from './envelope';
import type { IngestEndpoint } from './ingestDecoding';
import { IngestThread, type IngestThreadOptions } from './ingestThread';
import { Emitter, type Disposable, type Event } from '../../core/events';
import type { ErrorStore, IssuesChange } from './errorStore';

export const RECEIVER_HOST = '127.0.0.1';
const MIB = 1024 * 1024;
/** Queued bodies not decoded yet, at most, by default: past either limit the receiver answers 429. */
export const DEFAULT_MAX_BACKLOG = { bodies: 10_000, bytes: 64 * MIB };
/** Bytes of a refused body read and thrown away (so the client sees the answer) before the socket is cut. */
const MAX_DISCARDED_BYTES = 64 * MIB;
/**
 * How long `settled` waits for envelopes already answered to be read into the store: long enough for a
 * decoder thread's first start on a loaded machine (a belt's error check must not miss what was sent), short
 * of hanging a check on a decoder that is stuck. `stop` waits less: what is still held is reported dropped.
 */
const SETTLE_WAIT_MS = 30_000;
const STOP_WAIT_MS = 2_000;
const ROUTE = /^\/api\/([A-Za-z0-9_-]+)\/(envelope|store)\/?$/;

export interface ErrorReceiverOptions {
  store: ErrorStore;
  /** The DSN's public key; requests without it are refused. Keep it stable (persisted) so apps keep working. */
  publicKey: string;
  /** 0 picks a free port. */
  port?: number;
  /** Project id in the DSN; any project id in the URL is accepted, all go to the one store. */
  project?: string;
  /** Largest body accepted as sent (compressed). */
  maxBodyBytes?: number;
  /** Largest body after decompression: a small gzip bomb must not inflate into the extension host's memory. */
  maxDecompressedBytes?: number;
  /** Changes are batched for this long before listeners hear of them, so a burst of events is one UI refresh. */
  notifyDelayMs?: number;
  /** Where bodies are decoded; by default a worker thread (ingestThread.ts). */
  decoder?: IngestThreadOptions;
  /** Bodies waiting for the decoder beyond which the receiver answers 429, as Sentry does when it is overloaded. */
  maxBacklog?: { bodies: number; bytes: number };
}

/** Events the receiver accepted but could not read (an envelope's framing was fine, an event in it was not). */
export interface DroppedEvents {
  count: number;
  /** The first reason in the batch, e.g. `event in item 1 is not valid JSON (…)`. */
  reason: string;
}

/** A random 32-hex-digit key, the shape of Sentry's public keys. */
export function generatePublicKey(): string {
  return randomBytes(16).toString('hex');
}

class RequestRefusal extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

export class ErrorReceiver {
  private server: http.Server | undefined;
  private listeningPort: number | undefined;
  private readonly keyBytes: Buffer;
  private readonly maxBodyBytes: number;
  private readonly maxDecompressedBytes: number;
  private readonly issuesChanged = new Emitter<IssuesChange>();
  private readonly storeSubscription: Disposable;
  private pending: { changed: Map<string, ErrorIssue>; removed: Set<string>; cleared: boolean } | undefined;
  private notifyTimer: NodeJS.Timeout | undefined;
  private readonly decoder: IngestThread;
  private readonly maxBacklog: { bodies: number; bytes: number };
  private readonly dropped = new Emitter<DroppedEvents>();
  private droppedTotal = 0;
  /** The query string and auth headers of the last request whose key matched (see checkKey). */
  private acceptedCredentials: { query: string; sentryAuth?: string | string[]; authorization?: string } | undefined;

  constructor(private readonly options: ErrorReceiverOptions) {
    this.decoder = new IngestThread(({ issues, dropped }) => {
      // Decoded after the answer went out: record what was read, and say what was not.
      if (issues.length > 0) this.options.store.recordFolded(issues);
      if (dropped.length > 0) {
        this.droppedTotal += dropped.length;
        this.dropped.fire({ count: dropped.length, reason: dropped[0] });
      }
    }, options.decoder);
    this.maxBacklog = options.maxBacklog ?? DEFAULT_MAX_BACKLOG;
    this.keyBytes = Buffer.from(options.publicKey, 'utf8');
    this.maxBodyBytes = options.maxBodyBytes ?? MIB;
    this.maxDecompressedBytes = options.maxDecompressedBytes ?? 20 * MIB;
    this.storeSubscription = options.store.onChanged((change) => this.queueNotification(change));
  }

  get port(): number {
    if (this.listeningPort === undefined) throw new Error('the error receiver is not started');
    return this.listeningPort;
  }

  get isRunning(): boolean {
    return this.server !== undefined;
  }

  /** `http://<key>@127.0.0.1:<port>/<project>`: what the app's `SENTRY_DSN` should be. */
  get dsn(): string {
    return `http://${this.options.publicKey}@${RECEIVER_HOST}:${this.port}/${this.options.project ?? '1'}`;
  }

  /** Listens on loopback; rejects (e.g. EADDRINUSE) with a message that names the port. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((request, response) => this.handle(request, response));
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException) => {
        const port = this.options.port ?? 0;
        reject(
          new Error(
            error.code === 'EADDRINUSE'
              ? `port ${port} on ${RECEIVER_HOST} is in use: choose another receiver port`
              : `cannot listen on ${RECEIVER_HOST}:${port}: ${error.message}`,
          ),
        );
      };
      server.once('error', fail);
      server.listen({ port: this.options.port ?? 0, host: RECEIVER_HOST }, () => {
        server.off('error', fail);
        resolve();
      });
    });
    this.server = server;
    this.listeningPort = (server.address() as AddressInfo).port;
  }

  /** Stops listening and closes open connections. The store stays open: the caller closes it. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.listeningPort = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    // Envelopes already answered 200 are the app's errors: read them into the store before the thread goes
    // (what a stuck decoder still holds is then reported dropped).
    await this.settled(STOP_WAIT_MS);
    await this.decoder.stop();
    this.flushNotification();
  }

  /** Stops and stops listening to the store. */
  async dispose(): Promise<void> {
    await this.stop();
    this.storeSubscription.dispose();
    this.issuesChanged.dispose();
    this.dropped.dispose();
  }

  /** Events accepted but unreadable, dropped as Relay drops them (the app was answered 200 already). */
  readonly onEventsDropped: Event<DroppedEvents> = this.dropped.event;

  /** Events dropped since the receiver was created. */
  get droppedEvents(): number {
    return this.droppedTotal;
  }

  /**
   * Resolves once every envelope accepted so far is in the store (or counted as dropped): a few milliseconds.
   * A decoder that is stuck is not waited for beyond `maxWaitMs`.
   */
  async settled(maxWaitMs = SETTLE_WAIT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.decoder.settled(), new Promise((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
    clearTimeout(timer);
  }

  /** Batched store changes (ingest, eviction, clear, load). */
  readonly onIssuesChanged: Event<IssuesChange> = this.issuesChanged.event;

  /**
   * Checks the request line and headers, reads the body, then accepts it. Callbacks rather than promises on
   * the way of an uncompressed envelope: every event an app sends takes it, and a promise per step costs more
   * than the step.
   */
  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    // Only browsers send Origin, and only they read CORS headers: server SDKs are spared five headers a request.
    if (request.headers.origin !== undefined) setCorsHeaders(request, response);
    try {
      const { pathname, query } = splitTarget(request.url ?? '/');
      const route = ROUTE.exec(pathname);
      if (!route) throw new RequestRefusal(404, `no such endpoint: ${pathname}`);
      if (request.method === 'OPTIONS') {
        response.writeHead(204).end();
        discardBody(request);
        return;
      }
      if (request.method !== 'POST') {
        response.setHeader('Allow', 'POST, OPTIONS');
        throw new RequestRefusal(405, `method ${request.method ?? ''} is not allowed; send POST`);
      }
      this.checkKey(query, request);
      const declaredLength = Number(request.headers['content-length']);
      if (declaredLength > this.maxBodyBytes)
        throw new RequestRefusal(413, `body of ${declaredLength} bytes is over the ${this.maxBodyBytes}-byte limit`);
      // An empty header is no encoding: Sentry's Ruby SDK sends `Content-Encoding: ` with every uncompressed envelope.
      const encoding = request.headers['content-encoding']?.trim().toLowerCase() || 'identity';
      if (!DECODERS.has(encoding)) throw new RequestRefusal(415, `unsupported Content-Encoding: ${encoding}`);
      const endpoint = route[2] as IngestEndpoint;
      readBody(request, this.maxBodyBytes, (error, sent) => {
        if (error) return refuse(request, response, error);
        if (encoding === 'identity') return void this.accept(endpoint, sent!, request, response);
        decodeBody(sent!, encoding, this.maxDecompressedBytes).then(
          (body) => this.accept(endpoint, body, request, response),
          (decodeError: unknown) => refuse(request, response, decodeError),
        );
      });
    } catch (error) {
      refuse(request, response, error);
    }
  }

  /** Answers a body that was read (and decompressed); only the legacy endpoint waits for the decoder. */
  private accept(
    endpoint: IngestEndpoint,
    body: Buffer,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): void | Promise<void> {
    try {
      // Stopped while this body was read or inflated: the store may be closing, so nothing is taken any more.
      if (!this.server) throw new RequestRefusal(503, 'the error receiver is stopping; send again once it is back');
      if (endpoint === 'store') return this.acceptStoredEvent(body, request, response);
      const backlog = this.decoder.backlog;
      if (backlog.bodies >= this.maxBacklog.bodies || backlog.bytes + body.length > this.maxBacklog.bytes) {
        response.setHeader('Retry-After', '1');
        throw new RequestRefusal(429, `the receiver is still reading ${backlog.bodies} earlier envelopes; retry in a second`);
      }
      // Like Relay: the framing is checked now (a bad one gets 400 and changes nothing), the events are read after the answer.
      const headerId = checkEnvelopeFraming(body);
      this.decoder.queue('envelope', body);
      replyText(response, 200, idAnswer(headerId));
    } catch (error) {
      refuse(request, response, error);
    }
  }

  /** Legacy single events: read before the answer, so a bad one is refused with 400 and recorded nowhere. */
  private async acceptStoredEvent(body: Buffer, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    try {
      const { id, events } = await this.decoder.decode('store', body);
      if (!this.server) throw new RequestRefusal(503, 'the error receiver is stopping; send again once it is back');
      this.options.store.recordPrepared(events);
      replyText(response, 200, idAnswer(id));
    } catch (error) {
      refuse(request, response, error);
    }
  }

  private checkKey(query: string, request: http.IncomingMessage): void {
    const sentryAuth = request.headers['x-sentry-auth'];
    const authorization = request.headers.authorization;
    // An SDK presents the same query string and headers with every event: the set that passed last passes again
    // without being parsed (the key is found and compared in full only when something differs).
    const accepted = this.acceptedCredentials;
    if (accepted && accepted.query === query && accepted.sentryAuth === sentryAuth && accepted.authorization === authorization) return;
    const key = queryValue(query, 'sentry_key') ?? keyFromAuthHeader(sentryAuth) ?? keyFromAuthHeader(authorization);
    if (!key) throw new RequestRefusal(401, 'missing authorization information: send sentry_key in the query string or X-Sentry-Auth');
    const given = Buffer.from(key, 'utf8');
    if (given.length !== this.keyBytes.length || !timingSafeEqual(given, this.keyBytes)) {
      throw new RequestRefusal(401, 'invalid sentry_key: the DSN does not match this receiver');
    }
    this.acceptedCredentials = { query, sentryAuth, authorization };
  }

  private queueNotification(change: IssuesChange): void {
    if (this.issuesChanged.listenerCount === 0) return;
    const pending = (this.pending ??= { changed: new Map(), removed: new Set(), cleared: false });
    if (change.cleared) {
      pending.changed.clear();
      pending.cleared = true;
    }
    for (const id of change.removed) {
      pending.changed.delete(id);
      pending.removed.add(id);
    }
    for (const issue of change.changed) {
      pending.removed.delete(issue.id);
      pending.changed.set(issue.id, issue);
    }
    if (this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => this.flushNotification(), this.options.notifyDelayMs ?? 100);
    this.notifyTimer.unref();
  }

  private flushNotification(): void {
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyTimer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    const change: IssuesChange = { changed: [...pending.changed.values()], removed: [...pending.removed], cleared: pending.cleared };
    this.issuesChanged.fire(change);
  }
}

/**
 * The path and query of a request target, split by hand: this runs for every event an app sends, and a URL
 * object costs more than the rest of the routing. What needs URL's rules (an absolute target, dot segments,
 * a fragment) still goes through it.
 */
function splitTarget(target: string): { pathname: string; query: string } {
  if (!target.startsWith('/') || target.includes('/.') || target.includes('#')) {
    let url: URL;
    try {
      url = new URL(target, `http://${RECEIVER_HOST}`);
    } catch {
      throw new RequestRefusal(400, `malformed request target: ${target.slice(0, 200)}`);
    }
    return { pathname: url.pathname, query: url.search.slice(1) };
  }
  const queryAt = target.indexOf('?');
  return queryAt < 0 ? { pathname: target, query: '' } : { pathname: target.slice(0, queryAt), query: target.slice(queryAt + 1) };
}

/** The first value of `name` in a query string, names and values decoded as form fields (undefined if absent or malformed). */
function queryValue(query: string, name: string): string | undefined {
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    const key = equals < 0 ? pair : pair.slice(0, equals);
    if (key !== name && formDecode(key) !== name) continue;
    return equals < 0 ? '' : formDecode(pair.slice(equals + 1));
  }
  return undefined;
}

function formDecode(text: string): string | undefined {
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** `Sentry sentry_key=abc, sentry_version=7`. */
function keyFromAuthHeader(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^\s*sentry\s/i.test(value)) return undefined;
  return /sentry_key\s*=\s*([^,\s]+)/i.exec(value)?.[1];
}

/** Browser SDKs post cross-origin (the app's origin is not the receiver's), so preflights must pass. */
function setCorsHeaders(request: http.IncomingMessage, response: http.ServerResponse): void {
  response.setHeader('Access-Control-Allow-Origin', '*');
  response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  response.setHeader(
    'Access-Control-Allow-Headers',
    request.headers['access-control-request-headers'] ?? 'content-type, content-encoding, x-sentry-auth, sentry-trace, baggage',
  );
  response.setHeader('Access-Control-Expose-Headers', 'x-sentry-error, x-sentry-rate-limits, retry-after');
  response.setHeader('Access-Control-Max-Age', '3600');
}

/** What an accepted event is answered with, as Relay does: `{"id":"<event id>"}`, or `{}` without one. */
function idAnswer(id: unknown): string {
  if (typeof id !== 'string' || id === '') return '{}';
  // An SDK's id (32 hex digits, or a UUID) needs no escaping: the answer is written without serializing an object.
  return SDK_EVENT_ID.test(id) ? `{"id":"${id}"}` : JSON.stringify({ id });
}

const SDK_EVENT_ID = /^[0-9a-fA-F-]{1,64}$/;

function reply(response: http.ServerResponse, status: number, body: object): void {
  replyText(response, status, JSON.stringify(body));
}

function replyText(response: http.ServerResponse, status: number, text: string): void {
  // Headers as one flat list: Node writes them as given, where an object is first copied and checked name by name.
  response.writeHead(status, ['Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(text))]);
  response.end(text);
}

type BodyCallback = (error: Error | undefined, body?: Buffer) => void;

/** A body being read (readBody). */
interface BodyInProgress {
  chunks: Buffer[];
  received: number;
  limit: number;
  /** Unset once called. */
  done: BodyCallback | undefined;
}

const BODY = Symbol('body in progress');
type ReadingRequest = http.IncomingMessage & { [BODY]?: BodyInProgress };

/**
 * The body, up to `limit` bytes; beyond that a 413 refusal. Whatever the client still sends is read and
 * dropped (up to a cap), so it sees the answer instead of a reset connection. `done` is called once.
 * The state lives on the request and the listeners are shared functions: four closures per request were a
 * measurable part of what the receiver adds to an HTTP exchange.
 */
function readBody(request: http.IncomingMessage, limit: number, done: BodyCallback): void {
  (request as ReadingRequest)[BODY] = { chunks: [], received: 0, limit, done };
  request.on('data', onBodyData);
  request.on('end', onBodyEnd);
  request.on('error', onBodyError);
  // A client that hangs up mid-body gets no answer; settle so nothing waits for it.
  request.on('close', onBodyClose);
}

function finishBody(request: ReadingRequest, error: Error | undefined, body?: Buffer): void {
  const state = request[BODY];
  const done = state?.done;
  if (!state || !done) return;
  state.done = undefined;
  state.chunks = [];
  done(error, body);
}

function onBodyData(this: ReadingRequest, chunk: Buffer): void {
  const state = this[BODY]!;
  state.received += chunk.length;
  if (state.received <= state.limit) {
    state.chunks.push(chunk);
    return;
  }
  this.off('data', onBodyData);
  this.off('end', onBodyEnd);
  finishBody(this, new RequestRefusal(413, `body is over the ${state.limit}-byte limit`));
}

function onBodyEnd(this: ReadingRequest): void {
  const { chunks, received } = this[BODY]!;
  // A small body arrives in one chunk: that chunk is the body (it is copied to the decoder's batch next).
  finishBody(this, undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received));
}

function onBodyError(this: ReadingRequest, error: Error): void {
  finishBody(this, error);
}

function onBodyClose(this: ReadingRequest): void {
  if (!this.readableEnded) finishBody(this, new RequestRefusal(400, 'the client closed the connection before the body ended'));
}

/** Answers a refused request with its status and `{detail}`, unless an answer went out already. */
function refuse(request: http.IncomingMessage, response: http.ServerResponse, error: unknown): void {
  // A request is destroyed once its body is read, so ask the response whether an answer can still go out.
  if (response.headersSent || response.destroyed) return;
  const status = error instanceof RequestRefusal ? error.status : error instanceof EnvelopeError ? 400 : 500;
  reply(response, status, { detail: (error as Error).message });
  discardBody(request);
}

/** Reads and drops the rest of a refused request; cuts the connection if the client keeps sending. */
function discardBody(request: http.IncomingMessage): void {
  if (request.readableEnded || request.destroyed) return;
  let discarded = 0;
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) request.destroy();
  });
  request.on('error', () => undefined);
  request.resume();
}

type Decoder = (body: Buffer, options: zlib.ZlibOptions) => Promise<Buffer>;
const gunzip = promisify(zlib.gunzip) as Decoder;
const inflate = promisify(zlib.inflate) as Decoder;
const inflateRaw = promisify(zlib.inflateRaw) as Decoder;
const brotliDecompress = promisify(zlib.brotliDecompress) as Decoder;

const DECODERS = new Map<string, Decoder | undefined>([
  ['identity', undefined],
  ['gzip', gunzip],
  ['x-gzip', gunzip],
  // "deflate" should be zlib-wrapped, but some clients send raw deflate.
  [
    'deflate',
    (body, options) =>
      inflate(body, options).catch((error: NodeJS.ErrnoException) =>
        error.code === 'Z_DATA_ERROR' ? inflateRaw(body, options) : Promise.reject(error),
      ),
  ],
  ['br', brotliDecompress],
]);

/** Decompresses with a ceiling on the output: zlib stops as soon as `maxOutputLength` is passed. */
async function decodeBody(body: Buffer, encoding: string, maxDecompressedBytes: number): Promise<Buffer> {
  const decoder = DECODERS.get(encoding);
  if (!decoder) return body;
  try {
    return await decoder(body, { maxOutputLength: maxDecompressedBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new RequestRefusal(413, `body is over ${maxDecompressedBytes} bytes once decompressed`);
    }
    throw new RequestRefusal(400, `body is not valid ${encoding}: ${(error as Error).message}`);
  }
}
