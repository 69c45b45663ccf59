import * as assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { Reflector, type OpenWatch } from '../../../src/deploy/operate/reflector';
import { VirtualClock } from '../../support/virtualClock';

const TIMING = { initialBackoffMs: 1000, maxBackoffMs: 8000, requestTimeoutMs: 30_000, watchTimeoutSeconds: 300 };
const source = {
  path: '/api/v1/namespaces/default/pods',
  noun: 'pods',
  list: () => Promise.resolve({ items: [] as V1Pod[], resourceVersion: '10' }),
};

describe('operate: reflector back-off (unit)', () => {
  it('backs off exponentially (capped) while the server refuses connections', async () => {
    const clock = new VirtualClock();
    const attempts: number[] = [];
    const refused: OpenWatch = (_path, _query, _onEvent, onDone) => {
      attempts.push(clock.now());
      onDone(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      return Promise.resolve(new AbortController());
    };
    const reflector = new Reflector<V1Pod>(source, refused, clock, TIMING, () => undefined);
    const start = clock.now();
    reflector.start();
    await clock.advance(60_000);
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]);
    // 1, 2, 4, 8, 8… s, each with up to 20 % jitter.
    for (const [i, gap] of gaps.entries()) {
      const base = Math.min(8000, 1000 * 2 ** i);
      assert.ok(gap >= base && gap <= base * 1.2, `gap ${i}: ${gap} ms`);
    }
    assert.ok(attempts.length <= 10, `${attempts.length} attempts in a minute`);
    assert.equal(attempts[0], start);
    assert.equal(reflector.state, 'reconnecting');
    reflector.stop();
    const count = attempts.length;
    await clock.advance(60_000);
    assert.equal(attempts.length, count, 'stopped means no more attempts');
  });

  it('does not spin on a server that closes every watch at once', async () => {
    const clock = new VirtualClock();
    let watches = 0;
    const closesAtOnce: OpenWatch = (_path, _query, _onEvent, onDone) => {
      watches++;
      setImmediate(() => onDone(null));
      return Promise.resolve(new AbortController());
    };
    const reflector = new Reflector<V1Pod>(source, closesAtOnce, clock, TIMING, () => undefined);
    reflector.start();
    await clock.advance(10_000);
    assert.ok(watches <= 6, `${watches} watches in 10 s`);
    reflector.stop();
  });
});
