// The Sentry stub's fixtures against Sentry's published OpenAPI description, and the client's pure parts:
// the Link header, the search query and the mapping of Sentry's shapes.
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { nextCursor, searchQuery } from '../../../src/monitor/errors/sentry/sentryApi';
import { eventFromSentry, issueFromSentry } from '../../../src/monitor/errors/sentry/sentryMapping';
import {
  fixture,
  FIXTURE_SCHEMAS,
  FIXTURES,
  fixtureProblems,
  OPERATIONS,
  publishedExample,
  validateEvent,
  validateResponse,
} from '../../support/sentryStub';

describe('Sentry stub fixtures (unit)', () => {
  it('each validates against the schema of its operation in the published spec', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .sort();
    assert.deepEqual(FIXTURE_SCHEMAS.map((f) => f.file).sort(), files, 'every fixture has a schema check');
    assert.deepEqual(fixtureProblems(), []);
  });

  it("include the spec's own examples verbatim", () => {
    assert.deepEqual(fixture('issues-published-example.json'), publishedExample(OPERATIONS.listIssues));
    assert.deepEqual(fixture('event-published-example.json'), publishedExample(OPERATIONS.issueEvent));
  });

  it('a fixture edit that breaks the schema is caught', () => {
    const page = fixture<Record<string, unknown>[]>('issues-page-1.json');
    page[0].count = 152; // the API sends a string
    assert.deepEqual(validateResponse(OPERATIONS.listIssues, page), ['/0/count must be string']);

    const event = fixture<{ entries: { data: { values: { stacktrace: { frames: Record<string, unknown>[] } }[] } }[] }>(
      'event-5012345601.json',
    );
    const [frame] = event.entries[0].data.values[0].stacktrace.frames;
    // The envelope's spelling, which the REST API does not use.
    frame.lineno = frame.lineNo;
    delete frame.lineNo;
    assert.deepEqual(validateEvent(event), ["exception entry/data/values/0/stacktrace/frames/0 must have required property 'lineNo'"]);
  });
});

describe('Sentry REST client: pure parts (unit)', () => {
  it('reads the next cursor from Link, and none when results="false" or there is no next link', () => {
    const link = (results: boolean) =>
      `<https://sentry.io/api/0/organizations/acme/issues/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ` +
      `<https://sentry.io/api/0/organizations/acme/issues/?cursor=1735689600000:100:0>; rel="next"; results="${results}"; cursor="1735689600000:100:0"`;
    assert.equal(nextCursor(link(true)), '1735689600000:100:0');
    assert.equal(nextCursor(link(false)), undefined);
    assert.equal(nextCursor('<https://sentry.io/x>; rel="previous"; results="true"; cursor="0:0:1"'), undefined);
    assert.equal(nextCursor(null), undefined);
  });

  it('builds the search query, quoting a release that needs it', () => {
    assert.equal(searchQuery({}), 'is:unresolved');
    assert.equal(searchQuery({ release: 'shop@1.4.2' }), 'release:shop@1.4.2 is:unresolved');
    assert.equal(searchQuery({ release: 'my app 2', query: 'is:unresolved level:error' }), 'release:"my app 2" is:unresolved level:error');
    assert.equal(searchQuery({ release: '1.0', query: '' }), 'release:1.0');
  });

  it('maps releases of the issue-details shape, and odd levels to error', () => {
    const [raw] = fixture<Record<string, unknown>[]>('issues-page-1.json');
    const mapped = issueFromSentry({ ...raw, level: 'sample', firstRelease: { version: 'shop@1.4.0' }, lastRelease: null });
    assert.ok(mapped.ok);
    assert.equal(mapped.value.level, 'error');
    assert.equal(mapped.value.firstRelease, 'shop@1.4.0');
    assert.equal(mapped.value.lastRelease, undefined);
  });

  it('describes what is wrong with an issue or event in the wrong shape', () => {
    assert.deepEqual(issueFromSentry({ id: '1' }), { ok: false, problem: 'an issue has no id or title' });
    assert.deepEqual(issueFromSentry({ id: '1', title: 'x', count: 'many' }), {
      ok: false,
      problem: 'issue 1 has a count that is not a number',
    });
    assert.deepEqual(eventFromSentry({ eventID: 'abc' }), { ok: false, problem: 'event abc has no entries' });
    assert.deepEqual(
      eventFromSentry({
        eventID: 'abc',
        entries: [{ type: 'exception', data: { values: [{ type: 'E', value: 'v', stacktrace: { frames: 'no' } }] } }],
      }),
      {
        ok: false,
        problem: 'the stack trace of event abc is not a list of frames',
      },
    );
  });

  it('an event without an exception (a captured message) has no frames and takes its type from the metadata', () => {
    const mapped = eventFromSentry({
      eventID: 'abc',
      dateCreated: '2025-03-04T10:00:00Z',
      entries: [{ type: 'message', data: {} }],
      metadata: { title: 'Cache warmed' },
      title: 'Cache warmed',
    });
    assert.ok(mapped.ok);
    assert.deepEqual(mapped.value.frames, []);
    assert.equal(mapped.value.exceptionType, 'Cache warmed');
    assert.equal(mapped.value.exceptionValue, '');
  });
});
