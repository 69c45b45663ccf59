// The Jenkins client against a local stub replaying recorded Jenkins JSON (no Jenkins can be installed here;
// test/fixtures/jenkins/README.md says where each recording comes from).
import * as assert from 'node:assert/strict';
import { JenkinsClient } from '../../../src/ci/jenkins/jenkinsClient';
import type { JenkinsJob } from '../../../src/ci/jenkins/jenkinsClient';
import { defaultLogParts, jenkinsFixture, JenkinsStub } from '../../support/jenkinsStub';
import type { JenkinsStubOptions } from '../../support/jenkinsStub';
import { serviceErrorOf } from '../../support/serviceError';
import { closedPort } from '../../support/stubServer';

const USER = 'release-bot';
const API_TOKEN = '11c0ffee5eed1dea5b0b0fab1e5ca1ab1e';
const WRONG_TOKEN = '11deadbeefdeadbeefdeadbeefdeadbeef';

/** The ServiceError a call fails with, checked to show no token. */
const ciError = (promise: Promise<unknown>) => serviceErrorOf(promise, [API_TOKEN, WRONG_TOKEN]);

/** Name, state and children of a job tree, to compare at a glance. */
function outline(jobs: JenkinsJob[]): unknown[] {
  return jobs.map((job) =>
    job.kind === 'folder' ? [job.fullName, job.state, job.children ? outline(job.children) : 'not loaded'] : [job.fullName, job.state],
  );
}

describe('Jenkins client against a stub replaying recorded Jenkins JSON (integration, stub)', () => {
  const stubs: JenkinsStub[] = [];
  const started = async (options: JenkinsStubOptions = {}) => {
    const stub = await JenkinsStub.start({ credentials: { user: USER, apiToken: API_TOKEN }, ...options });
    stubs.push(stub);
    return stub;
  };
  const clientOf = (stub: JenkinsStub, options: Partial<ConstructorParameters<typeof JenkinsClient>[0]> = {}) =>
    new JenkinsClient({ url: stub.url, user: USER, apiToken: API_TOKEN, ...options });

  afterEach(async () => {
    await Promise.all(stubs.splice(0).map((stub) => stub.close()));
  });

  describe('reading', () => {
    it('reads the job tree with folders and a multibranch project in one request, three levels deep', async () => {
      const stub = await started();
      const jenkins = clientOf(stub);
      const jobs = await jenkins.jobs();

      assert.equal(stub.requests.length, 1, 'one request for the whole tree');
      assert.equal(
        stub.requests[0].query.get('tree'),
        'jobs[name,fullName,url,color,jobs[name,fullName,url,color,jobs[name,fullName,url,color]]]',
      );
      assert.equal(stub.requests[0].headers.authorization, `Basic ${Buffer.from(`${USER}:${API_TOKEN}`).toString('base64')}`);
      assert.deepEqual(outline(jobs), [
        ['fish', 'passed'],
        ['WeCI', 'unknown'],
        ['Test Workflow Job', 'cancelled'],
        [
          'shop',
          'running',
          [
            ['shop/nightly', 'failed'],
            [
              'shop/shop-api',
              'running',
              [
                ['shop/shop-api/main', 'running'],
                ['shop/shop-api/feature%2Flogin', 'failed'],
                ['shop/shop-api/PR-7', 'unknown'],
              ],
            ],
            ['shop/archive', 'unknown', [['shop/archive/2019', 'unknown', 'not loaded']]],
          ],
        ],
        ['empty', 'unknown', []],
      ]);
      const shopApi = jobs[3].children?.[1];
      assert.equal(shopApi?.kind, 'folder');
      assert.equal(shopApi?.children?.[1].color, 'yellow', 'the raw color stays available for tooltips');
      assert.equal(shopApi?.children?.[1].url, `${stub.url}job/shop/job/shop-api/job/feature%252Flogin/`);

      const deeper = await jenkins.jobs('shop/archive/2019');
      assert.equal(stub.requests[1].path, '/job/shop/job/archive/job/2019/api/json');
      assert.deepEqual(outline(deeper), [['shop/archive/2019/release-2019', 'failed']]);
    });

    it('reads a recorded job list of a Jenkins without folders', async () => {
      const stub = await started({ root: 'jobs.json' });
      const jobs = await clientOf(stub).jobs();
      assert.deepEqual(
        jobs.map((j) => [j.fullName, j.kind, j.state]),
        [
          ['cicloud_git', 'job', 'passed'],
          ['DTS', 'job', 'passed'],
          ['easy_plm', 'job', 'passed'],
          ['summary', 'job', 'passed'],
          ['VMP', 'job', 'passed'],
          ['WeCI', 'job', 'unknown'],
          ['WeCIWeb', 'job', 'unknown'],
          ['WeCIWeb_copy', 'job', 'unknown'],
        ],
      );
      assert.equal(jobs[0].url, `${stub.url}job/cicloud_git/`);
    });

    it('maps builds to runs, with commit and branch from the git plugin and the limit in the query', async () => {
      const stub = await started();
      const jenkins = clientOf(stub);
      const runs = await jenkins.builds('shop/shop-api/main');

      const request = stub.requests[0];
      assert.equal(request.path, '/job/shop/job/shop-api/job/main/api/json');
      assert.match(
        request.query.get('tree') ?? '',
        /^builds\[number,url,result,building,timestamp,duration,estimatedDuration,actions\[lastBuiltRevision\[SHA1,branch\[name\]\]\]\]\{0,10\}$/,
      );
      assert.deepEqual(
        runs.map((r) => [r.id, r.number, r.state, r.rawStatus]),
        [
          ['shop/shop-api/main#6', 6, 'running', 'BUILDING'],
          ['shop/shop-api/main#5', 5, 'failed', 'UNSTABLE'],
          ['shop/shop-api/main#4', 4, 'failed', 'FAILURE'],
          ['shop/shop-api/main#3', 3, 'passed', 'SUCCESS'],
          ['shop/shop-api/main#2', 2, 'cancelled', 'ABORTED'],
          ['shop/shop-api/main#1', 1, 'skipped', 'NOT_BUILT'],
        ],
      );
      const recorded = runs[3];
      assert.equal(recorded.provider, 'jenkins');
      assert.equal(recorded.name, 'shop/shop-api/main');
      assert.equal(recorded.commit, '7def9ed6e92580f37d00e4980c36c4d36e68f702');
      assert.equal(recorded.branch, 'unstable');
      assert.equal(recorded.startedAt, new Date(1372553675652).toISOString());
      assert.equal(recorded.durationMs, 1051);
      assert.equal(recorded.url, `${stub.url}job/shop/job/shop-api/job/main/3/`);
      assert.equal(runs[0].commit, undefined, 'no BuildData, no commit');
      assert.ok(
        runs[0].durationMs !== undefined && runs[0].durationMs >= 30_000 && runs[0].durationMs < 90_000,
        'a running build reports the time elapsed so far',
      );

      const two = await jenkins.builds('shop/shop-api/main', 2);
      assert.match(stub.requests[1].query.get('tree') ?? '', /\{0,2\}$/);
      assert.deepEqual(
        two.map((r) => r.number),
        [6, 5],
      );
      const fish = await jenkins.builds('fish');
      assert.deepEqual(
        fish.map((r) => [r.id, r.state, r.durationMs]),
        [['fish#10', 'passed', 60750]],
      );
    });

    it('reads the recorded queue, with the job of each item', async () => {
      const stub = await started();
      const items = await clientOf(stub).queue();
      assert.equal(stub.requests[0].path, '/queue/api/json');
      assert.deepEqual(items, [
        {
          id: 7,
          name: 'chicken',
          jobFullName: 'chicken',
          url: `${stub.url}queue/item/7/`,
          taskUrl: `${stub.url}job/chicken/`,
          why: 'Waiting for next available executor',
          inQueueSince: new Date(1460738557584).toISOString(),
          blocked: false,
          stuck: false,
        },
        {
          id: 6,
          name: 'Freestyle',
          jobFullName: 'Freestyle',
          url: `${stub.url}queue/item/6/`,
          taskUrl: `${stub.url}job/Freestyle/`,
          why: 'Waiting for next available executor',
          inQueueSince: new Date(1460738551155).toISOString(),
          blocked: false,
          stuck: false,
        },
      ]);
    });
  });

  describe('building', () => {
    it('builds with parameters, sending the crumb with its session cookie, and follows the queue item to the build', async () => {
      const stub = await started({ queuePollsBeforeStart: 2 });
      const jenkins = clientOf(stub);
      const { queueItemUrl } = await jenkins.build('shop/shop-api/feature%2Flogin', { TARGET: 'staging', NOTE: 'a & b = c' });

      const [crumbRequest, post] = stub.requests;
      assert.equal(crumbRequest.path, '/crumbIssuer/api/json');
      assert.equal(post.method, 'POST');
      assert.equal(post.path, '/job/shop/job/shop-api/job/feature%252Flogin/buildWithParameters');
      assert.match(String(post.headers['jenkins-crumb']), /^[0-9a-f]{64}$/);
      assert.match(String(post.headers.cookie), /^JSESSIONID\.5c0ffee1=[0-9a-f]+$/);
      assert.equal(post.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.deepEqual(stub.triggered, [
        {
          job: 'shop/shop-api/feature%2Flogin',
          endpoint: 'buildWithParameters',
          parameters: { TARGET: 'staging', NOTE: 'a & b = c' },
          queueId: 143,
        },
      ]);
      assert.equal(queueItemUrl, `${stub.url}queue/item/143/`);

      assert.equal(await jenkins.queueItemBuild(queueItemUrl), undefined, 'waiting');
      assert.equal(await jenkins.queueItemBuild(queueItemUrl), undefined, 'still waiting');
      const build = await jenkins.queueItemBuild(queueItemUrl);
      assert.deepEqual(build, { number: 15, url: `${stub.url}job/shop/job/shop-api/job/feature%252Flogin/15/` });
      assert.equal(stub.requestsTo('/queue/item/143/api/json').length, 3);
    });

    it('builds without parameters through /build', async () => {
      const stub = await started();
      const { queueItemUrl } = await clientOf(stub).build('fish');
      assert.equal(stub.requests[1].path, '/job/fish/build');
      assert.equal(stub.requests[1].body, '');
      assert.equal(queueItemUrl, `${stub.url}queue/item/143/`);
    });

    it('still builds when Jenkins has no crumb issuer', async () => {
      const stub = await started({ crumbIssuer: 'absent' });
      const { queueItemUrl } = await clientOf(stub).build('shop/nightly', {});
      assert.equal(stub.requests[0].path, '/crumbIssuer/api/json');
      assert.equal(stub.requests[1].headers['jenkins-crumb'], undefined);
      assert.equal(stub.requests[1].headers.cookie, undefined);
      assert.equal(
        stub.requests[1].path,
        '/job/shop/job/nightly/buildWithParameters',
        'empty parameters still mean the parameterized endpoint, so defaults apply',
      );
      assert.equal(queueItemUrl, `${stub.url}queue/item/143/`);
    });

    it('says so when Jenkins wants a crumb it does not issue', async () => {
      const stub = await started({ crumbIssuer: 'absent-but-required' });
      const error = await ciError(clientOf(stub).build('fish'));
      assert.equal(error.kind, 'forbidden');
      assert.match(
        error.message,
        /wants a CSRF crumb to build fish \(403 No valid crumb\), but its crumb issuer \(crumbIssuer\/api\/json\) answered 404: sign in with an API token/,
      );
    });

    it('says so when the crumb is rejected because the session cookie got lost', async () => {
      const stub = await started();
      const withoutCookies: typeof fetch = (input, init) => {
        const headers = new Headers(init?.headers);
        headers.delete('cookie');
        return fetch(input, { ...init, headers });
      };
      const error = await ciError(clientOf(stub, { fetch: withoutCookies }).build('fish'));
      assert.equal(error.kind, 'forbidden');
      assert.match(error.message, /rejected the CSRF crumb sent to build fish \(403 No valid crumb\): a proxy may drop the session cookie/);
      assert.equal(stub.triggered.length, 0);
    });
  });

  describe('following a console', () => {
    it('concatenates the pieces in order and stops when X-More-Data disappears', async () => {
      const stub = await started();
      const chunks: string[] = [];
      await clientOf(stub).followLog('shop/shop-api/main', 6, (chunk) => chunks.push(chunk), { pollMs: 20 });

      assert.equal(chunks.join(''), jenkinsFixture('console-text.txt'));
      const polls = stub.requestsTo('/logText/progressiveText');
      assert.equal(polls[0].path, '/job/shop/job/shop-api/job/main/6/logText/progressiveText');
      const sizes = defaultLogParts().map((part) => Buffer.byteLength(part));
      const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((sum, size) => sum + size, 0));
      assert.deepEqual(
        polls.map((r) => Number(r.query.get('start'))),
        offsets,
        'each poll starts where X-Text-Size said, and there is none after the last',
      );
    });

    it('keeps a character whole when a poll ends inside it', async () => {
      const stub = await started();
      const check = Buffer.from('✓');
      stub.setLog('fish', 10, {
        parts: [Buffer.concat([Buffer.from('tests '), check.subarray(0, 2)]), Buffer.concat([check.subarray(2), Buffer.from(' passed\n')])],
      });
      const chunks: string[] = [];
      await clientOf(stub).followLog('fish', 10, (chunk) => chunks.push(chunk), { pollMs: 10 });
      assert.equal(chunks.join(''), 'tests ✓ passed\n');
    });

    it('stops polling when aborted, and resolves', async () => {
      const stub = await started();
      stub.setLog('fish', 11, { parts: ['Started by user admin\n'], endless: true });
      const abort = new AbortController();
      const chunks: string[] = [];
      const following = clientOf(stub).followLog('fish', 11, (chunk) => chunks.push(chunk), { signal: abort.signal, pollMs: 30 });
      while (stub.requestsTo('/logText/progressiveText').length < 3) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      abort.abort();
      await following;
      const polls = stub.requestsTo('/logText/progressiveText').length;
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.equal(stub.requestsTo('/logText/progressiveText').length, polls, 'no poll after the abort');
      assert.deepEqual(chunks, ['Started by user admin\n']);
    });
  });

  describe('failing with a message the user can act on', () => {
    it('401: a wrong API token', async () => {
      const stub = await started();
      const error = await ciError(clientOf(stub, { apiToken: WRONG_TOKEN }).jobs());
      assert.equal(error.kind, 'unauthorized');
      assert.equal(
        error.message,
        `Jenkins rejected user ${USER} on ${stub.url} (401): check the API token (Jenkins › your name › Security › API Token)`,
      );
    });

    it('403: no credentials on a Jenkins without anonymous read', async () => {
      const stub = await started();
      const error = await ciError(new JenkinsClient({ url: stub.url }).queue());
      assert.equal(error.kind, 'forbidden');
      assert.equal(
        error.message,
        `Jenkins on ${stub.url} does not let anonymous users read the build queue (403): set a user and an API token`,
      );
    });

    it('403: a user without the permission to build', async () => {
      const stub = await started({ crumbIssuer: 'absent' });
      stub.fail('/job/fish/build', {
        status: 403,
        headers: { 'X-You-Are-Authenticated-As': USER, 'X-Required-Permission': 'hudson.model.Item.Build' },
        body: `${USER} is missing the Job/Build permission`,
      });
      const error = await ciError(clientOf(stub).build('fish'));
      assert.equal(error.kind, 'forbidden');
      assert.equal(
        error.message,
        `Jenkins user ${USER} may not build fish on ${stub.url} without the Job/Build permission (403): ask a Jenkins administrator for access`,
      );
    });

    it('404: a job that does not exist', async () => {
      const stub = await started();
      const error = await ciError(clientOf(stub).builds('shop/no-such-job'));
      assert.equal(error.kind, 'not-found');
      assert.equal(error.message, `No job shop/no-such-job on ${stub.url}`);
      assert.equal(stub.requests[0].path, '/job/shop/job/no-such-job/api/json');
    });

    it('5xx: a failing Jenkins', async () => {
      const stub = await started();
      stub.fail('/queue/api/json', { status: 500 });
      const error = await ciError(clientOf(stub).queue());
      assert.equal(error.kind, 'server');
      assert.equal(
        error.message,
        `Jenkins at ${stub.url} failed with 500 Internal Server Error while reading the build queue: try again later, or look at the Jenkins system log`,
      );
    });

    it('an HTML login page answered with 200', async () => {
      const stub = await started();
      stub.fail('/api/json', 'html-login');
      const error = await ciError(clientOf(stub).jobs());
      assert.equal(error.kind, 'malformed');
      assert.equal(
        error.message,
        `Jenkins answered with an HTML page, not JSON: is the URL the Jenkins root, and does it need a login? (${stub.url}, reading the jobs of the Jenkins root)`,
      );
    });

    it('a Jenkins that does not answer in time', async () => {
      const stub = await started();
      stub.fail('/api/json', 'hang');
      const startedAt = Date.now();
      const error = await ciError(clientOf(stub, { timeoutMs: 300 }).jobs());
      assert.equal(error.kind, 'timeout');
      assert.match(
        error.message,
        /^Jenkins at http:\/\/127\.0\.0\.1:\d+\/ did not answer within 0\.3 s while reading the jobs of the Jenkins root: /,
      );
      assert.ok(Date.now() - startedAt < 5_000);
    });

    it('a Jenkins nobody listens for', async () => {
      const port = await closedPort();
      const error = await ciError(new JenkinsClient({ url: `http://${USER}:${API_TOKEN}@127.0.0.1:${port}/`, timeoutMs: 5_000 }).jobs());
      assert.equal(error.kind, 'unreachable');
      assert.equal(
        error.message,
        `Jenkins at http://127.0.0.1:${port}/ is unreachable (ECONNREFUSED): check the URL, the network and any proxy`,
      );
    });
  });
});
