import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { buildSync } from 'esbuild';
import type { ErrorIssue } from '../../../src/monitor/errors/errorModel';
import { ErrorReceiver, generatePublicKey, type DroppedEvents } from '../../../src/monitor/errors/errorReceiver';
import { ErrorStore, STORE_FILE_NAME } from '../../../src/monitor/errors/errorStore';
import type { IssuesChange } from '../../../src/monitor/errors/errorStore';
import { FrameMapper, frameNotes, issueLocation, locationsByFile } from '../../../src/monitor/errors/frameMapping';
import { GO_DIR, GO_SOURCE_PATH, KUBE_SETUP_COMMAND } from '../../../scripts/kube/tools';
import { projectCache } from '../../../scripts/setup/cache';

const REPO = path.resolve(__dirname, '..', '..', '..');
const APP_DIR = path.join(REPO, 'test', 'fixtures', 'sentry-app');
const RECORDED_EVENT = readFileSync(path.join(APP_DIR, 'envelopes', 'node-exception.envelope'));
const run = promisify(execFile);

/** 1-based line of the `THROWS: <name>` marker, and the column of the expression V8 reports there. */
function thrownAt(file: string, name: string, expression: string): { line: number; column: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(`THROWS: ${name}`));
  assert.ok(index >= 0, `marker ${name} in ${file}`);
  return { line: index + 1, column: lines[index].indexOf(expression) + 1 };
}

/** Runs a Sentry-instrumented script to completion (it flushes before exiting). */
async function runApp(script: string, dsn: string): Promise<void> {
  await run(process.execPath, [script], {
    env: { ...process.env, SENTRY_DSN: dsn, NODE_PATH: path.join(REPO, 'node_modules'), NODE_OPTIONS: '' },
    timeout: 20_000,
  });
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request, so the tests control chunking, headers and encodings exactly. */
function send(
  port: number,
  options: { path?: string; method?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer | Buffer[] },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path: options.path ?? '/api/1/envelope/', method: options.method ?? 'POST', headers: options.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
    const parts = options.body === undefined ? [] : Array.isArray(options.body) ? options.body : [options.body];
    for (const part of parts) request.write(part);
    request.end();
  });
}

const GO_SHOP_DIR = path.join(REPO, 'test', 'fixtures', 'sentry-app-go');
/** Kept between runs beside the other caches: a -trimpath build compiles the standard library again (25 s) when it is empty. */
const GO_BUILD_CACHE = projectCache('go-build');

/** Builds the Go shop in `folder` (GOPATH mode on Debian's Go sources: the module proxy cannot be reached here) and runs it. */
async function runGoShop(receiver: ErrorReceiver, folder: string, options: { trimpath?: boolean; gopath?: string } = {}): Promise<void> {
  const built = mkdtempSync(path.join(tmpdir(), 'cnv-go-shop-'));
  try {
    const gopath = [options.gopath, GO_SOURCE_PATH].filter(Boolean).join(path.delimiter);
    const env = { ...process.env, GO111MODULE: 'off', GOPATH: gopath, GOCACHE: GO_BUILD_CACHE, GOFLAGS: '' };
    const args = ['build', ...(options.trimpath ? ['-trimpath'] : []), '-o', path.join(built, 'shop'), '.'];
    await run(path.join(GO_DIR, 'bin', 'go'), args, { cwd: folder, env, timeout: 120_000 }).catch((error: Error & { stderr?: string }) => {
      throw new Error(`go build failed (${KUBE_SETUP_COMMAND} installs Go and the SDK): ${error.stderr ?? error.message}`);
    });
    await run(path.join(built, 'shop'), [], { env: { ...process.env, SENTRY_DSN: receiver.dsn }, timeout: 30_000 });
    await receiver.settled();
  } finally {
    rmSync(built, { recursive: true, force: true });
  }
}

const detail = (answer: Answer) => (JSON.parse(answer.body) as { detail?: string }).detail ?? '';
const byType = (issues: ErrorIssue[], type: string) => issues.find((issue) => issue.exceptionType === type);

describe('local error receiver with the real Sentry SDK (integration)', function () {
  this.timeout(60_000);
  let directory: string;
  let publicKey: string;
  let store: ErrorStore;
  let receiver: ErrorReceiver;
  const workspaces: string[] = [];

  async function startReceiver(): Promise<void> {
    store = new ErrorStore({ directory, saveDelayMs: 50 });
    await store.load();
    receiver = new ErrorReceiver({ store, publicKey, port: 0, notifyDelayMs: 20 });
    await receiver.start();
  }

  async function stopReceiver(): Promise<void> {
    await receiver.dispose();
    await store.close();
  }

  const envelopeUrl = (key = publicKey) => `/api/1/envelope/?sentry_version=7&sentry_key=${key}`;

  beforeEach(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'cnv-receiver-'));
    publicKey = generatePublicKey();
    await startReceiver();
  });

  afterEach(async () => {
    await stopReceiver();
    rmSync(directory, { recursive: true, force: true });
    for (const workspace of workspaces.splice(0)) rmSync(workspace, { recursive: true, force: true });
  });

  it('groups the events of a plain JavaScript app and maps its frames to the lines that threw', async () => {
    const changes: IssuesChange[] = [];
    receiver.onIssuesChanged((change) => changes.push(change));
    assert.match(receiver.dsn, new RegExp(`^http://${publicKey}@127\\.0\\.0\\.1:${receiver.port}/1$`));

    await runApp(path.join(APP_DIR, 'app.js'), receiver.dsn);
    await receiver.settled();

    const issues = store.issues();
    assert.equal(issues.length, 3, issues.map((i) => i.title).join('\n'));
    const missingCustomer = byType(issues, 'TypeError')!;
    assert.equal(missingCustomer.count, 3, 'the same error thrown three times (different order ids) is one issue');
    assert.equal(missingCustomer.userCount, 3);
    // The title is the latest event's; the SDK sends the three concurrently, so any of them may arrive last.
    assert.match(missingCustomer.title, /^TypeError: order 100[123] has no customer$/);
    assert.equal(missingCustomer.firstRelease, 'sentry-app@1.0.0');
    assert.equal(byType(issues, 'RangeError')?.count, 1);
    const message = issues.find((issue) => issue.title === 'checkout finished');
    assert.equal(message?.level, 'info');
    assert.deepEqual(issues.map((i) => i.shortId).sort(), ['LOCAL-1', 'LOCAL-2', 'LOCAL-3']);

    const app = path.join(APP_DIR, 'app.js');
    const mapper = new FrameMapper({ roots: [APP_DIR] });
    assert.deepEqual(await issueLocation(missingCustomer, mapper), { file: app, ...thrownAt(app, 'parseOrder', 'new TypeError') });
    assert.deepEqual(await issueLocation(byType(issues, 'RangeError')!, mapper), {
      file: app,
      ...thrownAt(app, 'chargeCard', 'new RangeError'),
    });
    const lines = (await locationsByFile(issues, mapper)).get(app)?.map((location) => location.line);
    assert.deepEqual(lines?.slice(0, 2), [thrownAt(app, 'parseOrder', 'new').line, thrownAt(app, 'chargeCard', 'new').line]);

    await new Promise((resolve) => setTimeout(resolve, 50));
    const announced = new Set(changes.flatMap((change) => change.changed.map((issue) => issue.id)));
    assert.deepEqual([...announced].sort(), issues.map((i) => i.id).sort(), 'listeners heard of every issue');
    assert.ok(changes.length < 5, `changes were batched (${changes.length} notifications for 5 events)`);
  });

  it('maps frames of a TypeScript app built by esbuild back to the .ts lines through its source map', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'cnv-ts-app-'));
    workspaces.push(workspace);
    cpSync(path.join(APP_DIR, 'src'), path.join(workspace, 'src'), { recursive: true });
    const source = path.join(workspace, 'src', 'checkout.ts');
    const outfile = path.join(workspace, 'dist', 'checkout.js');
    buildSync({ entryPoints: [source], outfile, sourcemap: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'silent' });

    await runApp(outfile, receiver.dsn);
    await receiver.settled();

    const issues = store.issues();
    const inventory = byType(issues, 'InventoryError');
    assert.equal(inventory?.count, 2, 'two quantities, one issue');
    assert.equal(inventory?.firstRelease, 'sentry-ts-app@2.0.0');
    const coupon = byType(issues, 'TypeError');
    assert.match(coupon?.exceptionValue ?? '', /reading 'percent'/);
    const topFrame = coupon!.latestEvent!.frames.at(-1)!;
    assert.equal(topFrame.filename, outfile, 'the SDK reports the built file');

    const mapper = new FrameMapper({ roots: [workspace] });
    assert.deepEqual(await issueLocation(inventory, mapper), { file: source, ...thrownAt(source, 'reserve', 'new InventoryError') });
    const couponAt = await issueLocation(coupon!, mapper);
    assert.equal(couponAt?.file, source);
    assert.equal(couponAt?.line, thrownAt(source, 'applyCoupon', '').line);
    assert.notEqual(topFrame.lineno, couponAt?.line, 'the built line differs: the source map did the work');
  });

  it("groups a Python app's errors sent by the real Python SDK (Debian's python3-sentry-sdk) by the line that raised, and maps them to it", async () => {
    const app = path.join(REPO, 'test', 'fixtures', 'sentry-app-python', 'app.py');
    // Debian's interpreter: the package installs the SDK for it, not for a python3 of pyenv or a venv on PATH.
    await run('/usr/bin/python3', [app], { env: { ...process.env, SENTRY_DSN: receiver.dsn }, timeout: 30_000 });
    await receiver.settled();

    const issues = store.issues();
    assert.equal(issues.length, 2, issues.map((i) => i.title).join('\n'));
    const missingPrice = byType(issues, 'KeyError');
    assert.equal(missingPrice?.count, 3, "KeyError: 'kiwi', 'mango' and 'fig' from one line are one issue, as in Sentry");
    assert.match(missingPrice?.title ?? '', /^KeyError: '(kiwi|mango|fig)'$/);
    assert.equal(missingPrice?.firstRelease, 'shop-py@2.0.0');
    assert.equal(byType(issues, 'ZeroDivisionError')?.count, 1);

    const mapper = new FrameMapper({ roots: [path.dirname(app)] });
    assert.deepEqual(await issueLocation(missingPrice, mapper), { file: app, line: thrownAt(app, 'price_of', '').line, column: 1 });
    assert.equal((await issueLocation(byType(issues, 'ZeroDivisionError')!, mapper))?.line, thrownAt(app, 'split_bill', '').line);
  });

  it("groups a Ruby app's errors sent by the real Ruby SDK (Debian's ruby-sentry-ruby) by the line that raised, and maps them to it", async () => {
    const app = path.join(REPO, 'test', 'fixtures', 'sentry-app-ruby', 'app.rb');
    await run('/usr/bin/ruby', [app], { env: { ...process.env, SENTRY_DSN: receiver.dsn }, timeout: 30_000 });
    await receiver.settled();

    const issues = store.issues();
    const missingStock = byType(issues, 'KeyError');
    assert.equal(issues.length, 1, issues.map((i) => i.title).join('\n'));
    assert.equal(missingStock?.count, 3, 'key not found: "kiwi", "mango" and "fig" from one line are one issue');
    assert.equal(missingStock?.firstRelease, 'shop-rb@3.0.0');
    const mapper = new FrameMapper({ roots: [path.dirname(app)] });
    assert.equal((await issueLocation(missingStock, mapper))?.file, app);
    assert.equal((await issueLocation(missingStock, mapper))?.line, thrownAt(app, 'stock_of', '').line);
  });

  it("groups a Go service's errors sent by the real Go SDK and its net/http middleware (Debian's sentry-go) by line, and maps them", async () => {
    const app = path.join(GO_SHOP_DIR, 'main.go');
    await runGoShop(receiver, GO_SHOP_DIR);

    const issues = store.issues();
    assert.equal(issues.length, 2, issues.map((i) => i.title).join('\n'));
    const missingStock = byType(issues, '*errors.fundamental');
    assert.equal(missingStock?.count, 3, 'no stock for "kiwi", "mango" and "fig" from one line are one issue');
    assert.equal(missingStock?.firstRelease, 'shop-go@4.0.0');
    const panic = byType(issues, 'runtime.boundsError');
    assert.match(panic?.title ?? '', /index out of range \[3\] with length 1/);
    const serverFrames = panic!.latestEvent!.frames.filter((frame) => frame.module === 'net/http');
    assert.ok(serverFrames.length > 0, 'the middleware reports the stack through net/http');

    const mapper = new FrameMapper({ roots: [path.dirname(app)] });
    assert.deepEqual(await issueLocation(missingStock, mapper), { file: app, line: thrownAt(app, 'stockOf', '').line, column: 1 });
    assert.deepEqual(await issueLocation(panic!, mapper), { file: app, line: thrownAt(app, 'reserve', '').line, column: 1 });
    // The SDK leaves in_app out for the standard library's frames: they are not the service's, so nothing is said of them.
    assert.ok(serverFrames.every((frame) => frame.inApp === false));
    assert.deepEqual(await frameNotes(panic!, mapper), []);
  });

  it('maps the frames of a Go service built with -trimpath (import paths, as in container builds) through its go.mod', async () => {
    // The shop as a module at example.com/shop: -trimpath names its files by that import path, and the standard
    // library's by theirs (net/http/server.go); the SDK then marks no frame in-app and sends no source lines.
    const gopath = mkdtempSync(path.join(tmpdir(), 'cnv-go-path-'));
    workspaces.push(gopath);
    const folder = path.join(gopath, 'src', 'example.com', 'shop');
    cpSync(GO_SHOP_DIR, folder, { recursive: true });
    writeFileSync(path.join(folder, 'go.mod'), 'module example.com/shop\n\ngo 1.19\n');
    await runGoShop(receiver, folder, { trimpath: true, gopath });

    const issues = store.issues();
    const panic = byType(issues, 'runtime.boundsError')!;
    const top = panic.latestEvent!.frames.at(-1)!;
    assert.equal(top.filename, 'example.com/shop/main.go', 'an import path, not a path on disk');
    const app = path.join(folder, 'main.go');
    const mapper = new FrameMapper({ roots: [folder] });
    assert.deepEqual(await issueLocation(panic, mapper), { file: app, line: thrownAt(app, 'reserve', '').line, column: 1 });
    assert.deepEqual(await frameNotes(panic, mapper), [], "net/http's frames are the standard library's: nothing to say of them");
    const missingStock = issues.filter((issue) => issue.exceptionType === '*errors.fundamental');
    assert.ok(missingStock.length > 0);
    for (const issue of missingStock) assert.equal((await issueLocation(issue, mapper))?.line, thrownAt(app, 'stockOf', '').line);
  });

  it('keeps issues across a restart of the receiver and keeps counting them', async () => {
    await runApp(path.join(APP_DIR, 'app.js'), receiver.dsn);
    await receiver.settled();
    const before = store.issues();
    await stopReceiver();

    await startReceiver();
    assert.deepEqual(store.issues(), JSON.parse(JSON.stringify(before)), 'the same issues, as saved');
    await runApp(path.join(APP_DIR, 'app.js'), receiver.dsn);
    await receiver.settled();
    const after = store.issues();
    assert.deepEqual(after.map((i) => i.shortId).sort(), before.map((i) => i.shortId).sort());
    assert.equal(byType(after, 'TypeError')?.count, 6);
    assert.equal(byType(after, 'TypeError')?.userCount, 3, 'the same three users');
  });

  it('refuses bad requests with Sentry-like answers, keeps serving and leaves stored issues untouched', async () => {
    const port = receiver.port;
    const dropped: DroppedEvents[] = [];
    receiver.onEventsDropped((drop) => dropped.push(drop));
    const good = await send(port, { path: envelopeUrl(), body: RECORDED_EVENT });
    assert.equal(good.status, 200);
    assert.match(good.body, /^\{"id":"[0-9a-f]{32}"\}$/);
    await receiver.settled();
    const stored = store.issues();
    assert.equal(stored.length, 1);

    // As in Relay: the envelope's framing is fine, so it is accepted; its event cannot be read, so it is dropped and said.
    const truncated = await send(port, { path: envelopeUrl(), body: RECORDED_EVENT.subarray(0, RECORDED_EVENT.length - 200) });
    assert.equal(truncated.status, 200, truncated.body);
    await receiver.settled();
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0].count, 1);
    assert.match(dropped[0].reason, /event in item 1 is not valid JSON/);
    assert.equal(receiver.droppedEvents, 1);
    const lengthCut = await send(port, { path: envelopeUrl(), body: Buffer.from('{}\n{"type":"event","length":9000}\n{"message":"x"}\n') });
    assert.equal(lengthCut.status, 400);
    assert.match(detail(lengthCut), /truncated/);
    const badHeader = await send(port, { path: envelopeUrl(), body: Buffer.from('{"event_id": nope}\n{"type":"event"}\n{}\n') });
    assert.equal(badHeader.status, 400);
    assert.match(detail(badHeader), /envelope header is not valid JSON/);

    const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024), { level: 9 });
    assert.ok(bomb.length < 1024 * 1024, 'the bomb itself fits under the compressed limit');
    const bombAnswer = await send(port, { path: envelopeUrl(), headers: { 'Content-Encoding': 'gzip' }, body: bomb });
    assert.equal(bombAnswer.status, 413);
    assert.match(detail(bombAnswer), /once decompressed/);
    const notGzip = await send(port, { path: envelopeUrl(), headers: { 'Content-Encoding': 'gzip' }, body: RECORDED_EVENT });
    assert.equal(notGzip.status, 400);

    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const declared = await send(port, { path: envelopeUrl(), headers: { 'Content-Length': big.length }, body: big });
    assert.equal(declared.status, 413);
    const chunked = await send(port, { path: envelopeUrl(), body: Array.from({ length: 32 }, () => big.subarray(0, 64 * 1024)) });
    assert.equal(chunked.status, 413, 'a chunked body without Content-Length is cut at the limit too');

    const wrongKey = await send(port, { path: envelopeUrl(generatePublicKey()), body: RECORDED_EVENT });
    assert.equal(wrongKey.status, 401);
    assert.match(detail(wrongKey), /invalid sentry_key/);
    const noKey = await send(port, { path: '/api/1/envelope/', body: RECORDED_EVENT });
    assert.equal(noKey.status, 401);
    assert.match(detail(noKey), /missing authorization/);

    const unknownItems = await send(port, {
      path: envelopeUrl(),
      body: Buffer.from('{}\n{"type":"replay_video","length":3}\nabc\n{"type":"client_report"}\n{"discarded_events":[]}\n'),
    });
    assert.equal(unknownItems.status, 200);
    assert.equal(unknownItems.body, '{}');

    assert.equal((await send(port, { path: '/api/1/nothing/', body: RECORDED_EVENT })).status, 404);
    const get = await send(port, { path: envelopeUrl(), method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST, OPTIONS');
    const unsupported = await send(port, { path: envelopeUrl(), headers: { 'Content-Encoding': 'zstd' }, body: RECORDED_EVENT });
    assert.equal(unsupported.status, 415);

    await receiver.settled();
    assert.deepEqual(store.issues(), stored, 'no bad request touched the stored issues');
    const again = await send(port, { path: envelopeUrl(), body: RECORDED_EVENT });
    assert.equal(again.status, 200, 'still serving');
    await receiver.settled();
    assert.equal(store.issues()[0].count, 2);
    assert.equal(receiver.droppedEvents, 1, 'only the unreadable event was dropped');
  });

  it('takes the key from X-Sentry-Auth, compressed bodies, legacy /store/ events and browser preflights', async () => {
    const port = receiver.port;
    const auth = { 'X-Sentry-Auth': `Sentry sentry_version=7, sentry_client=sentry.javascript.browser/10.0.0, sentry_key=${publicKey}` };
    for (const [encoding, body] of [
      ['gzip', zlib.gzipSync(RECORDED_EVENT)],
      ['deflate', zlib.deflateSync(RECORDED_EVENT)],
      ['deflate', zlib.deflateRawSync(RECORDED_EVENT)],
      ['br', zlib.brotliCompressSync(RECORDED_EVENT)],
    ] as const) {
      const answer = await send(port, { headers: { ...auth, 'Content-Encoding': encoding }, body });
      assert.equal(answer.status, 200, `${encoding}: ${answer.body}`);
    }
    await receiver.settled();
    assert.equal(store.issues()[0].count, 4);

    const legacy = await send(port, {
      path: `/api/7/store/?sentry_key=${publicKey}`,
      body: Buffer.from(
        JSON.stringify({ event_id: 'c0ffee00c0ffee00c0ffee00c0ffee00', message: 'legacy client says hi', level: 'warning' }),
      ),
    });
    assert.equal(legacy.status, 200);
    assert.equal(legacy.body, '{"id":"c0ffee00c0ffee00c0ffee00c0ffee00"}');
    assert.equal(store.issues().find((i) => i.title === 'legacy client says hi')?.level, 'warning');

    // The key percent-encoded among other parameters, and a target in absolute form (as a proxy sends it).
    const encodedKey = [...publicKey].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    for (const target of [
      `/api/1/envelope/?sentry_version=7&sentry_client=x%2B1&sentry_key=${encodedKey}`,
      `http://127.0.0.1:${port}/api/1/envelope/?sentry_key=${publicKey}`,
      `/api/1/envelope/?sentry%5Fkey=${publicKey}#fragment`,
      `/api/1/../1/envelope/?sentry_key=${publicKey}`,
    ]) {
      const answer = await send(port, { path: target, body: RECORDED_EVENT });
      assert.equal(answer.status, 200, `${target}: ${answer.body}`);
    }
    const emptyKey = await send(port, { path: '/api/1/envelope/?sentry_key=&sentry_version=7', body: RECORDED_EVENT });
    assert.equal(emptyKey.status, 401, emptyKey.body);
    const malformedKey = await send(port, { path: '/api/1/envelope/?sentry_key=%E0%A4%A', body: RECORDED_EVENT });
    assert.equal(malformedKey.status, 401, malformedKey.body);
    await receiver.settled();
    const unparsable = await send(port, { path: `http://[x/api/1/envelope/?sentry_key=${publicKey}`, body: RECORDED_EVENT });
    assert.equal(unparsable.status, 400, unparsable.body);
    assert.equal(store.issues().find((i) => i.count >= 4)?.count, 8, 'the four accepted envelopes joined the four above');

    const preflight = await send(port, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, sentry-trace',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    assert.match(preflight.headers['access-control-allow-methods'] ?? '', /POST/);
    assert.equal(preflight.headers['access-control-allow-headers'], 'content-type, sentry-trace');
  });

  it("lets no other key through after accepting one: an SDK's repeated credentials are remembered, not trusted blindly", async () => {
    const port = receiver.port;
    const otherKey = generatePublicKey();
    const sentryAuth = (key: string) => ({
      'X-Sentry-Auth': `Sentry sentry_version=7, sentry_client=sentry.python/2.0.0, sentry_key=${key}`,
    });
    const answers: Array<[string, number]> = [];
    for (const [name, request] of [
      ['query key', { path: envelopeUrl() }],
      ['same query again', { path: envelopeUrl() }],
      ['same query, other key', { path: envelopeUrl(otherKey) }],
      ['header key', { path: '/api/1/envelope/', headers: sentryAuth(publicKey) }],
      ['same header again', { path: '/api/1/envelope/', headers: sentryAuth(publicKey) }],
      ['same path, other header key', { path: '/api/1/envelope/', headers: sentryAuth(otherKey) }],
      ['same path, no header', { path: '/api/1/envelope/' }],
      [
        'accepted query with an Authorization header added',
        { path: envelopeUrl(), headers: { Authorization: `Sentry sentry_key=${otherKey}` } },
      ],
      ['Authorization header alone, other key', { path: '/api/1/envelope/', headers: { Authorization: `Sentry sentry_key=${otherKey}` } }],
    ] as const) {
      answers.push([name, (await send(port, { ...request, body: RECORDED_EVENT })).status]);
    }
    assert.deepEqual(answers, [
      ['query key', 200],
      ['same query again', 200],
      ['same query, other key', 401],
      ['header key', 200],
      ['same header again', 200],
      ['same path, other header key', 401],
      ['same path, no header', 401],
      // The query's key is the one read first (as before), so an extra header does not change the answer.
      ['accepted query with an Authorization header added', 200],
      ['Authorization header alone, other key', 401],
    ]);
    await receiver.settled();
    assert.equal(store.issues()[0].count, 5, 'the five accepted envelopes, and none of the refused ones, were stored');
  });

  it('keeps oversized events bounded: gzip envelopes that inflate to 19 MiB, stacks of 10,000 frames; all load after a restart', async () => {
    const [header, itemHeader, payload] = RECORDED_EVENT.toString('utf8').split('\n');
    const recorded = JSON.parse(payload) as {
      exception: { values: Array<{ type: string; value: string; stacktrace: { frames: unknown[] } }> };
    };
    /** The recorded SDK event with its message and stack replaced, once per error type (each its own issue). */
    const envelopes = (types: string[], value: string, frames: unknown[]) => {
      const event = structuredClone(recorded);
      Object.assign(event.exception.values[0], { type: 'TYPE', value, stacktrace: { frames } });
      const text = [header, itemHeader, JSON.stringify(event), ''].join('\n');
      return types.map((type) => zlib.gzipSync(Buffer.from(text.replace('"type":"TYPE"', `"type":"${type}"`))));
    };
    const sdkFrames = recorded.exception.values[0].stacktrace.frames;
    const deepStack = Array.from({ length: 10_000 }, (_, n) => ({
      ...(sdkFrames.at(-1) as object),
      function: `recurse${n}`,
      lineno: n + 1,
    }));
    const types = (prefix: string, count: number) => Array.from({ length: count }, (_, n) => `${prefix}${n}Error`);
    const bodies = [
      ...envelopes(types('HugeMessage', 12), 'x'.repeat(19 * 1024 * 1024), sdkFrames),
      ...envelopes(types('DeepStack', 60), 'too much recursion', deepStack),
    ];
    assert.ok(bodies[0].length < 64 * 1024, `a 19 MiB message gzips to ${bodies[0].length} bytes`);

    for (const body of bodies) {
      const answer = await send(receiver.port, { path: envelopeUrl(), headers: { 'Content-Encoding': 'gzip' }, body });
      assert.equal(answer.status, 200, answer.body);
      // Three 19 MiB bodies waiting to be read would reach the backlog limit (a 429, tested below).
      await receiver.settled();
    }
    await receiver.settled();
    const before = store.issues();
    assert.equal(before.length, 72);
    const huge = before.find((issue) => issue.exceptionType === 'HugeMessage0Error')!;
    assert.ok(huge.latestEvent!.trimmed!.characters > 19 * 1024 * 1024 - 8192);
    assert.ok(huge.title.length <= 8192 + 256);
    const deep = before.find((issue) => issue.exceptionType === 'DeepStack0Error')!;
    assert.equal(deep.latestEvent?.frames.length, 50);
    assert.equal(deep.latestEvent?.trimmed?.frames, 9950);

    const saveErrors: Error[] = [];
    await stopReceiver();
    const fileBytes = statSync(path.join(directory, STORE_FILE_NAME)).size;
    // 72 issues at the limits: about 10 KiB each (an 8 KiB message, 50 frames).
    assert.ok(fileBytes < 2 * 1024 * 1024, `store file of ${fileBytes} bytes`);

    store = new ErrorStore({ directory, saveDelayMs: 50, onSaveError: (error) => saveErrors.push(error) });
    assert.deepEqual(await store.load(), { loaded: 72 });
    assert.deepEqual(store.issues(), JSON.parse(JSON.stringify(before)), 'every issue loads as it was saved');
    receiver = new ErrorReceiver({ store, publicKey, port: 0, notifyDelayMs: 20 });
    await receiver.start();
    const again = await send(receiver.port, { path: envelopeUrl(), headers: { 'Content-Encoding': 'gzip' }, body: bodies[0] });
    assert.equal(again.status, 200);
    await receiver.settled();
    await store.flush();
    assert.deepEqual(saveErrors, []);
    assert.equal(store.issues().find((issue) => issue.exceptionType === 'HugeMessage0Error')?.count, 2);
  });

  it('answers 429 with Retry-After while the decoder is behind, and stores every envelope it accepted', async () => {
    await receiver.dispose();
    receiver = new ErrorReceiver({ store, publicKey, port: 0, maxBacklog: { bodies: 3, bytes: 64 * 1024 * 1024 } });
    await receiver.start();
    const answers = await Promise.all(Array.from({ length: 40 }, () => send(receiver.port, { path: envelopeUrl(), body: RECORDED_EVENT })));
    const accepted = answers.filter((answer) => answer.status === 200).length;
    const refused = answers.filter((answer) => answer.status === 429);
    assert.ok(accepted >= 3 && refused.length > 0, `${accepted} accepted, ${refused.length} refused`);
    assert.equal(accepted + refused.length, 40);
    assert.equal(refused[0].headers['retry-after'], '1');
    assert.match(detail(refused[0]), /still reading \d+ earlier envelopes; retry in a second/);
    await receiver.settled();
    assert.equal(store.issues()[0]?.count, accepted, 'every accepted envelope, and no refused one, is in the store');
    const later = await send(receiver.port, { path: envelopeUrl(), body: RECORDED_EVENT });
    assert.equal(later.status, 200, 'accepted again once the decoder caught up');
  });

  it('stops within seconds even when its decoder is stuck, and reports the envelopes it had accepted as dropped', async () => {
    await receiver.dispose();
    const stuck = "require('node:worker_threads').parentPort.on('message', () => {});";
    receiver = new ErrorReceiver({ store, publicKey, port: 0, decoder: { script: { source: stuck } } });
    const dropped: DroppedEvents[] = [];
    receiver.onEventsDropped((drop) => dropped.push(drop));
    await receiver.start();
    assert.equal((await send(receiver.port, { path: envelopeUrl(), body: RECORDED_EVENT })).status, 200);
    const started = Date.now();
    await receiver.stop();
    assert.ok(Date.now() - started < 5_000, `stopped in ${Date.now() - started} ms`);
    assert.deepEqual(dropped, [{ count: 1, reason: 'the error receiver stopped before the event was read' }]);
    assert.equal(store.size, 0);
  });

  it('refuses to start on a port that is taken, naming it', async () => {
    const second = new ErrorReceiver({ store, publicKey, port: receiver.port });
    await assert.rejects(second.start(), new RegExp(`port ${receiver.port} on 127\\.0\\.0\\.1 is in use`));
    await second.dispose();
  });
});
