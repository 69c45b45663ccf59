import * as assert from 'node:assert/strict';
import { RegistryError } from '../../src/release/registry/registryError';

/** The RegistryError a registry call fails with; the test fails when it does not fail, or fails otherwise. */
export async function registryError(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RegistryError, `expected a RegistryError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}
