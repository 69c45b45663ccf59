import * as assert from 'node:assert/strict';
import { runProcess } from '../../../src/core/processRunner';

/**
 * Runs `script` with sh after starting a `setsid sleep` that holds its pipes (its pid is the first line printed).
 * The pause lets the sleep leave the group before the shell can exit and the group be killed.
 */
async function withEscapedSleep(script: string, options: Parameters<typeof runProcess>[1] = {}) {
  let output = '';
  const result = await runProcess(
    { command: '/bin/sh', args: ['-c', `setsid sleep 20 & echo $!; sleep 0.2; ${script}`], cwd: process.cwd() },
    { ...options, onOutput: (chunk) => (output += chunk.toString('utf8')) },
  );
  const escaped = Number(output.split('\n')[0]);
  try {
    process.kill(escaped, 'SIGKILL');
  } catch {
    // Already gone.
  }
  return { result, output };
}

describe('process runner (unit, real processes)', () => {
  it('ends a command whose shell exited while a process outside its group still holds the output pipes', async () => {
    const { result, output } = await withEscapedSleep('echo started', { pipeGraceMs: 300 });
    assert.equal(result.exitCode, 0);
    assert.match(output, /started/);
    assert.ok(result.durationMs < 5000, `ended after ${result.durationMs} ms, not when the sleep did`);
  });

  it('ends a command stopped after its shell exited, while an escaped process holds the pipes (Stop finds nothing to kill)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const { result, output } = await withEscapedSleep('echo started', { signal: controller.signal, killGraceMs: 100, pipeGraceMs: 1000 });
    assert.equal(result.cancelled, true);
    assert.match(output, /started/);
    assert.ok(result.durationMs < 5000, `ended after ${result.durationMs} ms`);
  });

  it('reads everything a command printed before it exited', async () => {
    let bytes = 0;
    const result = await runProcess(
      { command: '/bin/sh', args: ['-c', 'head -c 5000000 /dev/zero'], cwd: process.cwd() },
      { pipeGraceMs: 50, onOutput: (chunk) => (bytes += chunk.length) },
    );
    assert.equal(result.exitCode, 0);
    assert.equal(bytes, 5_000_000);
  });
});
