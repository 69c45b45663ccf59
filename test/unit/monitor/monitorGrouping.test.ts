import * as assert from 'node:assert/strict';
import type { StackFrame } from '../../../src/monitor/errors/errorModel';
import type { ReceivedEvent } from '../../../src/monitor/errors/envelope';
import { culpritOf, fingerprintOf, normaliseMessage, titleOf, topFrame } from '../../../src/monitor/errors/issueGrouping';

const APP_FRAME: StackFrame = { filename: '/ws/src/orders.js', function: 'parseOrder', lineno: 15, colno: 9, inApp: true };
const CALLER: StackFrame = { filename: '/ws/src/main.js', function: 'main', lineno: 40, colno: 3, inApp: true };
const LIBRARY: StackFrame = { filename: '/ws/node_modules/express/lib/router.js', function: 'handle', lineno: 284, inApp: false };

function event(type: string, value: string, frames: StackFrame[], fingerprint?: string[]): ReceivedEvent {
  return {
    detail: { eventId: 'e', timestamp: '2026-01-01T00:00:00.000Z', exceptionType: type, exceptionValue: value, frames },
    level: 'error',
    fingerprint,
    messageOnly: !type,
  };
}

describe('issue grouping (unit)', () => {
  it('reads {{ default }} in an SDK fingerprint as the default grouping, extended by the other parts, as Sentry does', () => {
    const frames = [CALLER, APP_FRAME];
    const plain = fingerprintOf(event('TypeError', 'order 1 has no customer', frames));
    assert.equal(fingerprintOf(event('TypeError', 'order 1 has no customer', frames, ['{{ default }}'])), plain);
    assert.equal(fingerprintOf(event('TypeError', 'order 1 has no customer', frames, ['{{default}}'])), plain);
    const byUrl = (url: string) => fingerprintOf(event('TypeError', 'order 1 has no customer', frames, ['{{ default }}', url]));
    assert.notEqual(byUrl('/checkout'), byUrl('/cart'), 'the extra part keeps them apart');
    assert.notEqual(byUrl('/checkout'), plain);
    const otherError = fingerprintOf(event('RangeError', 'amount too large', frames, ['{{ default }}', '/checkout']));
    assert.notEqual(otherError, byUrl('/checkout'), 'different errors on one URL stay apart');
  });

  it('blanks numbers, uuids and hex ids in messages', () => {
    assert.equal(normaliseMessage('order 1001 has no customer'), 'order <n> has no customer');
    assert.equal(normaliseMessage('user 3f2b9c1e-8d4a-4b7e-9f0a-1c2d3e4f5a6b not found'), 'user <uuid> not found');
    assert.equal(normaliseMessage('bad pointer 0xDEADBEEF in 5f3a9c2e7b1d'), 'bad pointer <hex> in <hex>');
    assert.equal(normaliseMessage('took 12.5ms'), 'took <n>ms');
    assert.equal(normaliseMessage('facade is decaf'), 'facade is decaf', 'hex-looking words without digits stay');
  });

  it('puts events that differ only in ids into one issue', () => {
    const a = event('TypeError', 'order 1001 has no customer', [CALLER, APP_FRAME]);
    const b = event('TypeError', 'order 1002 has no customer', [CALLER, { ...APP_FRAME, lineno: 17, colno: 2 }]);
    assert.equal(fingerprintOf(a), fingerprintOf(b), 'line numbers and ids do not split an issue');
    assert.match(fingerprintOf(a), /^[0-9a-f]{24}$/);
  });

  it('splits by type, message shape and the innermost in-app frame', () => {
    const base = fingerprintOf(event('TypeError', 'order 1 has no customer', [CALLER, APP_FRAME]));
    assert.notEqual(fingerprintOf(event('RangeError', 'order 1 has no customer', [CALLER, APP_FRAME])), base);
    assert.notEqual(fingerprintOf(event('TypeError', 'order 1 has no address', [CALLER, APP_FRAME])), base);
    assert.notEqual(fingerprintOf(event('TypeError', 'order 1 has no customer', [APP_FRAME, CALLER])), base);
    assert.notEqual(
      fingerprintOf(event('TypeError', 'order 1 has no customer', [CALLER, { ...APP_FRAME, function: 'parseRefund' }])),
      base,
    );
  });

  it("groups by the raising line's source, not the message, when the SDK sent it (Python's KeyError: 'kiwi' / 'fig')", () => {
    const raising: StackFrame = { filename: 'shop/prices.py', module: 'shop.prices', function: 'price_of', lineno: 13, inApp: true };
    const line = (contextLine: string) => [{ ...raising, contextLine }];
    const kiwi = fingerprintOf(event('KeyError', "'kiwi'", line('    return PRICES[product]')));
    assert.equal(fingerprintOf(event('KeyError', "'fig'", line('    return  PRICES[product]  '))), kiwi, 'another key, spaces aside');
    assert.notEqual(
      fingerprintOf(event('KeyError', "'kiwi'", line('    return DISCOUNTS[product]'))),
      kiwi,
      'another line of the function',
    );
    assert.notEqual(fingerprintOf(event('KeyError', "'kiwi'", [raising])), kiwi, 'without the line, the message counts');
  });

  it('groups by the SDK module, not the folder the app ran from', () => {
    const deployed = (filename: string) =>
      event('TypeError', 'x', [{ filename, module: 'src:orders', function: 'parseOrder', inApp: true }]);
    assert.equal(fingerprintOf(deployed('/home/ada/shop/src/orders.js')), fingerprintOf(deployed('/srv/releases/42/src/orders.js')));
    assert.notEqual(
      fingerprintOf(
        event('TypeError', 'x', [{ filename: '/srv/a/src/orders.js', module: 'src:refunds', function: 'parseOrder', inApp: true }]),
      ),
      fingerprintOf(deployed('/srv/a/src/orders.js')),
    );
  });

  it('looks past library frames for the top frame, and falls back to the innermost frame', () => {
    assert.equal(topFrame([CALLER, APP_FRAME, LIBRARY]), APP_FRAME);
    const libraryOnly = [{ ...LIBRARY, function: 'a' }, LIBRARY];
    assert.equal(topFrame(libraryOnly), LIBRARY);
    assert.equal(topFrame([]), undefined);
  });

  it('ignores cache-busting query strings in file names', () => {
    const plain = event('Error', 'x', [{ filename: 'http://localhost:3000/main.js', function: 'f', inApp: true }]);
    const busted = event('Error', 'x', [{ filename: 'http://localhost:3000/main.js?v=8a7f3', function: 'f', inApp: true }]);
    assert.equal(fingerprintOf(plain), fingerprintOf(busted));
  });

  it('groups by an SDK fingerprint when one is set', () => {
    const a = event('Error', 'timeout after 30s', [APP_FRAME], ['database-timeout']);
    const b = event('OtherError', 'different', [CALLER], ['database-timeout']);
    assert.equal(fingerprintOf(a), fingerprintOf(b));
  });

  it('titles and culprits like Sentry', () => {
    assert.equal(titleOf('TypeError', 'order 1 has no customer\n  more'), 'TypeError: order 1 has no customer');
    assert.equal(titleOf('', 'checkout finished'), 'checkout finished');
    assert.equal(titleOf('AbortError', ''), 'AbortError');
    assert.equal(culpritOf([CALLER, APP_FRAME, LIBRARY]), 'parseOrder (/ws/src/orders.js)');
    assert.equal(culpritOf([]), undefined);
  });
});
