import * as assert from 'node:assert/strict';
import { ServiceError } from '../../../src/core/errors';
import { errorNotice } from '../../../src/ui/errorNotice';

describe('what a failed command shows (unit)', () => {
  it('shows a plain error as its message after what failed, with no action and no stack', () => {
    const error = new TypeError('boom');
    assert.deepEqual(errorNotice(error, { what: 'Could not scale web' }), {
      message: 'Could not scale web: boom',
      text: 'Could not scale web: boom',
      actions: [],
    });
    assert.equal(errorNotice('just text').text, 'just text');
  });

  it('offers the stage’s sign-in for unauthorized, else the one of the service named, with the folder', () => {
    const error = new ServiceError('Jira', 'unauthorized', 'Jira rejected the API token');
    assert.deepEqual(errorNotice(error, { folder: '/ws/shop' }).actions, [
      { title: 'Sign In', command: 'conveyor.board.signIn', arguments: ['/ws/shop'] },
    ]);
    assert.deepEqual(errorNotice(error, { signIn: 'conveyor.ci.signInJenkins' }).actions, [
      { title: 'Sign In', command: 'conveyor.ci.signInJenkins', arguments: [] },
    ]);
    assert.deepEqual(
      errorNotice(new ServiceError('the registry 127.0.0.1:5000', 'unauthorized', 'no')).actions.map((a) => a.command),
      ['conveyor.release.signIn'],
    );
    assert.deepEqual(errorNotice(new ServiceError('Kubernetes', 'unauthorized', 'no')).actions, [], 'no sign-in Conveyor could offer');
  });

  it('says when to try again after a rate limit, unless the service already says so', () => {
    assert.equal(
      errorNotice(new ServiceError('GitHub', 'rate-limited', 'GitHub’s API rate limit is used up', { retryAfterMs: 180_000 })).text,
      'GitHub’s API rate limit is used up (try again in 3 min)',
    );
    assert.equal(
      errorNotice(new ServiceError('Jira', 'rate-limited', 'Jira asks Conveyor to slow down: try again in 30 s', { retryAfterMs: 30_000 }))
        .text,
      'Jira asks Conveyor to slow down: try again in 30 s',
    );
    assert.equal(
      errorNotice(new ServiceError('Sentry', 'rate-limited', 'Too many requests')).text,
      'Too many requests (try again in a minute)',
    );
  });

  it('offers conveyor.yml for a refused or missing thing when the folder is known, else the settings', () => {
    assert.deepEqual(errorNotice(new ServiceError('Sentry', 'not-found', 'No project shop'), { folder: '/ws/shop' }).actions, [
      { title: 'Open conveyor.yml', command: 'conveyor.openConfig', arguments: ['/ws/shop'] },
    ]);
    assert.deepEqual(errorNotice(new ServiceError('GitHub', 'forbidden', 'The token needs repo')).actions, [
      { title: 'Open Settings', command: 'workbench.action.openSettings', arguments: ['@ext:conveyor-dev.conveyor'] },
    ]);
  });

  it('offers the log when the service could not be reached or did not answer in time', () => {
    for (const kind of ['unreachable', 'timeout'] as const) {
      assert.deepEqual(errorNotice(new ServiceError('Kubernetes', kind, 'Cannot reach the cluster')).actions, [
        { title: 'Show Log', command: 'conveyor.showLog', arguments: [] },
      ]);
    }
    assert.deepEqual(errorNotice(new ServiceError('GitHub', 'server', 'GitHub could not list runs (502)')).actions, []);
  });
});
