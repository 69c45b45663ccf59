import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ErrorIssue } from '../../../src/monitor/errors/errorModel';
import { eventFromJson } from '../../../src/monitor/errors/envelope';
import { boundIssue, EVENT_LIMITS } from '../../../src/monitor/errors/eventLimits';
import { ErrorStore, STORE_FILE_NAME } from '../../../src/monitor/errors/errorStore';
import { fingerprintOf } from '../../../src/monitor/errors/issueGrouping';
import { anErrorIssue } from '../../support/builders';

interface SdkFrame {
  filename: string;
  function: string;
  lineno: number;
  in_app: boolean;
  context_line?: string;
}

/** A Sentry event as the SDK sends it (outermost frame first). */
function sdkEvent(frames: SdkFrame[], value = 'order 7 has no customer'): Record<string, unknown> {
  return {
    event_id: 'a'.repeat(32),
    timestamp: 1767225600,
    release: 'shop@1.0.0',
    exception: { values: [{ type: 'TypeError', value, stacktrace: { frames } }] },
    breadcrumbs: { values: Array.from({ length: 500 }, (_, n) => ({ message: `crumb ${n}`.repeat(100) })) },
    extra: { blob: 'x'.repeat(100_000) },
  };
}

const libraryFrame = (n: number): SdkFrame => ({
  filename: '/app/node_modules/lib/index.js',
  function: `recurse${n}`,
  lineno: n + 1,
  in_app: false,
});
const appFrame = (n: number): SdkFrame => ({ filename: '/app/src/orders.js', function: `step${n}`, lineno: n + 1, in_app: true });

describe('event limits (unit)', () => {
  it('keeps 50 of 10,000 frames, the outermost and the innermost, and counts the rest', () => {
    const frames = Array.from({ length: 10_000 }, (_, n) => appFrame(n));
    const { detail } = eventFromJson(sdkEvent(frames));
    assert.equal(detail.frames.length, EVENT_LIMITS.framesPerStack);
    assert.deepEqual(
      detail.frames.map((f) => f.function),
      [...Array.from({ length: 25 }, (_, n) => `step${n}`), ...Array.from({ length: 25 }, (_, n) => `step${9975 + n}`)],
    );
    assert.deepEqual(detail.trimmed, { frames: 9950, characters: 0 });
  });

  it('keeps the innermost in-app frame when library frames bury it, so the event stays in its issue', () => {
    // Grouping and the culprit use the innermost in-app frame; here 2,000 library frames are inside it.
    const frames = [appFrame(0), appFrame(1), ...Array.from({ length: 2000 }, (_, n) => libraryFrame(n))];
    const untrimmed = eventFromJson(sdkEvent(frames.slice(0, 2)));
    const trimmed = eventFromJson(sdkEvent(frames));
    assert.equal(trimmed.detail.frames.length, 50);
    assert.ok(trimmed.detail.frames.some((f) => f.function === 'step1'));
    assert.equal(fingerprintOf(trimmed), fingerprintOf(untrimmed));
  });

  it('cuts over-long texts at their limit, never inside a surrogate pair, and counts the characters', () => {
    const message = `${'é'.repeat(EVENT_LIMITS.messageChars - 2)}😀${'x'.repeat(1_000_000)}`;
    const longName = 'f'.repeat(10_000);
    const frames: SdkFrame[] = [{ ...appFrame(0), function: longName, context_line: 'c'.repeat(5000) }];
    const { detail } = eventFromJson(sdkEvent(frames, message));
    assert.equal(detail.exceptionValue.length, EVENT_LIMITS.messageChars - 1);
    assert.ok(detail.exceptionValue.endsWith('é…'), 'the emoji is dropped whole, not halved');
    assert.equal(detail.frames[0].function?.length, EVENT_LIMITS.symbolChars);
    assert.equal(detail.frames[0].contextLine?.length, EVENT_LIMITS.contextLineChars);
    const kept = EVENT_LIMITS.messageChars - 2;
    const cut = message.length - kept + (10_000 - (EVENT_LIMITS.symbolChars - 1)) + (5000 - (EVENT_LIMITS.contextLineChars - 1));
    assert.deepEqual(detail.trimmed, { frames: 0, characters: cut });
  });

  it('keeps frames within a text budget when every frame is at its limits', () => {
    const wide = (n: number): SdkFrame => ({ ...appFrame(n), filename: `/${'d'.repeat(400)}/${n}.js`, context_line: 'c'.repeat(400) });
    const { detail } = eventFromJson(sdkEvent(Array.from({ length: 200 }, (_, n) => wide(n))));
    const text = detail.frames.reduce(
      (sum, f) => sum + (f.filename?.length ?? 0) + (f.function?.length ?? 0) + (f.contextLine?.length ?? 0),
      0,
    );
    assert.ok(text <= EVENT_LIMITS.frameTextChars, `${text} characters of frames`);
    assert.ok(detail.frames.length >= 30 && detail.frames.length < 50, `${detail.frames.length} frames`);
    assert.equal(detail.frames[0].lineno, 1, 'the outermost frame is kept');
    assert.equal(detail.frames.at(-1)?.lineno, 200, 'the innermost frame is kept');
    assert.equal(detail.trimmed?.frames, 200 - detail.frames.length);
  });

  it('leaves an ordinary event as it came, with no trimming recorded', () => {
    const frames = Array.from({ length: 20 }, (_, n) => appFrame(n));
    const { detail } = eventFromJson(sdkEvent(frames));
    assert.equal(detail.frames.length, 20);
    assert.equal(detail.trimmed, undefined);
    assert.equal(detail.exceptionValue, 'order 7 has no customer');
  });

  it('bounds issues of stores written before the limits, once: bounding again changes nothing', () => {
    const huge = 'm'.repeat(3_000_000);
    const frames = Array.from({ length: 5000 }, (_, n) => ({ filename: '/app/a.js', function: `f${n}`, lineno: n + 1 }));
    const old: ErrorIssue = anErrorIssue({
      title: `Error: ${huge}`,
      exceptionValue: huge,
      latestEvent: { eventId: 'e', timestamp: '2026-01-01T00:00:00.000Z', exceptionType: 'Error', exceptionValue: huge, frames },
    });
    const bounded = boundIssue(old);
    assert.ok(bounded.title.length <= EVENT_LIMITS.messageChars + EVENT_LIMITS.symbolChars);
    assert.equal(bounded.exceptionValue.length, EVENT_LIMITS.messageChars);
    assert.equal(bounded.latestEvent?.frames.length, 50);
    assert.deepEqual(bounded.latestEvent?.trimmed, { frames: 4950, characters: huge.length - (EVENT_LIMITS.messageChars - 1) });
    assert.equal(boundIssue(bounded), bounded);
  });

  describe('store file', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cnv-limits-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('loads an oversized issue of an old store bounded, and writes it back an issue a line', async () => {
      const huge = 'q'.repeat(2_000_000);
      const old = { ...anErrorIssue({ id: 'old', shortId: 'LOCAL-1', exceptionValue: huge, title: `Error: ${huge}` }), users: [] };
      const small = { ...anErrorIssue({ id: 'small', shortId: 'LOCAL-2' }), users: ['0123456789abcdef'] };
      const file = path.join(dir, STORE_FILE_NAME);
      writeFileSync(file, JSON.stringify({ version: 1, nextShortId: 3, issues: [old, small] }));

      const store = new ErrorStore({ directory: dir, saveDelayMs: 10 });
      assert.deepEqual(await store.load(), { loaded: 2 });
      assert.equal(store.issue('old')?.exceptionValue.length, EVENT_LIMITS.messageChars);
      store.resolve('small', '1.2.0');
      await store.close();

      const text = readFileSync(file, 'utf8');
      assert.ok(text.length < 30_000, `${text.length} characters`);
      const lines = text.trimEnd().split('\n');
      assert.equal(lines.length, 4, 'header, one line per issue, footer');
      const saved = JSON.parse(text) as { nextShortId: number; issues: Array<ErrorIssue & { users: string[] }> };
      assert.equal(saved.nextShortId, 3);
      assert.deepEqual(
        saved.issues.map((i) => [i.id, i.status, i.resolvedIn, i.users]),
        [
          ['old', undefined, undefined, []],
          ['small', 'resolved', '1.2.0', ['0123456789abcdef']],
        ],
      );
    });
  });
});
