import * as assert from 'node:assert/strict';
import { ServiceError, type ServiceErrorKind } from '../../../src/core/errors';
import { answerError, kubeErrorOf } from '../../../src/deploy/kubeErrors';

/** What KubeClient throws for an error status: the Status body it sent (none for a bare 401). */
function apiAnswer(code: number, body: object | undefined): ServiceError {
  return answerError({ request: 'GET /api/v1/pods', context: 'test', server: 'https://127.0.0.1:6443' }, code, body);
}

describe('operate: kubeErrorOf (unit)', () => {
  it('turns an RBAC 403 into who may not do what, where', () => {
    const error = kubeErrorOf(
      apiAnswer(403, {
        kind: 'Status',
        code: 403,
        reason: 'Forbidden',
        message:
          'deployments.apps "web" is forbidden: User "limited" cannot patch resource "deployments/scale" in API group "apps" in the namespace "default"',
      }),
      'scale deployment "web" to 3',
    );
    assert.equal(error.kind, 'forbidden');
    assert.equal(
      error.message,
      'Could not scale deployment "web" to 3: user "limited" is not allowed to patch deployments/scale in namespace "default".',
    );
    assert.equal(error.stack, `ServiceError: ${error.message}`);
  });

  it('names each kind from the status code and Status body', () => {
    const cases: [unknown, ServiceErrorKind, string][] = [
      [
        apiAnswer(401, undefined),
        'unauthorized',
        'Could not list pods: the API server rejected the credentials (401 Unauthorized); sign in again or refresh the token in your kubeconfig.',
      ],
      [
        apiAnswer(404, { kind: 'Status', code: 404, message: 'pods "x" not found', details: { name: 'x', kind: 'pods' } }),
        'not-found',
        'Could not list pods: pod "x" was not found.',
      ],
      [
        apiAnswer(404, { kind: 'Status', code: 404, message: 'deployments.apps "web" not found' }),
        'not-found',
        'Could not list pods: deployment "web" not found.',
      ],
      [
        apiAnswer(422, {
          kind: 'Status',
          code: 422,
          message: 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
          details: { causes: [{ field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }] },
        }),
        'invalid',
        'Could not list pods: spec.replicas: Invalid value: -1: must be greater than or equal to 0.',
      ],
      [
        apiAnswer(504, { kind: 'Status', code: 504, message: 'Timeout: request did not complete within requested timeout' }),
        'timeout',
        'Could not list pods: Timeout: request did not complete within requested timeout.',
      ],
      [apiAnswer(503, undefined), 'server', 'Could not list pods: the API server answered 503.'],
      [apiAnswer(410, undefined), 'conflict', 'Could not list pods: the data it was based on is too old (410 Gone); reload and try again.'],
      [
        { kind: 'Status', code: 500, message: 'etcdserver: request timed out' },
        'server',
        'Could not list pods: the API server answered 500: etcdserver: request timed out.',
      ],
    ];
    for (const [input, kind, message] of cases) {
      const error = kubeErrorOf(input, 'list pods');
      assert.deepEqual([error.kind, error.message], [kind, message]);
    }
  });

  it('says the server is unreachable, and where, for connection errors', () => {
    const refused = Object.assign(new Error('request to https://127.0.0.1:6443/api failed, reason: connect ECONNREFUSED 127.0.0.1:6443'), {
      code: 'ECONNREFUSED',
      type: 'system',
    });
    const error = kubeErrorOf(refused, 'watch pods', 'https://127.0.0.1:6443');
    assert.equal(error.kind, 'unreachable');
    assert.equal(error.message, 'Could not watch pods: the API server at https://127.0.0.1:6443 is unreachable (connection refused).');
    assert.equal(kubeErrorOf(Object.assign(new Error('t'), { name: 'TimeoutError' }), 'watch pods').kind, 'timeout');
    const untrusted = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    assert.match(kubeErrorOf(untrusted, 'watch pods').message, /TLS certificate is not trusted/);
  });

  it("passes an error already in the user's words through and keeps other errors to one line", () => {
    const original = new ServiceError('Kubernetes', 'conflict', 'Could not x: y.');
    assert.equal(kubeErrorOf(original, 'z'), original);
    assert.equal(
      kubeErrorOf(new Error('No currently active cluster\n    at foo (bar.js:1:1)'), 'list pods').message,
      'Could not list pods: No currently active cluster.',
    );
  });
});
