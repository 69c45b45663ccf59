// The hosted-Sentry client against a local Sentry whose answers come from, and are checked against, Sentry's
// published OpenAPI description: no Sentry account needed.
import * as assert from 'node:assert/strict';
import { ServiceError } from '../../../src/core/errors';
import { SentryClient } from '../../../src/monitor/errors/sentry/sentryApi';
import type { SentryClientOptions } from '../../../src/monitor/errors/sentry/sentryApi';
import {
  EXAMPLE_ISSUE_ID,
  EXAMPLE_ORG,
  startSentryStub,
  STUB_ISSUE_IDS,
  STUB_ORG as ORG,
  STUB_PROJECT,
  STUB_TOKEN as TOKEN,
} from '../../support/sentryStub';
import type { SentryStub, StubFailure } from '../../support/sentryStub';
import { closedPort } from '../../support/stubServer';

const urlOf = (input: Parameters<typeof fetch>[0]): string => (input instanceof Request ? input.url : input.toString());

/** The error a call fails with; it must be a ServiceError and must not carry the token anywhere. */
async function apiError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
    for (const text of [error.message, String(error), JSON.stringify(error)]) assert.ok(!text.includes(TOKEN), `the token leaked: ${text}`);
    assert.ok(!error.message.includes('\n    at '), 'a message is one sentence, never a stack');
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('Sentry REST client against a stub checked against the published Sentry OpenAPI (integration, stub)', () => {
  let stub: SentryStub;
  const client = (options: Partial<SentryClientOptions> = {}) =>
    new SentryClient({ baseUrl: stub.url, token: TOKEN, org: ORG, timeoutMs: 5000, ...options });
  const eventRequests = () => stub.requests.filter((r) => r.path.includes('/events/'));

  beforeEach(async () => {
    stub = await startSentryStub();
  });
  afterEach(async function () {
    await stub.stop();
    // Every query Conveyor sent and every answer the stub served matched the spec.
    if (this.currentTest?.state === 'passed') assert.deepEqual(stub.problems, []);
  });

  describe('listIssues', () => {
    it('collects every page by following the Link cursor and stops at results="false"', async () => {
      const issues = await client().listIssues();
      assert.deepEqual(
        issues.map((i) => i.id),
        STUB_ISSUE_IDS,
      );
      assert.equal(stub.requests.length, 3, 'no request after the page whose next link says results="false"');
      assert.deepEqual(
        stub.requests.map((r) => r.query.get('cursor')?.[0]),
        [undefined, '0:2:0', '0:4:0'],
      );
      assert.ok(stub.requests.every((r) => r.authenticated && r.path === `/api/0/organizations/${ORG}/issues/`));
    });

    it('follows at most maxPages pages', async () => {
      const issues = await client().listIssues({ maxPages: 2, limit: 2 });
      assert.deepEqual(
        issues.map((i) => i.shortId),
        ['SHOP-1A', 'SHOP-1B', 'SHOP-1C', 'SHOP-1D'],
      );
      assert.equal(stub.requests.length, 2);
      assert.deepEqual(stub.requests[0].query.get('limit'), ['2']);
    });

    it('puts project, environment and release in the query string, a project slug looked up once as its id', async () => {
      const issues = await client().listIssues({ project: 'shop', environment: 'production', release: 'shop@1.4.2', maxPages: 1 });
      // Real Sentry takes only ids in `project` (a slug there is a 400): the slug is read as a project first.
      const [lookup, request] = stub.requests;
      assert.equal(lookup.path, `/api/0/projects/${ORG}/shop/`);
      assert.deepEqual(request.query.get('project'), [STUB_PROJECT.id]);
      assert.deepEqual(request.query.get('environment'), ['production']);
      assert.deepEqual(request.query.get('query'), ['release:shop@1.4.2 is:unresolved']);
      assert.deepEqual(request.query.get('statsPeriod'), ['14d']);
      assert.ok(
        issues.every((i) => i.environment === 'production'),
        'one environment filter names where the issues were seen',
      );
      const sameClient = client();
      await sameClient.listIssues({ project: 'shop', maxPages: 1 });
      await sameClient.listIssues({ project: 'shop', maxPages: 1 });
      assert.equal(stub.requests.filter((r) => r.path.startsWith('/api/0/projects/')).length, 2, 'one lookup per client');
      const unknown = await apiError(client().listIssues({ project: 'billing-typo' }));
      assert.equal(unknown.kind, 'not-found');
    });

    it('repeats a parameter for several projects or environments and passes a custom query and period', async () => {
      const issues = await client().listIssues({
        project: ['4505071', '4505071'],
        environment: ['production', 'staging'],
        query: 'is:unresolved level:error',
        statsPeriod: '24h',
        maxPages: 1,
      });
      const [request] = stub.requests;
      assert.deepEqual(request.query.get('project'), ['4505071', '4505071']);
      assert.deepEqual(request.query.get('environment'), ['production', 'staging']);
      assert.deepEqual(request.query.get('query'), ['is:unresolved level:error']);
      assert.deepEqual(request.query.get('statsPeriod'), ['24h']);
      assert.ok(issues.every((i) => i.environment === undefined));
      await client().listIssues({ project: ['4505071', 'shop'], maxPages: 1 });
      assert.deepEqual(stub.requests.at(-1)?.query.get('project'), ['4505071', '4505071'], 'ids and slugs together, as ids');
    });

    it('maps the issue fields (count arrives as a string)', async () => {
      const [first] = await client().listIssues({ maxPages: 1 });
      assert.deepEqual(first, {
        source: 'sentry',
        id: '5012345601',
        shortId: 'SHOP-1A',
        title: "TypeError: Cannot read properties of undefined (reading 'total')",
        exceptionType: 'TypeError',
        exceptionValue: "Cannot read properties of undefined (reading 'total')",
        culprit: 'POST /api/checkout',
        level: 'error',
        count: 152,
        userCount: 37,
        firstSeen: '2025-03-03T09:12:44Z',
        lastSeen: '2025-03-04T10:29:13Z',
        // The list endpoint does not send releases; the issue-details endpoint does.
        firstRelease: undefined,
        lastRelease: undefined,
        environment: undefined,
        url: 'https://acme.sentry.io/issues/5012345601/',
      });
    });

    it("reads the spec's own issue example", async () => {
      const issues = await client({ org: EXAMPLE_ORG }).listIssues();
      assert.equal(issues.length, 1);
      assert.equal(issues[0].shortId, 'PUMP-STATION-1');
      assert.equal(issues[0].count, 150);
      assert.equal(issues[0].url, 'https://sentry.io/the-interstellar-jurisdiction/pump-station/issues/1/');
      // Its metadata has only a title, so the type comes from the title.
      assert.equal(issues[0].exceptionType, 'This is an example Python exception');
      assert.equal(stub.requests.length, 1);
    });
  });

  describe('latestEvent', () => {
    it('asks the organization-scoped latest-event path and maps frames (lineNo → lineno, colNo → colno, inApp)', async () => {
      const event = await client().latestEvent('5012345601');
      assert.deepEqual(
        eventRequests().map((r) => r.path),
        [`/api/0/organizations/${ORG}/issues/5012345601/events/latest/`],
      );
      assert.equal(event.eventId, '3f9c1e0a8b7d4c2e9f6a5b4c3d2e1f01');
      assert.equal(event.timestamp, '2025-03-04T10:29:13Z');
      assert.equal(event.release, 'shop@1.4.2');
      assert.equal(event.environment, 'production');
      assert.equal(event.userId, 'u-1000');
      assert.equal(event.exceptionType, 'TypeError');
      assert.equal(event.exceptionValue, "Cannot read properties of undefined (reading 'total')");
      assert.equal(event.frames.length, 4);
      // Innermost last, as Sentry sends them.
      assert.deepEqual(event.frames.at(-1), {
        filename: '/app/src/cart/total.ts',
        absPath: undefined,
        module: 'cart:total',
        function: 'computeTotal',
        lineno: 42,
        colno: 31,
        inApp: true,
        contextLine: '    const price = rates.byCurrency[cart.currency].total * line.quantity;',
      });
      assert.equal(event.frames[0].filename, 'node:internal/process/task_queues');
      assert.equal(event.frames[0].inApp, false);
      assert.equal(event.frames[0].contextLine, undefined);
    });

    it('passes an environment filter', async () => {
      await client().latestEvent('5012345602', { environment: 'production' });
      assert.deepEqual(eventRequests()[0].query.get('environment'), ['production']);
    });

    it("reads the spec's own event example, keeping absPath where it differs from filename", async () => {
      const event = await client({ org: EXAMPLE_ORG }).latestEvent(EXAMPLE_ISSUE_ID);
      assert.equal(event.exceptionType, 'ForbiddenError');
      assert.equal(event.release, 'b65bc521378269d3eaefdc964f8ef56621414943');
      assert.equal(event.environment, 'prod');
      assert.equal(event.userId, '550747');
      assert.deepEqual(event.frames[0], {
        filename: '/usr/src/getsentry/src/sentry/node_modules/@sentry/browser/esm/helpers.js',
        absPath: 'webpack:////usr/src/getsentry/src/sentry/node_modules/@sentry/browser/esm/helpers.js',
        module: 'usr/src/getsentry/src/sentry/node_modules/@sentry/browser/esm/helpers',
        function: 'ignoreOnError',
        lineno: 71,
        colno: 23,
        inApp: false,
        contextLine: '            return fn.apply(this, wrappedArguments);',
      });
    });
  });

  describe('issuesWithLatestEvents', () => {
    it('attaches each issue its latest event, a bounded number of requests at a time', async () => {
      let inFlight = 0;
      let mostInFlight = 0;
      const countingFetch: typeof fetch = async (input, init) => {
        const counts = urlOf(input).includes('/events/');
        if (counts) mostInFlight = Math.max(mostInFlight, ++inFlight);
        try {
          return await fetch(input, init);
        } finally {
          if (counts) inFlight--;
        }
      };
      const issues = await client({ fetch: countingFetch }).issuesWithLatestEvents({ concurrency: 2 });
      assert.deepEqual(
        issues.map((i) => i.id),
        STUB_ISSUE_IDS,
      );
      assert.ok(issues.every((i) => i.latestEvent !== undefined && i.latestEvent.frames.length === 4));
      assert.equal(issues[2].latestEvent?.release, 'shop@1.4.1');
      assert.equal(eventRequests().length, 5);
      assert.ok(mostInFlight <= 2 && mostInFlight >= 1, `at most 2 event requests at once, saw ${mostInFlight}`);

      // The next look: issues last seen when they were then keep the event read then, without asking again.
      const changed = { ...issues[1], lastSeen: '2000-01-01T00:00:00Z' };
      const again = await client().issuesWithLatestEvents({ previous: [issues[0], changed, ...issues.slice(2)] });
      assert.equal(eventRequests().length, 6, 'one more event request: the issue whose last-seen time differs');
      assert.deepEqual(again[0].latestEvent, issues[0].latestEvent);
    });

    it('keeps no latestEvent for an issue whose event is gone, and fails on any other error', async () => {
      const failingFor =
        (issueId: string, failure: StubFailure): typeof fetch =>
        (input, init) => {
          if (urlOf(input).includes(`/issues/${issueId}/events/`)) stub.failNext(failure);
          return fetch(input, init);
        };
      const issues = await client({ fetch: failingFor('5012345603', 'not-found') }).issuesWithLatestEvents({ concurrency: 1 });
      assert.deepEqual(
        issues.map((i) => i.latestEvent === undefined),
        [false, false, true, false, false],
      );

      const error = await apiError(client({ fetch: failingFor('5012345603', 'server-error') }).issuesWithLatestEvents({ concurrency: 1 }));
      assert.equal(error.kind, 'server');
    });
  });

  describe('failures', () => {
    it('401: a wrong, expired or revoked token asks the user to sign in again', async () => {
      const error = await apiError(client({ token: 'sntryu_revoked' }).listIssues());
      assert.equal(error.kind, 'unauthorized');
      assert.equal(error.status, 401);
      assert.match(error.message, /expired or been revoked, so sign in to Sentry again/);
      assert.equal(stub.requests.length, 1);
    });

    it('403: the token may not read the project', async () => {
      const error = await apiError(client().listIssues({ project: '4505099' }));
      assert.equal(error.kind, 'forbidden');
      assert.match(error.message, /may not list the issues of acme \(4505099\): it needs the event:read scope/);
    });

    it('404: names the organization (and project) that was not found', async () => {
      const error = await apiError(client({ org: 'acme-typo' }).listIssues({ project: 'shop' }));
      assert.equal(error.kind, 'not-found');
      assert.match(error.message, /organization "acme-typo" or project "shop"/);
      assert.ok(error.message.includes(stub.url));

      const eventError = await apiError(client().latestEvent('999'));
      assert.equal(eventError.kind, 'not-found');
      assert.match(eventError.message, /issue 999 in organization "acme"/);
    });

    it('500: a server error says try again, with what Sentry said', async () => {
      stub.failNext('server-error');
      const error = await apiError(client().listIssues());
      assert.equal(error.kind, 'server');
      assert.equal(error.status, 500);
      assert.match(error.message, /Sentry could not list the issues of acme \(500: Internal Error\): try again/);
    });

    it('a slow answer is a timeout that says how long Conveyor waited', async () => {
      stub.failNext('slow', { delayMs: 3000 });
      const started = Date.now();
      const error = await apiError(client({ timeoutMs: 300 }).listIssues());
      assert.equal(error.kind, 'timeout');
      assert.match(error.message, /did not answer within 0\.3 s/);
      assert.ok(Date.now() - started < 2000, 'gave up at the timeout, not when the server answered');
    });

    it('malformed JSON, a wrong shape or a web page are malformed answers', async () => {
      stub.failNext('malformed-json');
      const notJson = await apiError(client().listIssues());
      assert.equal(notJson.kind, 'malformed');
      assert.match(notJson.message, /not JSON/);

      stub.failNext('wrong-shape');
      const wrongShape = await apiError(client().listIssues());
      assert.equal(wrongShape.kind, 'malformed');
      assert.match(wrongShape.message, /unexpected shape \(the issue list is not a list\)/);

      stub.failNext('html');
      const page = await apiError(client().listIssues());
      assert.equal(page.kind, 'malformed');
      assert.match(page.message, /web page instead of Sentry's JSON/);
    });

    it('a server that is not there is a network error in words', async () => {
      const port = await closedPort();
      const error = await apiError(client({ baseUrl: `http://127.0.0.1:${port}` }).listIssues());
      assert.equal(error.kind, 'unreachable');
      assert.equal(error.message, `Cannot reach Sentry at http://127.0.0.1:${port}: connection refused`);
    });

    it('never puts the token in a message, even when a proxy echoes it back', async () => {
      const failures: StubFailure[] = [
        'unauthorized',
        'forbidden',
        'not-found',
        'server-error',
        'server-error-echoing-auth',
        'malformed-json',
        'html',
      ];
      for (const failure of failures) {
        stub.failNext(failure);
        const error = await apiError(client().listIssues());
        assert.ok(error.message.length > 0, failure);
      }
      stub.failNext('server-error-echoing-auth');
      const echoed = await apiError(client().listIssues());
      assert.match(echoed.message, /Upstream refused Bearer \*\*\*/);
    });
  });

  describe('rate limits', () => {
    it('429: waits the Retry-After it was given, then succeeds', async () => {
      stub.failNext('rate-limited', { retryAfterSeconds: 1 });
      const started = Date.now();
      const issues = await client().listIssues({ maxPages: 1 });
      const elapsed = Date.now() - started;
      assert.equal(issues.length, 2);
      assert.equal(stub.requests.length, 2);
      assert.ok(elapsed >= 950, `waited ${elapsed} ms, Sentry asked for 1 s`);
      assert.ok(stub.requests[1].at - stub.requests[0].at >= 950);
    });

    it('429 without Retry-After: waits until X-Sentry-Rate-Limit-Reset', async () => {
      stub.failNext('rate-limited-reset-only', { resetInSeconds: 2 });
      await client().listIssues({ maxPages: 1 });
      const [limited, retried] = stub.requests;
      const resetAt = (Math.floor(limited.at / 1000) + 2) * 1000;
      assert.ok(retried.at >= resetAt - 50, `retried ${resetAt - retried.at} ms before the reset`);
    });

    it('429 twice: retries once only, then says when to try again', async () => {
      stub.failNext('rate-limited', { retryAfterSeconds: 1 });
      stub.failNext('rate-limited', { retryAfterSeconds: 1 });
      const error = await apiError(client().listIssues());
      assert.equal(error.kind, 'rate-limited');
      assert.equal(stub.requests.length, 2);
      assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 0);
      assert.match(
        error.message,
        /rate limit for this token is used up, so Conveyor cannot list the issues of acme now: try again in \d s/,
      );
    });

    it('429 asking for longer than the bound: fails at once with when to retry', async () => {
      stub.failNext('rate-limited', { retryAfterSeconds: 120 });
      const started = Date.now();
      const error = await apiError(client({ maxRateLimitWaitMs: 60_000 }).listIssues());
      assert.ok(Date.now() - started < 1000, 'did not wait two minutes');
      assert.equal(error.kind, 'rate-limited');
      assert.equal(stub.requests.length, 1);
      assert.match(error.message, /try again in 2 min/);
      assert.ok(error.retryAfterMs !== undefined && Math.abs(Date.now() + error.retryAfterMs - (started + 120_000)) < 2000);
    });

    it('when an answer says the budget is spent, waits for the reset before the next request', async () => {
      stub.failNext('budget-spent', { resetInSeconds: 2 });
      const sentry = client();
      const issues = await sentry.listIssues();
      assert.equal(issues.length, 5);
      const [first, second] = stub.requests;
      const resetAt = (Math.floor(first.at / 1000) + 2) * 1000;
      assert.ok(second.at >= resetAt - 50, `asked ${resetAt - second.at} ms before the budget refilled`);
      assert.deepEqual(Object.keys(sentry.rateLimit('issues') ?? {}).sort(), ['limit', 'remaining', 'resetAt']);
      assert.equal(sentry.rateLimit('issues')?.limit, 40);
    });
  });
});
