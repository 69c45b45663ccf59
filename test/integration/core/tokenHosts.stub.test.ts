// A token never crosses the network in clear text: the GitHub, Jira, Sentry and Jenkins clients, given a plain-http
// URL of another machine (this machine's non-loopback address, where each stub listens), refuse before any request,
// with a sentence that names the URL and says to use https. The same stubs on the loopback get the token, so
// "no request arrived" means the client held it back, not that the stub could not be reached.
import * as assert from 'node:assert/strict';
import { GitHubActionsClient } from '../../../src/ci/github/githubActions';
import { JenkinsClient } from '../../../src/ci/jenkins/jenkinsClient';
import { boardFromEnvironment } from '../../../src/loop/itemsFollow/boardFromEnvironment';
import { SentryClient } from '../../../src/monitor/errors/sentry/sentryApi';
import { JiraBoardProvider } from '../../../src/plan/jira/jiraBoard';
import { folderStatus } from '../../support/folderStatusFixture';
import { startGitHubStub, STUB_OWNER, STUB_REPO } from '../../support/githubStub';
import { JenkinsStub } from '../../support/jenkinsStub';
import { startJiraStub, STUB_EMAIL, STUB_PROJECT, STUB_TOKEN as JIRA_TOKEN } from '../../support/jiraStub';
import { startSentryStub, STUB_ORG, STUB_TOKEN as SENTRY_TOKEN } from '../../support/sentryStub';
import { serviceErrorOf } from '../../support/serviceError';
import { nonLoopbackAddress } from '../../support/stubServer';

const GITHUB_TOKEN = 'ghp_stubToken0123456789abcdefghijklmnopqr';
const JENKINS_USER = 'release-bot';
const JENKINS_TOKEN = '11c0ffee5eed1dea5b0b0fab1e5ca1ab1e';

/** The refusal: before any request, naming the plain-http origin and what to use instead. */
async function assertRefused(call: Promise<unknown>, origin: string, secrets: string[]): Promise<void> {
  const error = await serviceErrorOf(call, secrets);
  assert.equal(error.kind, 'invalid');
  assert.ok(error.message.includes(origin), error.message);
  assert.match(error.message, /sends a token only over https .*use an https:\/\/ address/);
}

describe('tokens and plain-http hosts of another machine (integration, stub)', () => {
  const address = nonLoopbackAddress();

  before(() => {
    // The stub must listen where "another machine" would: a test that cannot show that fails loudly, never skips.
    assert.ok(address, 'these tests need a network interface with a non-loopback IPv4 address (none found)');
  });

  it('GitHub: an enterprise API root over http on another machine never receives the token; on the loopback it does', async () => {
    const remote = await startGitHubStub({ host: address });
    const local = await startGitHubStub();
    try {
      const origin = new URL(remote.url).origin;
      const client = new GitHubActionsClient({ baseUrl: `${remote.url}/api/v3`, token: GITHUB_TOKEN });
      await assertRefused(client.runsFor(STUB_OWNER, STUB_REPO, {}), origin, [GITHUB_TOKEN]);
      assert.deepEqual(remote.requests, [], 'no request reached the remote host');

      await new GitHubActionsClient({ baseUrl: `${local.url}/api/v3`, token: GITHUB_TOKEN }).runsFor(STUB_OWNER, STUB_REPO, {});
      assert.equal(local.requests[0]?.headers.authorization, `Bearer ${GITHUB_TOKEN}`);
    } finally {
      await Promise.all([remote.stop(), local.stop()]);
    }
  });

  it('GitHub without a token still reads a public repository over http (nothing secret to send)', async () => {
    const remote = await startGitHubStub({ host: address });
    try {
      const runs = await new GitHubActionsClient({ baseUrl: `${remote.url}/api/v3` }).runsFor(STUB_OWNER, STUB_REPO, {});
      assert.ok(runs.changed && runs.data.length > 0);
      assert.equal(remote.requests[0]?.headers.authorization, undefined);
    } finally {
      await remote.stop();
    }
  });

  it('conveyor ship (the CLI): GITHUB_API_URL over http on another machine is refused, naming the variable', async () => {
    const remote = await startGitHubStub({ host: address });
    try {
      const status = folderStatus({
        board: { provider: 'github', file: '.conveyor/board.yml', exists: false, items: [] },
        config: {
          file: '/ws/shop/conveyor.yml',
          found: true,
          config: { board: { provider: 'github', github: { owner: STUB_OWNER, repo: STUB_REPO } } },
          problems: [],
        },
      });
      const error = await serviceErrorOf(boardFromEnvironment(status, { GITHUB_TOKEN, GITHUB_API_URL: `${remote.url}/api/v3` }), [
        GITHUB_TOKEN,
      ]);
      assert.equal(error.kind, 'invalid');
      assert.match(error.message, /^GITHUB_API_URL points at http:\/\//);
      assert.deepEqual(remote.requests, []);
    } finally {
      await remote.stop();
    }
  });

  it('Jira: a site over http on another machine never receives the API token', async () => {
    const remote = await startJiraStub({ host: address });
    try {
      const board = new JiraBoardProvider({ site: remote.url, email: STUB_EMAIL, apiToken: JIRA_TOKEN, project: STUB_PROJECT });
      await assertRefused(board.list({}), new URL(remote.url).origin, [JIRA_TOKEN]);
      assert.deepEqual(remote.requests, []);
    } finally {
      await remote.stop();
    }
  });

  it('Sentry: a self-hosted Sentry over http on another machine never receives the auth token', async () => {
    const remote = await startSentryStub({ host: address });
    try {
      const client = new SentryClient({ baseUrl: remote.url, token: SENTRY_TOKEN, org: STUB_ORG });
      await assertRefused(client.issuesWithLatestEvents({}), new URL(remote.url).origin, [SENTRY_TOKEN]);
      assert.deepEqual(remote.requests, []);
    } finally {
      await remote.stop();
    }
  });

  it('Jenkins: the API token is held back over http on another machine, while anonymous reads still work', async () => {
    const remote = await JenkinsStub.start({ host: address });
    try {
      const withToken = new JenkinsClient({ url: remote.url, user: JENKINS_USER, apiToken: JENKINS_TOKEN });
      await assertRefused(withToken.jobs(), new URL(remote.url).origin, [JENKINS_TOKEN]);
      assert.equal(remote.requests.length, 0);

      assert.ok((await new JenkinsClient({ url: remote.url }).jobs()).length > 0);
      assert.ok(remote.requests.length > 0);
      assert.ok(remote.requests.every((r) => r.headers.authorization === undefined));
    } finally {
      await remote.close();
    }
  });
});
