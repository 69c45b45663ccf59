// Linear's error answers as the board reads them without an SDK: `errors[]` classified by `extensions.type`,
// else by `extensions.code`, else by the status; the stub test covers the shapes the stub sends.
import * as assert from 'node:assert/strict';
import type { LinearGraphqlError } from '../../../../src/plan/linear/linearErrors';
import { fromFailure, graphqlErrorsIn } from '../../../../src/plan/linear/linearErrors';

const DOING = 'listing Linear issues';
const failure = (status: number, errors: LinearGraphqlError[], headers: Record<string, string> = {}) =>
  fromFailure({ status, headers: new Headers(headers), errors }, DOING);

describe('Linear error answers (unit)', () => {
  it('classifies by extensions.code when Linear sends no type', () => {
    const now = Date.now();
    const limited = failure(400, [{ message: 'x', extensions: { code: 'RATELIMITED' } }], {
      'x-ratelimit-complexity-reset': String(now + 60_000),
    });
    assert.equal(limited.kind, 'rate-limited');
    assert.ok(limited.retryAfterMs !== undefined && limited.retryAfterMs > 50_000 && limited.retryAfterMs <= 60_000);
    assert.equal(failure(400, [{ extensions: { code: 'AUTHENTICATION_ERROR' } }]).kind, 'unauthorized');
    assert.equal(failure(400, [{ extensions: { code: 'FEATURE_NOT_ACCESSIBLE' } }]).kind, 'forbidden');
  });

  it("quotes Linear's words for refused input in a 200 answer, and names the plan limit", () => {
    const refused = failure(200, [
      { message: 'Argument Validation Error', extensions: { type: 'invalid input', userPresentableMessage: 'Title is too long' } },
    ]);
    assert.equal(refused.kind, 'invalid');
    assert.equal(refused.message, 'Linear did not accept the change while listing Linear issues: Title is too long');
    const usage = failure(200, [{ message: 'limit', extensions: { type: 'usage limit exceeded' } }]);
    assert.equal(usage.kind, 'forbidden');
    assert.match(usage.message, /plan usage limit .* billing settings/);
  });

  it('falls back to the status when the answer carries no errors', () => {
    assert.equal(failure(401, []).kind, 'unauthorized');
    const limited = failure(429, [], { 'retry-after': '12' });
    assert.deepEqual([limited.kind, limited.retryAfterMs], ['rate-limited', 12_000]);
    assert.match(failure(503, []).message, /had a problem while listing Linear issues \(HTTP 503\)/);
    const notFound = failure(404, []);
    assert.deepEqual([notFound.kind, notFound.message], ['server', 'Linear failed while listing Linear issues: HTTP 404']);
  });

  it('reads errors only from a GraphQL answer', () => {
    assert.deepEqual(graphqlErrorsIn('<html>Bad gateway</html>'), []);
    assert.deepEqual(graphqlErrorsIn('{"data":{}}'), []);
    assert.deepEqual(graphqlErrorsIn('{"errors":[{"message":"m"},"not an error"]}'), [{ message: 'm' }]);
  });
});
