import * as assert from 'node:assert/strict';
import { MAX_TIMER_MS, realClock, timerDelay } from '../../../src/core/clock';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { runProcess } from '../../../src/core/processRunner';

// Node's setTimeout fires at once past 2^31-1 ms (~24.8 days): a stage `timeout: 600h` killed the stage
// after 19 ms, and an uptime `interval: 3000000` probed 1,308 times in 5 s (hardening, issue 20 item 11).
describe('long timers (unit, hardening)', () => {
  it('caps a delay at what Node keeps, and keeps short ones as they are', () => {
    assert.equal(timerDelay(600 * 3600 * 1000), MAX_TIMER_MS);
    assert.equal(timerDelay(1500), 1500);
    assert.equal(timerDelay(-5), 0);
  });

  it('does not kill a process at once when its timeout is 600 h', async () => {
    const result = await runProcess({ command: 'sleep', args: ['0.2'], cwd: process.cwd() }, { timeoutMs: 600 * 3600 * 1000 });
    assert.equal(result.timedOut, false);
    assert.equal(result.exitCode, 0);
  });

  it("does not fire a 35-day timer of the schedulers' clock at once", async () => {
    let fired = false;
    const handle = realClock.setTimeout(() => (fired = true), 35 * 24 * 3600 * 1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    realClock.clearTimeout(handle);
    assert.equal(fired, false);
  });

  it('reports a stage timeout or an uptime interval beyond 23 days in conveyor.yml at its line', () => {
    const problems = parseConfig(
      [
        'pipeline:',
        '  stages:',
        '    - { name: test, run: npm test, timeout: 3000000 }',
        'uptime: [{ name: home, url: http://127.0.0.1:8080/, interval: 3000000 }]',
        '',
      ].join('\n'),
    ).problems.map((p) => p.range.start.line + 1);
    assert.deepEqual(problems, [3, 4]);
  });
});
