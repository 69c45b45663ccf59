import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  checkEnvelopeFraming,
  EnvelopeError,
  eventFromJson,
  eventsFromEnvelope,
  parseEnvelope,
} from '../../../src/monitor/errors/envelope';

const ENVELOPES = path.join(__dirname, '..', '..', 'fixtures', 'sentry-app', 'envelopes');
const recorded = (name: string) => readFileSync(path.join(ENVELOPES, name));
// A day after the fixtures were recorded: an SDK timestamp is kept unless it lies ahead of the arrival.
const RECEIVED_AT = new Date('2026-11-27T03:04:05.000Z');

function envelope(...lines: Array<string | Buffer>): Buffer {
  return Buffer.concat(lines.flatMap((line) => [Buffer.isBuffer(line) ? line : Buffer.from(line), Buffer.from('\n')]));
}

describe('Sentry envelopes (unit)', () => {
  it('reads an exception event recorded from @sentry/node', () => {
    const parsed = parseEnvelope(recorded('node-exception.envelope'));
    assert.deepEqual(
      parsed.items.map((item) => item.type),
      ['event'],
    );
    const [event] = eventsFromEnvelope(parsed, RECEIVED_AT).events;
    assert.equal(event.detail.eventId, parsed.headers.event_id);
    assert.equal(event.detail.exceptionType, 'TypeError');
    assert.equal(event.detail.exceptionValue, 'order 1001 has no customer');
    assert.equal(event.detail.release, 'sentry-app@1.0.0');
    assert.equal(event.detail.environment, 'test');
    assert.equal(event.level, 'error');
    assert.equal(event.userKey, 'user-1');
    assert.equal(event.messageOnly, false);
    assert.match(event.detail.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(event.detail.timestamp, new Date(1795695584521).toISOString(), 'the SDK timestamp, not the receive time');
    const frames = event.detail.frames;
    assert.equal(frames[0].filename, 'node:internal/main/run_main_module');
    assert.equal(frames[0].inApp, false);
    const innermost = frames[frames.length - 1];
    assert.equal(innermost.function, 'parseOrder');
    assert.equal(innermost.inApp, true);
    assert.match(innermost.filename ?? '', /sentry-app\/app\.js$/);
    assert.equal(typeof innermost.lineno, 'number');
    assert.equal(typeof innermost.colno, 'number');
    assert.match(innermost.contextLine ?? '', /THROWS: parseOrder/);
  });

  it('reads a captureMessage event (no exception type) as a message event', () => {
    const [event] = eventsFromEnvelope(parseEnvelope(recorded('node-message.envelope'))).events;
    assert.equal(event.messageOnly, true);
    assert.equal(event.detail.exceptionType, '');
    assert.equal(event.detail.exceptionValue, 'checkout finished');
    assert.equal(event.level, 'info');
    assert.ok(event.detail.frames.length > 0, 'the synthetic exception carries the stack');
  });

  it('accepts session envelopes and yields no events', () => {
    const parsed = parseEnvelope(recorded('node-session.envelope'));
    assert.deepEqual(
      parsed.items.map((item) => item.type),
      ['session'],
    );
    assert.deepEqual(eventsFromEnvelope(parsed), { events: [], unreadable: [] });
  });

  it('honours item lengths, so binary attachments with newlines do not break the items after them', () => {
    const attachment = Buffer.from([0x00, 0x0a, 0x0a, 0xff, 0x0a]);
    const body = envelope(
      '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}',
      `{"type":"attachment","length":${attachment.length},"filename":"dump.bin"}`,
      attachment,
      '{"type":"profile_chunk_from_the_future"}',
      '{"anything":true}',
      '{"type":"event","length":41}',
      '{"message":"hello","level":"warning"}    ',
    );
    const parsed = parseEnvelope(body);
    assert.deepEqual(
      parsed.items.map((item) => item.type),
      ['attachment', 'profile_chunk_from_the_future', 'event'],
    );
    assert.deepEqual([...parsed.items[0].payload], [...attachment]);
    const [event] = eventsFromEnvelope(parsed).events;
    assert.equal(event.detail.eventId, '9ec79c33ec9942ab8353589fcb2e04dc', 'falls back to the envelope header id');
    assert.equal(event.detail.exceptionValue, 'hello');
    assert.equal(event.level, 'warning');
  });

  it('accepts an envelope without a final newline and a last item without length', () => {
    const parsed = parseEnvelope(Buffer.from('{}\n{"type":"event"}\n{"message":"x"}'));
    assert.equal(parsed.items.length, 1);
    assert.equal(eventsFromEnvelope(parsed).events[0].detail.exceptionValue, 'x');
  });

  it('refuses truncated, malformed and empty envelopes with a reason (parsing, and the receiver’s framing check alike)', () => {
    for (const check of [parseEnvelope, checkEnvelopeFraming]) {
      assert.throws(() => check(Buffer.from('{}\n{"type":"event","length":500}\n{"message":"x"}\n')), /truncated: 500 bytes announced/);
      assert.throws(
        () => check(Buffer.from('{"event_id":\n{"type":"event"}\n{}\n')),
        (error: Error) => error instanceof EnvelopeError && /envelope header is not valid JSON/.test(error.message),
      );
      assert.throws(() => check(Buffer.from('[]\n')), /envelope header is not a JSON object/);
      assert.throws(() => check(Buffer.from('{}\n{"length":2}\n{}\n')), /item 1 has no type/);
      assert.throws(() => check(Buffer.from('{}\n{"type":"event"}\n{}\n\n{"type":"event","length":-1}\n')), /item 2 has an invalid length/);
      assert.throws(() => check(Buffer.alloc(0)), /empty envelope/);
    }
    const recordedEnvelope = recorded('node-exception.envelope');
    assert.equal(checkEnvelopeFraming(recordedEnvelope), parseEnvelope(recordedEnvelope).headers.event_id);
    assert.equal(checkEnvelopeFraming(recordedEnvelope), 'b62caef2f60941ff8c545caef1b0e724');
    // An unreadable event item is dropped on its own, with its reason; a readable one beside it is kept.
    const mixed = eventsFromEnvelope(
      parseEnvelope(Buffer.from('{}\n{"type":"event"}\n{"exception":\n{"type":"event"}\n{"message":"still here"}\n')),
    );
    assert.equal(mixed.unreadable.length, 1);
    assert.match(mixed.unreadable[0], /event in item 1 is not valid JSON/);
    assert.deepEqual(
      mixed.events.map((e) => e.detail.exceptionValue),
      ['still here'],
    );
  });

  it("reads a frame left without in_app beside frames marked in-app as not in-app (Go's SDK omits false), and leaves a stack with no marks unmarked", () => {
    const go = eventFromJson({
      exception: {
        values: [
          {
            type: 'runtime.boundsError',
            stacktrace: {
              frames: [
                { abs_path: '/usr/lib/go-1.19/src/net/http/server.go', module: 'net/http', lineno: 2109 },
                { abs_path: '/srv/shop/main.go', module: 'main', lineno: 28, in_app: true },
              ],
            },
          },
        ],
      },
    });
    assert.deepEqual(
      go.detail.frames.map((f) => f.inApp),
      [false, true],
    );
    const unmarked = eventFromJson({ exception: { values: [{ type: 'E', stacktrace: { frames: [{ filename: '/a.js', lineno: 1 }] } }] } });
    assert.equal(unmarked.detail.frames[0].inApp, undefined);
  });

  it('uses the last exception of a chain, and frames of the crashed thread for message events', () => {
    const chained = eventFromJson({
      exception: {
        values: [
          { type: 'ENOENT', value: 'cause' },
          { type: 'ConfigError', value: 'cannot load config', stacktrace: { frames: [{ filename: '/a.js', lineno: 3, in_app: true }] } },
        ],
      },
    });
    assert.equal(chained.detail.exceptionType, 'ConfigError');
    assert.deepEqual(
      chained.detail.frames.map((f) => f.lineno),
      [3],
    );
    const threaded = eventFromJson({
      message: { formatted: 'slow query took 3000ms', message: 'slow query took %sms' },
      threads: { values: [{ id: 1 }, { id: 2, crashed: true, stacktrace: { frames: [{ filename: '/db.js', lineno: 9 }] } }] },
    });
    assert.equal(threaded.detail.exceptionValue, 'slow query took 3000ms');
    assert.deepEqual(
      threaded.detail.frames.map((f) => f.filename),
      ['/db.js'],
    );
  });

  it('reads timestamps as seconds or ISO text, falling back to the receive time', () => {
    assert.equal(eventFromJson({ timestamp: 1767323045.5 }).detail.timestamp, '2026-01-02T03:04:05.500Z');
    assert.equal(eventFromJson({ timestamp: '2026-01-02T03:04:05.123+01:00' }).detail.timestamp, '2026-01-02T02:04:05.123Z');
    assert.equal(eventFromJson({ timestamp: '2026-01-02T03:04:05' }).detail.timestamp, '2026-01-02T03:04:05.000Z', 'no zone means UTC');
    assert.equal(eventFromJson({ timestamp: 'yesterday' }, RECEIVED_AT).detail.timestamp, RECEIVED_AT.toISOString());
    assert.equal(eventFromJson({}, RECEIVED_AT).detail.timestamp, RECEIVED_AT.toISOString());
    // Milliseconds sent where seconds belong: the year 58897 would sort first as text; the receive time is used.
    const received = new Date('2026-12-05T10:00:00.000Z');
    assert.equal(eventFromJson({ timestamp: received.getTime() }, received).detail.timestamp, received.toISOString());
    assert.equal(eventFromJson({ timestamp: '2027-01-01T00:00:00Z' }, received).detail.timestamp, received.toISOString());
    const aheadByMinutes = received.getTime() / 1000 + 30 * 60;
    assert.equal(
      eventFromJson({ timestamp: aheadByMinutes }, received).detail.timestamp,
      '2026-12-05T10:30:00.000Z',
      'a clock off by minutes is kept',
    );
  });

  it('keys users by id, else email, username or IP, and maps unknown levels to error', () => {
    assert.equal(eventFromJson({ user: { email: 'a@example.com', ip_address: '10.0.0.1' } }).userKey, 'a@example.com');
    assert.equal(eventFromJson({ user: { ip_address: '10.0.0.1' } }).userKey, '10.0.0.1');
    assert.equal(eventFromJson({ user: { id: 42 } }).userKey, '42');
    assert.equal(eventFromJson({}).userKey, undefined);
    assert.equal(eventFromJson({ level: 'critical' }).level, 'fatal');
    assert.equal(eventFromJson({ level: 'loud' }).level, 'error');
  });

  it('keeps an SDK fingerprint as sent, {{ default }} included (grouping reads it)', () => {
    assert.deepEqual(eventFromJson({ fingerprint: ['db', 'timeout'] }).fingerprint, ['db', 'timeout']);
    assert.deepEqual(eventFromJson({ fingerprint: ['{{ default }}', 'x'] }).fingerprint, ['{{ default }}', 'x']);
  });
});
