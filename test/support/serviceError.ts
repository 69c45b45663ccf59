import * as assert from 'node:assert/strict';
import { ServiceError } from '../../src/core/errors';

/** The ServiceError a call fails with, checked not to carry any of `secrets` in its message; the test fails when it does not fail, or fails otherwise. */
export async function serviceErrorOf(promise: Promise<unknown>, secrets: readonly string[] = []): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
    for (const secret of secrets) assert.ok(!error.message.includes(secret), `a secret leaked into: ${error.message}`);
    return error;
  }
  assert.fail('expected the call to fail');
}
