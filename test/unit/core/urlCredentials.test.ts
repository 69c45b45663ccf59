import * as assert from 'node:assert/strict';
import { redactUrl, splitUrlCredentials } from '../../../src/core/http/urlCredentials';

describe('credentials written in URLs (unit)', () => {
  it('turns them into a Basic Authorization and a URL without them', () => {
    const { url, authorization } = splitUrlCredentials(new URL('https://probe:s3cr%40t@status.example/health?x=1'));
    assert.equal(url.href, 'https://status.example/health?x=1');
    assert.equal(authorization, `Basic ${Buffer.from('probe:s3cr@t').toString('base64')}`);
    assert.deepEqual(splitUrlCredentials(new URL('https://status.example/')), { url: new URL('https://status.example/') });
  });

  it('masks the password wherever a URL is shown, and leaves other text as it is', () => {
    assert.equal(redactUrl('https://ci:api-token@jenkins.example/job/x'), 'https://ci:***@jenkins.example/job/x');
    assert.equal(redactUrl('http://probe:s3cret@[bad/'), 'http://probe:***@[bad/');
    assert.equal(redactUrl('https://jenkins.example/'), 'https://jenkins.example/');
    assert.equal(redactUrl('git@github.com:acme/shop.git'), 'git@github.com:acme/shop.git');
  });
});
