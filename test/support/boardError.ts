import * as assert from 'node:assert/strict';
import { BoardError } from '../../src/plan/workItem';

/** The BoardError a provider call fails with, checked not to carry any of `secrets` in its message. */
export async function boardErrorOf(promise: Promise<unknown>, secrets: readonly string[]): Promise<BoardError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BoardError, `expected a BoardError, got ${String(error)}`);
    for (const secret of secrets) assert.ok(!error.message.includes(secret), `a secret leaked into: ${error.message}`);
    return error;
  }
  assert.fail('expected the call to fail');
}
