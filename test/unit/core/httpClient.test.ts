// The one HTTP client against a real node:http server on loopback: deadlines that cover the body, the caller's
// cancel, Retry-After, token scrubbing, JSON reading, and whose words an error status gets.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isServiceError, ServiceError } from '../../../src/core/errors';
import { HttpClient } from '../../../src/core/http/httpClient';
import type { HttpClientOptions } from '../../../src/core/http/httpClient';
import { serviceErrorOf } from '../../support/serviceError';

const TOKEN = 'tok_0123456789abcdef';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const serviceError = (promise: Promise<unknown>) => serviceErrorOf(promise, [TOKEN]);

describe('HttpClient against a loopback server (unit)', () => {
  let server: http.Server;
  let baseUrl: string;
  const routes = new Map<string, Handler>();
  const seen: http.IncomingMessage[] = [];
  const client = (options: Partial<HttpClientOptions> = {}) =>
    new HttpClient({ service: 'the stub', baseUrl, timeoutMs: 2_000, secrets: () => [TOKEN], ...options });

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(req);
      const handler = routes.get(new URL(req.url ?? '/', 'http://stub').pathname);
      if (handler) handler(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(() => {
    routes.clear();
    seen.length = 0;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends JSON bodies, the service headers and a fresh Authorization, under the base URL', async () => {
    let body = '';
    routes.set('/api/items', (req, res) => {
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":7}'));
    });
    let token = 'first';
    const answer = await client({
      baseUrl: `${baseUrl}api/`,
      headers: { 'User-Agent': 'conveyor-test' },
      authorization: () => `Bearer ${token}`,
    }).json({ method: 'POST', url: 'items', body: { title: 'x' } });
    assert.deepEqual(answer, { id: 7 });
    assert.deepEqual(JSON.parse(body), { title: 'x' });
    assert.equal(seen[0].headers['content-type'], 'application/json');
    assert.equal(seen[0].headers['user-agent'], 'conveyor-test');
    assert.equal(seen[0].headers.authorization, 'Bearer first');
    token = 'second';
    await client({ baseUrl: `${baseUrl}api/`, authorization: () => `Bearer ${token}` })
      .send({ method: 'POST', url: '/items', body: 'plain' })
      .then((a) => a.discard());
    assert.equal(seen[1].headers.authorization, 'Bearer second');
  });

  it('times out while the body is still streaming, not only before the headers', async () => {
    routes.set('/slow', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('the first half, ');
      // The second half never comes.
    });
    const answer = await client({ timeoutMs: 300 }).send({ url: '/slow' });
    assert.equal(answer.status, 200);
    const error = await serviceError(answer.text());
    assert.deepEqual([error.service, error.kind, error.message], ['the stub', 'timeout', 'The stub did not answer within 0.3 s']);
  });

  it('hands the body to a reader as it arrives', async () => {
    routes.set('/stream', (_req, res) => {
      res.writeHead(200);
      res.write('a');
      setTimeout(() => res.end('b'), 50);
    });
    const chunks: string[] = [];
    const answer = await client().send({ url: '/stream' });
    await answer.read(async (response) => {
      const reader = response.body?.getReader();
      for (let read = await reader?.read(); read && !read.done; read = await reader?.read())
        chunks.push(Buffer.from(read.value).toString());
    });
    assert.equal(chunks.join(''), 'ab');
  });

  it("passes the caller's own cancel through unchanged, before and during the body", async () => {
    routes.set('/hang', () => undefined);
    const before = new AbortController();
    const reason = new DOMException('the user stopped it', 'AbortError');
    const pending = client().send({ url: '/hang', signal: before.signal });
    setTimeout(() => before.abort(reason), 50);
    await assert.rejects(pending, (error: unknown) => error === reason);

    routes.set('/slow', (_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const during = new AbortController();
    const answer = await client().send({ url: '/slow', signal: during.signal });
    setTimeout(() => during.abort(reason), 50);
    await assert.rejects(answer.text(), (error: unknown) => error === reason && !isServiceError(error));
  });

  it('reads Retry-After in seconds and as an HTTP date on a 429', async () => {
    routes.set('/seconds', (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end());
    const seconds = await serviceError(client().send({ url: '/seconds', purpose: 'list the items' }));
    assert.deepEqual([seconds.kind, seconds.status, seconds.retryAfterMs], ['rate-limited', 429, 7_000]);
    assert.equal(seconds.message, 'The stub answered the request to list the items with 429');

    const at = new Date(Date.now() + 120_000).toUTCString();
    routes.set('/date', (_req, res) => res.writeHead(429, { 'retry-after': at }).end());
    const date = await serviceError(client().send({ url: '/date' }));
    assert.equal(date.kind, 'rate-limited');
    assert.ok(date.retryAfterMs !== undefined && date.retryAfterMs > 100_000 && date.retryAfterMs <= 120_000, String(date.retryAfterMs));
  });

  it("scrubs the secrets out of every message, the service's own words included", async () => {
    routes.set('/echo', (_req, res) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad token ${TOKEN}`));
    const described = await serviceError(
      client({ describeStatus: (answer) => new ServiceError('the stub', 'invalid', `The stub said: ${answer.body}`) }).send({
        url: '/echo',
      }),
    );
    assert.equal(described.message, 'The stub said: bad token ***');
    assert.equal(client().error('server', `oops ${TOKEN}`).message, 'oops ***');
    const network = await serviceError(
      client({ baseUrl: 'http://127.0.0.1:1/', describeNetwork: () => `Cannot reach the stub with ${TOKEN}` }).send({ url: '/' }),
    );
    assert.equal(network.message, 'Cannot reach the stub with ***');
  });

  it('calls an answer that is not JSON malformed, naming what was expected', async () => {
    routes.set('/html', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>'));
    const error = await serviceError(client().json({ url: '/html' }, 'the item list'));
    assert.deepEqual([error.kind, error.message], ['malformed', 'The stub sent the item list that is not JSON']);
  });

  it("words an error status with the service's describeStatus (the request's first), else with a generic sentence", async () => {
    routes.set('/missing', (_req, res) => res.writeHead(404, 'Not Here').end('{"message":"no such item"}'));
    routes.set('/broken', (_req, res) => res.writeHead(502).end());
    const worded = client({
      describeStatus: (answer) =>
        answer.status === 404
          ? new ServiceError('the stub', 'not-found', `Item not found (${answer.statusText}: ${answer.body})`, { status: answer.status })
          : undefined,
    });
    const missing = await serviceError(worded.send({ url: '/missing' }));
    assert.deepEqual(
      [missing.kind, missing.status, missing.message],
      ['not-found', 404, 'Item not found (Not Here: {"message":"no such item"})'],
    );
    const ownWords = await serviceError(
      worded.send({ url: '/missing', describeStatus: () => new ServiceError('the stub', 'not-found', 'That item is gone') }),
    );
    assert.equal(ownWords.message, 'That item is gone');

    const generic = await serviceError(worded.send({ url: '/broken', purpose: 'read the item' }));
    assert.deepEqual(
      [generic.kind, generic.status, generic.message],
      ['server', 502, 'The stub answered the request to read the item with 502'],
    );
    const accepted = await worded.send({ url: '/missing', accept: [404] });
    assert.equal(accepted.status, 404);
    await accepted.discard();
  });

  it("words a refused connection and a timeout generically, with the service's hint", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await serviceError(
      client({ baseUrl: `http://127.0.0.1:${port}`, networkHint: ': check the stub URL' }).send({ url: '/' }),
    );
    assert.deepEqual([refused.kind, refused.message], ['unreachable', 'Cannot reach the stub: connection refused: check the stub URL']);

    routes.set('/hang', () => undefined);
    const late = await serviceError(client({ timeoutMs: 200, networkHint: ': check the stub URL' }).send({ url: '/hang' }));
    assert.deepEqual([late.kind, late.message], ['timeout', 'The stub did not answer within 0.2 s: check the stub URL']);
  });
});
