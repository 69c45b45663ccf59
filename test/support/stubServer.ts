// One node:http lifecycle for every local stand-in of a service the tests talk to (GitHub, Jira, Linear,
// Jenkins, Sentry, the npm registry, a Kubernetes API server, uptime targets): it listens on 127.0.0.1, logs
// each request the way its stub wants it recorded, reads the body, routes, answers JSON or text, and plays
// scripted faults (a status, a delay, a connection that hangs or is dropped, a body that is not JSON).
// Stopping it destroys the connections still open (hung requests, watches, endless logs) and pending timers.
import * as http from 'node:http';
import * as os from 'node:os';
import type { AddressInfo, Socket } from 'node:net';

export type StubHeaders = Record<string, string>;

/** A request body read as JSON: `value` is undefined when the body is empty. */
export type JsonBody = { ok: true; value: unknown } | { ok: false };

/**
 * A scripted answer in place of the stub's own: a status with a JSON or text body, the normal answer
 * after a delay, no answer at all (`hang`: the client's timeout has to end it), or a cut connection.
 */
export type Fault =
  { status: number; json?: unknown; text?: string | Buffer; headers?: StubHeaders } | { delayMs: number } | 'hang' | 'drop';

/** One request and its answer. */
export class StubExchange {
  readonly method: string;
  /** Absolute, against the stub's own URL. */
  readonly url: URL;

  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
    /** The request body as text. */
    readonly body: string,
    private readonly server: StubServer<unknown>,
  ) {
    this.method = req.method ?? 'GET';
    this.url = new URL(req.url ?? '/', server.url);
  }

  get headers(): http.IncomingHttpHeaders {
    return this.req.headers;
  }

  /** Path and query, as sent. */
  get path(): string {
    return `${this.url.pathname}${this.url.search}`;
  }

  readJson(): JsonBody {
    if (this.body === '') return { ok: true, value: undefined };
    try {
      return { ok: true, value: JSON.parse(this.body) as unknown };
    } catch {
      return { ok: false };
    }
  }

  /** Answers `body` as it is; header names are case-insensitive, later ones win. */
  send(status: number, body: string | Buffer = '', ...headers: (StubHeaders | undefined)[]): void {
    this.res.writeHead(status, mergeHeaders(...headers)).end(body);
  }

  /** Answers `body` as JSON (nothing for undefined), with the stub's JSON content type unless `headers` name another. */
  sendJson(status: number, body: unknown, ...headers: (StubHeaders | undefined)[]): void {
    this.send(status, body === undefined ? '' : JSON.stringify(body), { 'content-type': this.server.jsonType }, ...headers);
  }

  /** Plays `fault`; `serve` gives the normal answer (after a delay). */
  fault(fault: Fault, serve: () => void = () => undefined): void {
    if (fault === 'hang') return;
    if (fault === 'drop') return void this.req.socket.destroy();
    if ('delayMs' in fault) return this.later(fault.delayMs, serve);
    if (fault.text !== undefined) return this.send(fault.status, fault.text, fault.headers);
    this.sendJson(fault.status, fault.json, fault.headers);
  }

  /** Runs `then` after `ms`, unless the client has gone or the stub has stopped by then. */
  later(ms: number, then: () => void): void {
    this.server.later(ms, () => {
      if (!this.res.destroyed) then();
    });
  }
}

export interface StubServerOptions<R> {
  handle(exchange: StubExchange, record: R): void | Promise<void>;
  /** The request log entry of an exchange; none when absent or undefined. */
  record?(exchange: StubExchange): R | undefined;
  /** The request body as text (e.g. gunzipped); UTF-8 by default. */
  decode?(raw: Buffer, req: http.IncomingMessage): string;
  /** Content type of JSON answers. Default `application/json; charset=utf-8`. */
  jsonType?: string;
  /** The URL's path after the port, e.g. `/` or `/graphql`. Default none. */
  urlPath?: string;
  /** The IPv4 address to listen on: 127.0.0.1 by default; another machine's view of this one for what must stay local. */
  host?: string;
}

/** An address of this machine that is not the loopback (what another machine on the network would reach), if any. */
export function nonLoopbackAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((address) => address?.family === 'IPv4' && !address.internal)?.address;
}

export class StubServer<R = never> {
  /** http://127.0.0.1:PORT (or the `host` asked for), and `urlPath` when given. */
  url = '';
  port = 0;
  readonly requests: R[] = [];
  readonly jsonType: string;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly options: StubServerOptions<R>) {
    this.jsonType = options.jsonType ?? 'application/json; charset=utf-8';
    this.server = http.createServer((req, res) => void this.receive(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start<R = never>(options: StubServerOptions<R>): Promise<StubServer<R>> {
    const stub = new StubServer(options);
    await stub.listen(0);
    stub.port = (stub.server.address() as AddressInfo).port;
    stub.url = `http://${stub.host}:${stub.port}${options.urlPath ?? ''}`;
    return stub;
  }

  /** Runs `then` after `ms` unless the stub stops first. */
  later(ms: number, then: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      then();
    }, ms);
    this.timers.add(timer);
  }

  /** Stops listening and cuts every open connection, as a crashed or unreachable server would. */
  async dropConnections(): Promise<void> {
    // close() calls back with an error when the server has stopped already: stopped is what was asked.
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await closed;
  }

  /** Listens again on the same port after `dropConnections()`. */
  resume(): Promise<void> {
    return this.listen(this.port);
  }

  stop(): Promise<void> {
    return this.dropConnections();
  }

  private get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private async receive(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away mid-request
    }
    const raw = Buffer.concat(chunks);
    try {
      const exchange = new StubExchange(req, res, this.options.decode ? this.options.decode(raw, req) : raw.toString('utf8'), this);
      const record = this.options.record?.(exchange);
      if (record !== undefined) this.requests.push(record);
      await this.options.handle(exchange, record as R);
    } catch (error) {
      // A stub that breaks says so to the test through the answer, rather than taking the test process down.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`stub failed: ${String(error)}`);
    }
  }
}

/** Scripted faults, played in order, one per request; an entry can wait for a request it `matches`. */
export class FaultScript<F> {
  private readonly queue: { fault: F | undefined; left: number; matches?: (exchange: StubExchange) => boolean }[] = [];

  /** The next `times` requests (that `matches`) get `fault`, once `after` requests have been served normally. */
  next(fault: F, options: { times?: number; after?: number; matches?: (exchange: StubExchange) => boolean } = {}): void {
    if (options.after) this.queue.push({ fault: undefined, left: options.after });
    this.queue.push({ fault, left: options.times ?? 1, matches: options.matches });
  }

  /** The fault for this request, or undefined to serve it normally. */
  take(exchange: StubExchange): F | undefined {
    const index = this.queue.findIndex((entry) => !entry.matches || entry.matches(exchange));
    if (index < 0) return undefined;
    const entry = this.queue[index];
    if (--entry.left <= 0) this.queue.splice(index, 1);
    return entry.fault;
  }
}

export interface Route {
  method: string;
  /** Matched against the pathname; its groups are the route's parameters. */
  path: RegExp;
  answer(exchange: StubExchange, ...params: string[]): void;
}

/** The first route for `method` whose path matches `pathname`, and its parameters. */
export function findRoute<T extends { method: string; path: RegExp }>(
  routes: readonly T[],
  method: string,
  pathname: string,
): { route: T; params: string[] } | undefined {
  for (const route of routes) {
    const match = route.method === method ? route.path.exec(pathname) : null;
    if (match) return { route, params: match.slice(1) };
  }
  return undefined;
}

/** Header names folded to lower case, so that a later `Content-Type` replaces an earlier `content-type`. */
function mergeHeaders(...headers: (StubHeaders | undefined)[]): StubHeaders {
  const merged: StubHeaders = {};
  for (const set of headers) {
    for (const [name, value] of Object.entries(set ?? {})) merged[name.toLowerCase()] = value;
  }
  return merged;
}

/** A port nothing listens on: bound once by the OS, then released. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
