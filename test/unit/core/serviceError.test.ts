import * as assert from 'node:assert/strict';
import { isServiceError, ServiceError } from '../../../src/core/errors';

describe('ServiceError (unit)', () => {
  it('is recognised by kind', () => {
    const error = new ServiceError('Sentry', 'unauthorized', 'Sentry did not accept the token', { status: 401 });
    assert.ok(isServiceError(error));
    assert.ok(isServiceError(error, 'unauthorized'));
    assert.ok(!isServiceError(error, 'not-found'));
    assert.ok(!isServiceError(new Error('plain')));
    assert.ok(!isServiceError({ name: 'ServiceError', kind: 'unauthorized', service: 'Sentry', message: 'not an Error' }));
  });

  it('is recognised when it comes from another bundle (its own copy of the class)', () => {
    // What an engine bundle loaded with require() throws: the same class, compiled a second time.
    class ServiceErrorOfAnotherBundle extends Error {
      override readonly name = 'ServiceError';
      constructor(
        readonly service: string,
        readonly kind: string,
        message: string,
      ) {
        super(message);
      }
    }
    const error: unknown = new ServiceErrorOfAnotherBundle('Sentry', 'unauthorized', 'Sentry did not accept the token');
    assert.ok(!(error instanceof ServiceError));
    assert.ok(isServiceError(error, 'unauthorized'));
  });
});
