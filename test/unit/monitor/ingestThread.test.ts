import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import type { StackFrame } from '../../../src/monitor/errors/errorModel';
import { EnvelopeError } from '../../../src/monitor/errors/envelope';
import { DEFAULT_MAX_BACKLOG } from '../../../src/monitor/errors/errorReceiver';
import { ErrorStore } from '../../../src/monitor/errors/errorStore';
import { decodeIngestBody, foldByIssue, prepareEvent, type PreparedEvent } from '../../../src/monitor/errors/ingestDecoding';
import { IngestThread, type DecodedEvents, type IngestThreadOptions } from '../../../src/monitor/errors/ingestThread';

const ENVELOPES = path.join(__dirname, '..', '..', 'fixtures', 'sentry-app', 'envelopes');
const EXCEPTION = readFileSync(path.join(ENVELOPES, 'node-exception.envelope'));
const MESSAGE = readFileSync(path.join(ENVELOPES, 'node-message.envelope'));
/** The recorded envelope with its event cut short: the framing holds, the event's JSON does not. */
const BROKEN_EVENT = EXCEPTION.subarray(0, EXCEPTION.length - 200);

describe('error receiver decoder thread (unit, real worker threads)', function () {
  // A thread started from source compiles its TypeScript first.
  this.timeout(20_000);
  const threads: IngestThread[] = [];
  const decoded: DecodedEvents[] = [];
  const start = (options?: IngestThreadOptions) => {
    const thread = new IngestThread((batch) => decoded.push(batch), options);
    threads.push(thread);
    return thread;
  };
  const allIssues = () => decoded.flatMap((batch) => batch.issues);
  const eventCount = () => allIssues().reduce((sum, issue) => sum + issue.count, 0);
  const allDropped = () => decoded.flatMap((batch) => batch.dropped);

  afterEach(async () => {
    await Promise.all(threads.splice(0).map((thread) => thread.stop()));
    decoded.splice(0);
  });

  it('decodes queued envelopes on another thread, in order, and says which could not be read', async () => {
    const thread = start();
    assert.equal(thread.usesWorker, true);
    thread.queue('envelope', EXCEPTION);
    thread.queue('envelope', BROKEN_EVENT);
    thread.queue('envelope', MESSAGE);
    assert.deepEqual(thread.backlog, { bodies: 3, bytes: EXCEPTION.length + BROKEN_EVENT.length + MESSAGE.length });
    assert.notEqual(thread.threadId, undefined);
    assert.notEqual(thread.threadId, threadId);
    await thread.settled();

    assert.deepEqual(thread.backlog, { bodies: 0, bytes: 0 });
    const expected = [...decodeIngestBody('envelope', EXCEPTION).events, ...decodeIngestBody('envelope', MESSAGE).events];
    assert.deepEqual(
      allIssues().map(({ issueId, latest, count }) => [issueId, latest.detail.exceptionType, latest.detail.exceptionValue, count]),
      expected.map((event) => [event.issueId, event.detail.exceptionType, event.detail.exceptionValue, 1]),
    );
    assert.equal(allDropped().length, 1);
    assert.match(allDropped()[0], /^event in item 1 is not valid JSON/);
  });

  it('fills the buffer the thread hands back with the next batch, and reads only the new bodies from it', async () => {
    const thread = start();
    for (let n = 0; n < 3; n++) thread.queue('envelope', EXCEPTION);
    await thread.settled();
    const spare = (thread as unknown as { spareBuffer?: Buffer }).spareBuffer;
    assert.ok(spare && spare.length >= 3 * EXCEPTION.length, 'the first batch’s buffer came back');
    decoded.splice(0);
    // A shorter batch in the same buffer: the end of the first batch's bytes is still there, after it.
    thread.queue('envelope', MESSAGE);
    assert.equal((thread as unknown as { spareBuffer?: Buffer }).spareBuffer, undefined, 'taken for the new batch');
    await thread.settled();
    assert.deepEqual(
      allIssues().map((issue) => issue.latest.detail.exceptionValue),
      decodeIngestBody('envelope', MESSAGE).events.map((event) => event.detail.exceptionValue),
    );
    assert.deepEqual(allDropped(), []);

    // A burst's batch over 4 MiB is decoded, and its buffer let go rather than kept for a quiet minute.
    const burst = Math.ceil((4 * 1024 * 1024) / EXCEPTION.length) + 1;
    for (let n = 0; n < burst; n++) thread.queue('envelope', EXCEPTION);
    await thread.settled();
    assert.equal(eventCount(), 1 + burst);
    assert.equal((thread as unknown as { spareBuffer?: Buffer }).spareBuffer, undefined);
  });

  // Linux only, like the whole suite (it reads /proc here; the integration tests need Debian's services).
  it('runs the thread at a lower priority than the main thread, on Linux', async () => {
    // Nice values of this process's threads, from /proc (the 17th field after the command name in parentheses).
    const niceValues = () =>
      readdirSync('/proc/self/task').map((task) => {
        const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    assert.equal(niceValues().filter((nice) => nice > 0).length, 0, 'no thread of the test process starts lowered');
    const thread = start();
    thread.queue('envelope', EXCEPTION);
    await thread.settled();
    assert.deepEqual(
      niceValues().filter((nice) => nice > 0),
      [10],
    );
  });

  it('settles for the bodies queued before the call, while an app keeps sending', async () => {
    const thread = start();
    let sending = true;
    let sent = 0;
    const sender = (async () => {
      while (sending) {
        // Past the receiver's backlog limit it answers 429 and queues nothing: without that, on a loaded machine
        // the backlog grew by gigabytes, and the decoding of the bodies sent before the call with it.
        const { bodies, bytes } = thread.backlog;
        if (bodies < DEFAULT_MAX_BACKLOG.bodies && bytes + MESSAGE.length <= DEFAULT_MAX_BACKLOG.bytes) {
          thread.queue('envelope', MESSAGE);
          sent++;
        }
        // Without a pause: whenever a batch comes back, newer bodies are already waiting.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sentBefore = sent;
    await thread.settled();
    assert.ok(eventCount() >= sentBefore, `${eventCount()} of the ${sentBefore} bodies sent before are decoded`);
    assert.ok(sent > sentBefore, 'bodies kept coming meanwhile');
    sending = false;
    await sender;
    await thread.settled();
    assert.equal(eventCount(), sent);
  });

  it('answers an awaited /store/ body with its events, or with the EnvelopeError that becomes a 400', async () => {
    const thread = start();
    const payload = Buffer.from(EXCEPTION.toString('utf8').split('\n')[2]);
    const read = await thread.decode('store', payload);
    assert.match(read.id ?? '', /^[0-9a-f]{32}$/);
    assert.equal(read.events.length, 1);
    // Crossing threads as JSON drops keys whose value is undefined, as saving the store does.
    const here = JSON.parse(JSON.stringify(decodeIngestBody('store', payload).events[0])) as PreparedEvent;
    assert.deepEqual(read.events[0], here, 'the same event as decoded on this thread');
    await assert.rejects(thread.decode('store', Buffer.from('{"message": ')), (error: Error) => {
      assert.ok(error instanceof EnvelopeError);
      assert.match(error.message, /^event is not valid JSON/);
      return true;
    });
    assert.deepEqual(decoded, [], 'awaited bodies are not reported as queued ones');
  });

  it('pairs each awaited /store/ body with its own events when one in the same batch fails', async () => {
    const thread = start();
    const event = (message: string) => Buffer.from(JSON.stringify({ event_id: message.padEnd(32, '0'), message }));
    // Sent together, so they are decoded in one batch; the bad one comes first.
    const [bad, b, c] = await Promise.allSettled([
      thread.decode('store', Buffer.from('{bad')),
      thread.decode('store', event('b')),
      thread.decode('store', event('c')),
    ]);
    assert.equal(bad.status, 'rejected');
    assert.ok(b.status === 'fulfilled' && c.status === 'fulfilled', `${JSON.stringify([b, c])}`);
    assert.deepEqual(
      [b.value, c.value].map((read) => [read.id?.[0], read.events.map((e) => e.detail.exceptionValue)]),
      [
        ['b', ['b']],
        ['c', ['c']],
      ],
    );
  });

  it('drops an unreadable event item alone: the readable one in the same envelope is kept, and one drop is counted', async () => {
    const thread = start();
    const mixed = Buffer.from('{}\n{"type":"event"}\n{"exception":\n{"type":"event"}\n{"message":"kept"}\n');
    thread.queue('envelope', mixed);
    await thread.settled();
    assert.deepEqual(
      allIssues().map((issue) => issue.latest.detail.exceptionValue),
      ['kept'],
    );
    assert.equal(allDropped().length, 1);
    assert.match(allDropped()[0], /^event in item 1 is not valid JSON/);
  });

  it('reports queued bodies as dropped when the thread fails, and starts a new thread for the next body', async () => {
    const failing = "require('node:worker_threads').parentPort.on('message', () => { throw new Error('decoder bug'); });";
    const thread = start({ script: { source: failing } });
    thread.queue('envelope', EXCEPTION);
    thread.queue('envelope', MESSAGE);
    await thread.settled();
    assert.deepEqual(allDropped(), ['the event decoder failed: decoder bug', 'the event decoder failed: decoder bug']);
    await assert.rejects(thread.decode('store', Buffer.from('{}')), /the event decoder failed: decoder bug/);
  });

  it('stops after a quiet spell and starts again with the next body', async () => {
    const thread = start({ idleMs: 30 });
    thread.queue('envelope', MESSAGE);
    await thread.settled();
    const first = thread.threadId;
    assert.notEqual(first, undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(thread.threadId, undefined, 'the idle thread stopped');
    thread.queue('envelope', MESSAGE);
    await thread.settled();
    assert.notEqual(thread.threadId, first);
    assert.equal(eventCount(), 2);
  });

  it('decodes on the calling thread where the bundle has no worker script', async () => {
    const thread = start({ script: undefined });
    assert.equal(thread.usesWorker, false);
    thread.queue('envelope', EXCEPTION);
    thread.queue('envelope', BROKEN_EVENT);
    await thread.settled();
    assert.equal(eventCount(), 1);
    assert.equal(allDropped().length, 1);
    assert.equal(thread.threadId, undefined);
  });
});

describe('a batch’s events folded by issue on the decoder thread (unit)', () => {
  const frame = (fn: string): StackFrame => ({ filename: '/app/orders.js', function: fn, lineno: 3, inApp: true });
  const prepared = (
    issueId: string,
    minute: number,
    fn: string,
    more: Partial<PreparedEvent['detail']> & { user?: string } = {},
  ): PreparedEvent => ({
    issueId,
    level: 'error',
    culprit: `${fn} (/app/orders.js)`,
    userHash: more.user,
    detail: {
      eventId: `${issueId}-${minute}-${fn}`,
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
      release: more.release,
      environment: more.environment,
      exceptionType: 'TypeError',
      exceptionValue: `${issueId} at ${minute}`,
      frames: [frame(fn)],
    },
  });
  /** The store's issues after recording `batches` folded, and after recording their events one at a time. */
  const recordBothWays = (batches: PreparedEvent[][]) =>
    withStores((store) => {
      const oneByOne = store('events');
      const folded = store('folds');
      for (const batch of batches) {
        for (const event of batch) oneByOne.recordPrepared([event]);
        folded.recordFolded(foldByIssue(batch));
      }
      return { oneByOne: oneByOne.issues(), folded: folded.issues() };
    });

  it('keeps each issue’s newest event (the last of equals) whole, counts the rest, and the store ends up the same', async () => {
    // Out of order, with a tie at minute 5 for issue a, and a second issue.
    const events = [
      prepared('a', 3, 'first', { release: 'app@1.0.0', user: 'u1' }),
      prepared('a', 5, 'tieEarlier', { user: 'u2' }),
      prepared('b', 1, 'onlyB'),
      prepared('a', 2, 'late', { release: 'app@0.9.0', user: 'u1' }),
      prepared('a', 5, 'tieLater', { release: 'app@1.1.0' }),
    ];
    const folds = foldByIssue(events);
    assert.deepEqual(
      folds.map((fold) => [fold.issueId, fold.count, fold.latest.detail.frames.map((f) => f.function), fold.userHashes]),
      [
        ['a', 4, ['tieLater'], ['u1', 'u2']],
        ['b', 1, ['onlyB'], []],
      ],
    );
    assert.equal(folds[0].firstSeen, '2026-01-01T00:02:00.000Z');
    assert.equal(folds[0].firstRelease, 'app@1.0.0');
    assert.deepEqual(
      { ...folds[0].releases },
      {
        'app@1.0.0': '2026-01-01T00:03:00.000Z',
        '': '2026-01-01T00:05:00.000Z',
        'app@0.9.0': '2026-01-01T00:02:00.000Z',
        'app@1.1.0': '2026-01-01T00:05:00.000Z',
      },
    );

    // Two batches: the second adds to the issues the first created.
    const { oneByOne, folded } = await recordBothWays([events.slice(0, 2), events.slice(2)]);
    assert.deepEqual(folded, oneByOne);
    const a = folded.find((issue) => issue.id === 'a');
    assert.deepEqual([a?.count, a?.userCount, a?.culprit, a?.lastRelease], [4, 2, 'tieLater (/app/orders.js)', 'app@1.1.0']);
  });

  it('keeps the names of the newest event that has them when the newest has none (culprit, release, environment)', async () => {
    const withStack = prepareEvent({
      detail: {
        eventId: 'x1',
        timestamp: '2026-01-01T00:01:00.000Z',
        release: 'shop@2.0.0',
        environment: 'staging',
        exceptionType: 'TypeError',
        exceptionValue: 'boom',
        frames: [frame('parseOrder')],
      },
      level: 'error',
      fingerprint: ['checkout'],
      messageOnly: false,
    });
    const message = prepareEvent({
      detail: { eventId: 'x2', timestamp: '2026-01-01T00:02:00.000Z', exceptionType: '', exceptionValue: 'checkout failed', frames: [] },
      level: 'warning',
      fingerprint: ['checkout'],
      messageOnly: true,
    });
    assert.equal(withStack.issueId, message.issueId, 'one issue, by the SDK fingerprint');
    const [fold] = foldByIssue([withStack, message]);
    assert.equal(fold.latest, message);
    assert.deepEqual(
      [fold.culprit?.value, fold.lastRelease?.value, fold.environment?.value, fold.exceptionType],
      ['parseOrder (/app/orders.js)', 'shop@2.0.0', 'staging', 'TypeError'],
    );
    const { oneByOne, folded } = await recordBothWays([[withStack, message]]);
    assert.deepEqual(folded, oneByOne);
    assert.deepEqual([folded[0].culprit, folded[0].level, folded[0].environment], ['parseOrder (/app/orders.js)', 'warning', 'staging']);
  });

  it('takes names only from events not older than the issue’s last one, as event by event (an offline queue flushed late)', async () => {
    const { oneByOne, folded } = await recordBothWays([
      [prepared('a', 15, 'current', { release: 'app@2.0.0', environment: 'production' })],
      // Older than the issue's last event, then a newer one that names nothing.
      [
        prepared('a', 10, 'queued', { release: 'app@1.0.0', environment: 'staging' }),
        { ...prepared('a', 20, 'message'), culprit: undefined },
      ],
    ]);
    assert.deepEqual(folded, oneByOne);
    assert.deepEqual(
      [folded[0].culprit, folded[0].lastRelease, folded[0].environment, folded[0].count, folded[0].lastSeen],
      ['current (/app/orders.js)', 'app@2.0.0', 'production', 3, '2026-01-01T00:20:00.000Z'],
    );
  });

  it('reopens a resolved issue when any event of a batch comes from the resolving release or later', async () => {
    await withStores((stores) => {
      const store = stores('store');
      store.recordFolded(foldByIssue([prepared('a', 1, 'f', { release: 'app@1.0.0' })]));
      store.resolve('a', '1.1.0');
      // The newest event still comes from the old release; an older one in the same batch from the fixed one.
      store.recordFolded(foldByIssue([prepared('a', 3, 'f', { release: 'app@1.1.0' }), prepared('a', 4, 'f', { release: 'app@1.0.0' })]));
      assert.equal(store.issue('a')?.status, 'regressed');
    });
  });
});

/**
 * Runs `use` with error stores in a temporary folder; then the stores write what they still have pending (a store
 * saves after a delay) and the folder is removed, so no save lands after it.
 */
async function withStores<T>(use: (store: (name: string) => ErrorStore) => T): Promise<T> {
  const directory = mkdtempSync(path.join(tmpdir(), 'cnv-fold-'));
  const stores: ErrorStore[] = [];
  try {
    return use((name) => {
      const store = new ErrorStore({ directory: path.join(directory, name) });
      stores.push(store);
      return store;
    });
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    rmSync(directory, { recursive: true, force: true });
  }
}
