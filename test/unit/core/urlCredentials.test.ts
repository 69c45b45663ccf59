import * as assert from 'node:assert/strict';
import { splitUrlCredentials, withoutCredentials } from '../../../src/core/http/urlCredentials';

describe('credentials written in URLs (unit)', () => {
  it('turns them into a Basic Authorization and a URL without them', () => {
    const { url, authorization } = splitUrlCredentials(new URL('https://probe:s3cr%40t@status.example/health?x=1'));
    assert.equal(url.href, 'https://status.example/health?x=1');
    assert.equal(authorization, `Basic ${Buffer.from('probe:s3cr@t').toString('base64')}`);
    assert.deepEqual(splitUrlCredentials(new URL('https://status.example/')), { url: new URL('https://status.example/') });
  });

  it('leaves them out wherever a URL is shown or published, and leaves other text as it is', () => {
    assert.equal(withoutCredentials('https://ci:api-token@jenkins.example/job/x'), 'https://jenkins.example/job/x');
    assert.equal(withoutCredentials('http://probe:s3cret@[bad/'), 'http://[bad/');
    assert.equal(withoutCredentials('https://oauth2:glpat-SECRET@gitlab.com/acme/app.git'), 'https://gitlab.com/acme/app.git');
    assert.equal(withoutCredentials('https://x-access-token:ghp_X@github.com/acme/shop'), 'https://github.com/acme/shop');
    assert.equal(withoutCredentials('https://jenkins.example/'), 'https://jenkins.example/');
    assert.equal(withoutCredentials('git@github.com:acme/shop.git'), 'git@github.com:acme/shop.git');
  });
});
