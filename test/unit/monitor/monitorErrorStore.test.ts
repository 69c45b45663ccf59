import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { StackFrame } from '../../../src/monitor/errors/errorModel';
import type { ReceivedEvent } from '../../../src/monitor/errors/envelope';
import { ErrorStore, STORE_FILE_NAME } from '../../../src/monitor/errors/errorStore';
import type { IssuesChange } from '../../../src/monitor/errors/errorStore';

const FRAME: StackFrame = { filename: '/ws/src/orders.js', function: 'parseOrder', lineno: 15, inApp: true };

interface EventOptions {
  type?: string;
  value?: string;
  at?: string;
  user?: string;
  release?: string;
  eventId?: string;
}

function event(options: EventOptions = {}): ReceivedEvent {
  return {
    detail: {
      eventId: options.eventId ?? 'e1',
      timestamp: options.at ?? '2026-01-01T00:00:00.000Z',
      release: options.release,
      exceptionType: options.type ?? 'TypeError',
      exceptionValue: options.value ?? 'order 1 has no customer',
      frames: [FRAME],
    },
    level: 'error',
    userKey: options.user,
    messageOnly: false,
  };
}

const minute = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();

describe('error store (unit)', () => {
  let dir: string;
  const stores: ErrorStore[] = [];
  const open = (options: Partial<ConstructorParameters<typeof ErrorStore>[0]> = {}) => {
    const store = new ErrorStore({ directory: dir, saveDelayMs: 20, ...options });
    stores.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cnv-errors-'));
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('groups events into issues with counts, distinct users, first/last seen and releases', () => {
    const store = open();
    store.record([
      event({ at: minute(2), user: 'u1', release: 'app@1.0.0', value: 'order 7 has no customer', eventId: 'a' }),
      event({ at: minute(5), user: 'u2', release: 'app@1.1.0', value: 'order 9 has no customer', eventId: 'b' }),
      event({ at: minute(1), user: 'u1', release: 'app@0.9.0', eventId: 'late' }),
      event({ at: minute(3), type: 'RangeError', value: 'amount too large' }),
    ]);
    const [latest, other] = store.issues();
    assert.equal(store.size, 2);
    assert.equal(latest.shortId, 'LOCAL-1');
    assert.equal(latest.count, 3);
    assert.equal(latest.userCount, 2);
    assert.equal(latest.firstSeen, minute(1));
    assert.equal(latest.lastSeen, minute(5));
    assert.equal(latest.firstRelease, 'app@1.0.0', 'the release of the first event received');
    assert.equal(latest.lastRelease, 'app@1.1.0');
    assert.equal(latest.latestEvent?.eventId, 'b', 'a late, older event does not replace the latest');
    assert.equal(latest.title, 'TypeError: order 9 has no customer');
    assert.equal(latest.culprit, 'parseOrder (/ws/src/orders.js)');
    assert.equal(latest.source, 'local');
    assert.equal(other.shortId, 'LOCAL-2');
    assert.equal(store.issue('LOCAL-2')?.id, other.id);
    assert.equal(store.issue(other.id)?.shortId, 'LOCAL-2');
  });

  it("moves the newest release's time forward without changing issues handed out earlier", () => {
    const store = open();
    store.record([event({ at: minute(1), release: 'app@1.0.0' }), event({ at: minute(2), release: 'app@1.1.0' })]);
    const before = store.issues()[0];
    store.record([event({ at: minute(3), release: 'app@1.1.0' }), event({ at: minute(2), release: 'app@1.1.0' })]);
    assert.deepEqual(before.releasesSeen, { 'app@1.1.0': minute(2), 'app@1.0.0': minute(1) }, 'an earlier copy is unchanged');
    const after = store.issues()[0];
    assert.deepEqual(after.releasesSeen, { 'app@1.1.0': minute(3), 'app@1.0.0': minute(1) }, 'a late event does not move it back');
    assert.deepEqual(Object.keys(after.releasesSeen ?? {}), ['app@1.1.0', 'app@1.0.0'], 'newest first');
    store.record([event({ at: minute(4), release: 'app@1.0.0' })]);
    assert.deepEqual(
      Object.keys(store.issues()[0].releasesSeen ?? {}),
      ['app@1.0.0', 'app@1.1.0'],
      'an older release seen again moves first',
    );
  });

  it('drops the least recently seen issue beyond the bound and says so', () => {
    const store = open({ maxIssues: 3 });
    const changes: IssuesChange[] = [];
    store.onChanged((change) => changes.push(change));
    for (let n = 0; n < 5; n++) store.record([event({ value: `error kind ${'abcde'[n]}`, at: minute(n) })]);
    store.record([event({ value: 'error kind c', at: minute(10) })]);
    assert.deepEqual(
      store.issues().map((i) => i.title),
      ['TypeError: error kind c', 'TypeError: error kind e', 'TypeError: error kind d'],
    );
    assert.equal(changes.flatMap((c) => c.removed).length, 2);
  });

  it('stops counting users at the per-issue bound', () => {
    const store = open({ maxUsersPerIssue: 10 });
    store.record(Array.from({ length: 50 }, (_, n) => event({ user: `user-${n}` })));
    const [issue] = store.issues();
    assert.equal(issue.count, 50);
    assert.equal(issue.userCount, 10);
  });

  it('survives a reload: same issues, same short ids, and counting continues', async () => {
    const first = open();
    first.record([event({ user: 'ada@example.com' }), event({ type: 'RangeError', value: 'x' })]);
    await first.close();
    const file = readFileSync(path.join(dir, STORE_FILE_NAME), 'utf8');
    assert.doesNotMatch(file, /ada@example\.com/, 'user keys are stored as hashes');

    const second = open();
    assert.deepEqual(await second.load(), { loaded: 2 });
    assert.deepEqual(
      second
        .issues()
        .map((i) => i.shortId)
        .sort(),
      ['LOCAL-1', 'LOCAL-2'],
    );
    second.record([event({ user: 'ada@example.com', at: minute(9) }), event({ type: 'SyntaxError', value: 'y' })]);
    const typeError = second.issues().find((i) => i.exceptionType === 'TypeError');
    assert.equal(typeError?.count, 2);
    assert.equal(typeError?.userCount, 1, 'the same user is recognised after the reload');
    assert.equal(second.issues().find((i) => i.exceptionType === 'SyntaxError')?.shortId, 'LOCAL-3');
  });

  it('debounces saves and writes atomically (no temporary files left)', async () => {
    const store = open({ saveDelayMs: 80 });
    store.record([event()]);
    store.record([event()]);
    const file = path.join(dir, STORE_FILE_NAME);
    assert.equal(existsSync(file), false, 'nothing written before the quiet time');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(existsSync(file), true);
    assert.deepEqual(readdirSync(dir), [STORE_FILE_NAME]);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { issues: Array<{ count: number }> }).issues[0].count, 2);
  });

  it('moves a cut-off store file aside, keeps what is in memory, and saves a good file again', async () => {
    const file = path.join(dir, STORE_FILE_NAME);
    const good = open();
    good.record([event()]);
    await good.close();
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));

    const store = open();
    store.record([event({ type: 'RangeError', value: 'in memory before load' })]);
    const result = await store.load();
    assert.equal(result.loaded, 0);
    assert.match(result.problem ?? '', /not valid JSON.*cut off/);
    assert.match(result.movedAside ?? '', /local-errors\.json\.corrupt-\d+$/);
    assert.equal(readFileSync(result.movedAside!, 'utf8'), text.slice(0, Math.floor(text.length / 2)), 'the evidence is kept');
    assert.deepEqual(
      store.issues().map((i) => i.exceptionType),
      ['RangeError'],
    );
    await store.flush();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { issues: Array<{ exceptionType: string }> };
    assert.deepEqual(
      saved.issues.map((i) => i.exceptionType),
      ['RangeError'],
    );
  });

  it('refuses store files of another version or shape', async () => {
    const file = path.join(dir, STORE_FILE_NAME);
    writeFileSync(file, JSON.stringify({ version: 99, issues: [] }));
    assert.match((await open().load()).problem ?? '', /version 99, expected 1/);
    writeFileSync(file, JSON.stringify({ version: 1, nextShortId: 2, issues: [{ id: 'x' }] }));
    assert.match((await open().load()).problem ?? '', /issue 1 in the store file has no shortId/);
    assert.equal(existsSync(file), false);
  });

  it('starts empty when there is no store file yet', async () => {
    assert.deepEqual(await open().load(), { loaded: 0 });
  });

  it('clears everything but keeps short ids counting up', async () => {
    const store = open();
    const changes: IssuesChange[] = [];
    store.onChanged((change) => changes.push(change));
    store.record([event()]);
    store.clear();
    assert.deepEqual(store.issues(), []);
    assert.equal(changes.at(-1)?.cleared, true);
    store.record([event()]);
    assert.equal(store.issues()[0].shortId, 'LOCAL-2');
    await store.flush();
    const reloaded = open();
    await reloaded.load();
    assert.deepEqual(
      reloaded.issues().map((i) => i.shortId),
      ['LOCAL-2'],
    );
  });

  it('keeps the issues in memory when a save fails, and reports it', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const errors: Error[] = [];
    const store = open({ directory: path.join(blocker, 'sub'), onSaveError: (error) => errors.push(error) });
    store.record([event()]);
    await store.flush();
    assert.equal(errors.length, 1);
    assert.equal(store.issues().length, 1);
  });

  describe('resolution, as Sentry resolves in a version', () => {
    const resolvedStore = () => {
      const store = open();
      const [issue] = store.record([event({ at: minute(1), release: 'app@1.4.0' })]);
      store.resolve(issue.id, 'v1.5.0', new Date(minute(2)));
      return { store, id: issue.id };
    };

    it('marks an issue resolved in a version however the release is spelt, and tells its listeners', () => {
      const store = open();
      const [issue] = store.record([event({ at: minute(1), release: 'app@1.4.0' })]);
      const changes: IssuesChange[] = [];
      store.onChanged((change) => changes.push(change));
      const resolved = store.resolve(issue.shortId, 'app@v1.5.0', new Date(minute(2)));
      assert.equal(resolved?.status, 'resolved');
      assert.equal(resolved?.resolvedIn, '1.5.0');
      assert.equal(resolved?.resolvedAt, minute(2));
      assert.equal(store.issue(issue.id)?.status, 'resolved');
      assert.deepEqual(
        changes.map((c) => c.changed.map((i) => i.status)),
        [['resolved']],
      );
      assert.equal(store.resolve('no-such-issue', '1.5.0'), undefined);
    });

    it('stays resolved while only older releases (still running elsewhere) send it, and still counts their events', () => {
      const { store, id } = resolvedStore();
      store.record([event({ at: minute(3), release: 'app@1.4.0' }), event({ at: minute(4), release: 'v1.4.9' })]);
      const issue = store.issue(id)!;
      assert.equal(issue.status, 'resolved');
      assert.equal(issue.count, 3);
      assert.deepEqual(issue.releasesSeen, { 'v1.4.9': minute(4), 'app@1.4.0': minute(3) });
    });

    for (const [release, why] of [
      ['app@1.5.0', 'the resolving release'],
      ['1.6.0', 'a later release'],
      [undefined, 'an event without a release'],
    ] as const) {
      it(`reopens as a regression on ${why}, remembering the version it was resolved in`, () => {
        const { store, id } = resolvedStore();
        const [changed] = store.record([event({ at: minute(3), release })]);
        assert.equal(changed.status, 'regressed');
        assert.equal(changed.resolvedIn, '1.5.0');
        assert.equal(store.issue(id)?.status, 'regressed');
      });
    }

    it('keeps the status, version and releases seen across a reload', async () => {
      const store = open();
      const [{ id }] = store.record([event({ at: minute(1), release: 'app@1.4.0' })]);
      await store.flush();
      store.resolve(id, 'v1.5.0', new Date(minute(2)));
      await store.flush();
      const reloaded = open();
      await reloaded.load();
      const issue = reloaded.issue(id)!;
      assert.equal(issue.status, 'resolved');
      assert.equal(issue.resolvedIn, '1.5.0');
      assert.equal(issue.resolvedAt, minute(2));
      assert.deepEqual(issue.releasesSeen, { 'app@1.4.0': minute(1) });
      reloaded.record([event({ at: minute(5), release: 'app@1.5.1' })]);
      assert.equal(reloaded.issue(id)?.status, 'regressed', 'a reloaded resolution still reopens');
    });

    it('loads a store file written before resolution existed: its issues are unresolved and can be resolved', async () => {
      const old = {
        source: 'local',
        id: 'abc',
        shortId: 'LOCAL-1',
        title: 'TypeError: order 1 has no customer',
        exceptionType: 'TypeError',
        exceptionValue: 'order 1 has no customer',
        level: 'error',
        count: 2,
        userCount: 0,
        firstSeen: minute(1),
        lastSeen: minute(2),
        lastRelease: 'app@1.4.0',
        users: [],
      };
      writeFileSync(path.join(dir, STORE_FILE_NAME), JSON.stringify({ version: 1, nextShortId: 2, issues: [old] }));
      const store = open();
      assert.deepEqual(await store.load(), { loaded: 1 });
      assert.equal(store.issue('abc')?.status, undefined);
      assert.equal(store.resolve('abc', '1.5.0')?.status, 'resolved');
    });
  });
});
