import * as assert from 'node:assert/strict';
import { ServiceError } from '../../src/core/errors';

/** The ServiceError a registry call fails with; the test fails when it does not fail, or fails otherwise. */
export async function registryError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}
