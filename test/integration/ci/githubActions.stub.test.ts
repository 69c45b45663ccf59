// The GitHub Actions client against a local GitHub whose answers are GitHub's own OpenAPI examples (checked
// against GitHub's schemas) with headers from recorded GitHub traffic: no account or network needed.
import * as assert from 'node:assert/strict';
import type { CiRun } from '../../../src/ci/ciModel';
import { parseActionsLog } from '../../../src/ci/github/actionsLog';
import { GitHubActionsClient } from '../../../src/ci/github/githubActions';
import type { GitHubActionsOptions } from '../../../src/ci/github/githubActions';
import { publishedExample, SSO_MESSAGE, SSO_URL, validateResponse } from '../../support/githubApi';
import {
  EXAMPLE_REPAIRS,
  exampleJobs,
  job,
  jobLogOf,
  OPERATIONS,
  startGitHubStub,
  STUB_OWNER as OWNER,
  STUB_REPO as REPO,
  workflowRun,
} from '../../support/githubStub';
import type { GitHubStub, GitHubStubOptions, StubFailure } from '../../support/githubStub';
import { serviceErrorOf } from '../../support/serviceError';
import { closedPort } from '../../support/stubServer';

const TOKEN = 'ghp_stubToken0123456789abcdefghijklmnopqr';
const NOW = Date.parse('2024-05-14T10:00:00Z');

const ciError = (promise: Promise<unknown>) => serviceErrorOf(promise, [TOKEN]);

describe('GitHub Actions client against a stub serving GitHub OpenAPI examples (integration, stub)', () => {
  let stub: GitHubStub;
  const clientFor = (options: Partial<GitHubActionsOptions> = {}) =>
    new GitHubActionsClient({ baseUrl: stub.url, token: TOKEN, now: () => NOW, ...options });
  const restart = async (options: GitHubStubOptions) => {
    await stub.stop();
    stub = await startGitHubStub(options);
  };

  beforeEach(async () => {
    stub = await startGitHubStub();
  });
  afterEach(async () => {
    await stub.stop();
  });

  describe('the fixtures', () => {
    it("serves only bodies that match the response schemas of their operations in GitHub's OpenAPI description", async () => {
      const client = clientFor();
      const [exampleJob] = exampleJobs();
      const runs = await client.runsFor(OWNER, REPO, {});
      assert.ok(runs.changed);
      const runId = runs.data[0].id;
      await client.jobsFor(OWNER, REPO, exampleJob.run_id);
      await client.workflows(OWNER, REPO);
      await client.jobLog(OWNER, REPO, exampleJob.id);
      await client.rerun(OWNER, REPO, runId, {});
      await client.rerun(OWNER, REPO, runId, { failedOnly: true });
      await client.cancel(OWNER, REPO, runId);
      await ciError(client.cancel(OWNER, REPO, runId));
      await client.dispatch(OWNER, REPO, 'blank.yaml', 'main', { level: 'debug' });
      for (const path of [`/actions/runs/${runId}`, `/actions/jobs/${exampleJob.id}`]) {
        await fetch(`${stub.url}/repos/${OWNER}/${REPO}${path}`).then((r) => r.text());
      }
      for (const failure of [
        'unauthorized',
        'forbidden',
        'sso',
        'rate-limited',
        'secondary-rate-limit',
        'too-many-requests',
        'not-found',
        'server-error',
      ] satisfies StubFailure[]) {
        stub.failNext(failure);
        await ciError(client.runsFor(OWNER, REPO, {}));
      }

      const operations = new Set(stub.served.map((s) => s.operationId));
      for (const id of [
        OPERATIONS.listRuns,
        OPERATIONS.getRun,
        OPERATIONS.listJobs,
        OPERATIONS.getJob,
        OPERATIONS.listWorkflows,
        OPERATIONS.rerun,
        OPERATIONS.rerunFailed,
        OPERATIONS.cancel,
      ]) {
        assert.ok(operations.has(id), `served ${id}`);
      }
      assert.deepEqual(new Set(stub.served.map((s) => s.status)), new Set([200, 201, 202, 409, 401, 403, 429, 404, 502]));
      for (const { operationId, status, body } of stub.served) {
        assert.deepEqual(
          validateResponse(operationId, status, body),
          [],
          `${operationId} ${status}: ${JSON.stringify(body).slice(0, 200)}`,
        );
      }
    });

    it("repairs GitHub's published examples only where they contradict GitHub's published schemas", () => {
      const withExamples = [OPERATIONS.listRuns, OPERATIONS.getRun, OPERATIONS.listJobs, OPERATIONS.getJob, OPERATIONS.listWorkflows];
      for (const operationId of withExamples) {
        const status = 200;
        const expected = EXAMPLE_REPAIRS.filter((r) => r.operationId === operationId && r.status === status).map((r) => r.problem);
        assert.deepEqual(validateResponse(operationId, status, publishedExample(operationId, status)), expected, operationId);
      }
      for (const [operationId, status] of [
        [OPERATIONS.rerun, 201],
        [OPERATIONS.rerunFailed, 201],
        [OPERATIONS.cancel, 202],
      ] as const) {
        assert.equal(publishedExample(operationId, status), null, 'the example says null, the schema an empty object');
        assert.deepEqual(validateResponse(operationId, status, null), ['/ must be object']);
        assert.deepEqual(validateResponse(operationId, status, {}), []);
      }
    });

    it('answers with the headers of recorded GitHub traffic and rate-limit headers that count down', async () => {
      const first = await fetch(`${stub.url}/repos/${OWNER}/${REPO}/actions/runs`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      await first.text();
      assert.equal(first.headers.get('server'), 'GitHub.com');
      assert.equal(first.headers.get('x-github-media-type'), 'github.v3; format=json');
      assert.equal(first.headers.get('x-ratelimit-resource'), 'core');
      assert.match(first.headers.get('etag') ?? '', /^"[0-9a-f]{64}"$/);
      const second = await fetch(`${stub.url}/repos/${OWNER}/${REPO}/actions/runs`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      await second.text();
      assert.equal(Number(second.headers.get('x-ratelimit-remaining')), Number(first.headers.get('x-ratelimit-remaining')) - 1);
    });
  });

  describe('mapping', () => {
    it('maps workflow runs to CiRuns, with their state, attempt, branch, commit and duration', async () => {
      const at = (minute: number) => `2024-05-14T09:${String(minute).padStart(2, '0')}:00Z`;
      const states: [string | null, string | null, CiRun['state']][] = [
        ['completed', 'success', 'passed'],
        ['completed', 'failure', 'failed'],
        ['completed', 'timed_out', 'failed'],
        ['completed', 'startup_failure', 'failed'],
        ['completed', 'cancelled', 'cancelled'],
        ['completed', 'skipped', 'skipped'],
        ['completed', 'neutral', 'skipped'],
        ['completed', 'action_required', 'unknown'],
        ['completed', 'stale', 'unknown'],
        ['in_progress', null, 'running'],
        ['queued', null, 'queued'],
        ['waiting', null, 'queued'],
        ['pending', null, 'queued'],
        ['requested', null, 'queued'],
      ];
      stub.setRuns(
        states.map(([status, conclusion], i) =>
          workflowRun({
            id: 9000 + i,
            run_number: 100 + i,
            run_attempt: 1 + (i % 2),
            status,
            conclusion,
            head_branch: 'main',
            head_sha: 'a'.repeat(40),
            run_started_at: at(10),
            updated_at: at(14),
            display_title: `Change ${i}`,
          }),
        ),
      );
      const answer = await clientFor().runsFor(OWNER, REPO, { branch: 'main', perPage: 50 });
      assert.ok(answer.changed);
      assert.deepEqual(
        answer.data.map((r) => [r.rawStatus, r.state]),
        states.map(([status, conclusion, state]) => [[status, conclusion].filter(Boolean).join('/'), state]),
      );
      assert.deepEqual(answer.data[1], {
        provider: 'github',
        id: '9001',
        name: 'Build',
        title: 'Change 1',
        number: 101,
        attempt: 2,
        state: 'failed',
        rawStatus: 'completed/failure',
        branch: 'main',
        commit: 'a'.repeat(40),
        event: 'push',
        url: `https://github.com/${OWNER}/${REPO}/actions/runs/9001`,
        startedAt: at(10),
        durationMs: 4 * 60_000,
      });
      assert.equal(answer.data[9].durationMs, NOW - Date.parse(at(10)), 'a running run reports the time so far');
      assert.equal(answer.data[10].durationMs, undefined, 'a queued run has no duration');
      const request = stub.requests.find((r) => r.path.includes('/actions/runs?'));
      assert.equal(request?.path, `/repos/${OWNER}/${REPO}/actions/runs?exclude_pull_requests=true&branch=main&per_page=50`);
    });

    it("asks for a commit's runs and gets only those", async () => {
      stub.setRuns([workflowRun({ id: 1, head_sha: 'b'.repeat(40) }), workflowRun({ id: 2, head_sha: 'c'.repeat(40) })]);
      const answer = await clientFor().runsFor(OWNER, REPO, { headSha: 'c'.repeat(40) });
      assert.deepEqual(answer.changed && answer.data.map((r) => r.id), ['2']);
    });

    it('maps jobs and their steps to CiJobs and CiSteps, with durations from their start and end', async () => {
      stub.setJobs(77, [
        job({
          id: 501,
          run_id: 77,
          name: 'test (20.x)',
          status: 'completed',
          conclusion: 'failure',
          started_at: '2024-05-14T09:10:00Z',
          completed_at: '2024-05-14T09:12:30Z',
          steps: [
            {
              name: 'Set up job',
              number: 1,
              status: 'completed',
              conclusion: 'success',
              started_at: '2024-05-14T09:10:00Z',
              completed_at: '2024-05-14T09:10:02Z',
            },
            {
              name: 'Run npm test',
              number: 2,
              status: 'completed',
              conclusion: 'failure',
              started_at: '2024-05-14T09:10:02Z',
              completed_at: '2024-05-14T09:12:29Z',
            },
            {
              name: 'Deploy',
              number: 3,
              status: 'completed',
              conclusion: 'skipped',
              started_at: '2024-05-14T09:12:29Z',
              completed_at: '2024-05-14T09:12:29Z',
            },
          ],
        }),
        job({
          id: 502,
          run_id: 77,
          name: 'lint',
          status: 'in_progress',
          conclusion: null,
          started_at: '2024-05-14T09:59:00Z',
          completed_at: null,
          steps: [
            {
              name: 'Run npm run lint',
              number: 1,
              status: 'in_progress',
              conclusion: null,
              started_at: '2024-05-14T09:59:30Z',
              completed_at: null,
            },
            { name: 'Post Run actions/checkout@v4', number: 2, status: 'queued', conclusion: null, started_at: null, completed_at: null },
          ],
        }),
      ]);
      const answer = await clientFor().jobsFor(OWNER, REPO, '77');
      assert.ok(answer.changed);
      assert.deepEqual(answer.data[0], {
        id: '501',
        name: 'test (20.x)',
        state: 'failed',
        rawStatus: 'completed/failure',
        url: `https://github.com/${OWNER}/${REPO}/actions/runs/77/job/501`,
        startedAt: '2024-05-14T09:10:00Z',
        durationMs: 150_000,
        steps: [
          { number: 1, name: 'Set up job', state: 'passed', startedAt: '2024-05-14T09:10:00Z', durationMs: 2000 },
          { number: 2, name: 'Run npm test', state: 'failed', startedAt: '2024-05-14T09:10:02Z', durationMs: 147_000 },
          { number: 3, name: 'Deploy', state: 'skipped', startedAt: '2024-05-14T09:12:29Z', durationMs: 0 },
        ],
      });
      const lint = answer.data[1];
      assert.deepEqual([lint.state, lint.durationMs], ['running', 60_000]);
      assert.deepEqual(
        lint.steps.map((s) => [s.state, s.durationMs]),
        [
          ['running', 30_000],
          ['queued', undefined],
        ],
      );
      assert.equal(stub.requests.at(-1)?.path, `/repos/${OWNER}/${REPO}/actions/runs/77/jobs?per_page=100`);
    });

    it('lists the workflows', async () => {
      const workflows = await clientFor().workflows(OWNER, REPO);
      assert.deepEqual(workflows[0], {
        id: '161335',
        name: 'CI',
        path: '.github/workflows/blank.yaml',
        state: 'active',
        url: `https://github.com/${OWNER}/${REPO}/blob/master/.github/workflows/161335`,
      });
      assert.equal(workflows.length, 2);
    });
  });

  describe('conditional requests', () => {
    it('answers "unchanged" for a 304, which does not count against the rate limit, and new data with a new ETag', async () => {
      const client = clientFor();
      const first = await client.runsFor(OWNER, REPO, {});
      assert.ok(first.changed && first.etag);
      const remaining = client.rateBudget()?.remaining;
      const second = await client.runsFor(OWNER, REPO, {}, first.etag);
      assert.deepEqual(second, { changed: false });
      assert.equal(stub.requests.at(-1)?.headers['if-none-match'], first.etag);
      assert.equal(client.rateBudget()?.remaining, remaining, 'a 304 costs nothing');

      stub.setRuns([workflowRun({ id: 42, status: 'in_progress', conclusion: null })]);
      const third = await client.runsFor(OWNER, REPO, {}, first.etag);
      assert.ok(third.changed);
      assert.notEqual(third.etag, first.etag);
      assert.deepEqual(
        third.data.map((r) => [r.id, r.state]),
        [['42', 'running']],
      );
    });

    it("does the same for a run's jobs", async () => {
      const client = clientFor();
      const [exampleJob] = exampleJobs();
      const first = await client.jobsFor(OWNER, REPO, exampleJob.run_id);
      assert.ok(first.changed && first.etag);
      assert.deepEqual(await client.jobsFor(OWNER, REPO, exampleJob.run_id, first.etag), { changed: false });
    });
  });

  describe('job logs', () => {
    it('follows the redirect to the signed URL on another host without the token, and the log cuts into its steps', async () => {
      const fixture = job({
        id: 601,
        run_id: 88,
        status: 'completed',
        conclusion: 'failure',
        steps: [
          {
            name: 'Set up job',
            number: 1,
            status: 'completed',
            conclusion: 'success',
            started_at: '2024-05-14T09:10:00Z',
            completed_at: '2024-05-14T09:10:01Z',
          },
          {
            name: 'Run npm test',
            number: 2,
            status: 'completed',
            conclusion: 'failure',
            started_at: '2024-05-14T09:10:01Z',
            completed_at: '2024-05-14T09:10:09Z',
          },
        ],
      });
      stub.setJobs(88, [fixture]);
      stub.setLog(601, jobLogOf(fixture));
      const client = clientFor();
      const text = await client.jobLog(OWNER, REPO, '601');
      assert.equal(text, jobLogOf(fixture).slice(1), 'the whole log, less the BOM that decoding UTF-8 drops');

      const [api, download] = stub.requests.slice(-2);
      assert.equal(api.path, `/repos/${OWNER}/${REPO}/actions/jobs/601/logs`);
      assert.equal(api.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(download.host, new URL(stub.logOrigin).host);
      assert.match(download.path, /^\/_signed\/job-logs\/601\?urlExpires=/);
      assert.equal(download.headers.authorization, undefined, 'the token stays with GitHub');

      const jobs = await client.jobsFor(OWNER, REPO, 88);
      const parsed = parseActionsLog(text, jobs.changed ? jobs.data[0].steps : []);
      assert.deepEqual(
        parsed.sections.filter((s) => s.kind === 'step').map((s) => [s.name, parsed.lines[s.startLine]]),
        [
          ['Set up job', 'Set up job'],
          ['Run npm test', 'Run npm test'],
        ],
      );
      assert.deepEqual(
        parsed.errorLines.map((i) => parsed.lines[i]),
        ['##[error]Process completed with exit code 1.'],
      );
    });

    it('says the log is gone when GitHub no longer has it', async () => {
      const error = await ciError(clientFor().jobLog(OWNER, REPO, 999));
      assert.equal(error.kind, 'not-found');
      assert.equal(
        error.message,
        `The log of job 999 in ${OWNER}/${REPO} not found, or the token cannot see it (GitHub answers 404 for private repositories it hides)`,
      );
    });
  });

  describe('actions', () => {
    it('re-runs a run, or only its failed jobs, and GitHub starts a new attempt', async () => {
      stub.setRuns([workflowRun({ id: 70, run_attempt: 1, status: 'completed', conclusion: 'failure' })]);
      const client = clientFor();
      await client.rerun(OWNER, REPO, '70', { failedOnly: true });
      await client.rerun(OWNER, REPO, 70);
      assert.deepEqual(
        stub.requests.map((r) => [r.method, r.path]),
        [
          ['POST', `/repos/${OWNER}/${REPO}/actions/runs/70/rerun-failed-jobs`],
          ['POST', `/repos/${OWNER}/${REPO}/actions/runs/70/rerun`],
        ],
      );
      const runs = await client.runsFor(OWNER, REPO, {});
      assert.deepEqual(runs.changed && runs.data.map((r) => [r.state, r.attempt]), [['queued', 3]]);
    });

    it('cancels a running run, and explains when the run has already finished', async () => {
      stub.setRuns([workflowRun({ id: 71, status: 'in_progress', conclusion: null })]);
      const client = clientFor();
      await client.cancel(OWNER, REPO, 71);
      const error = await ciError(client.cancel(OWNER, REPO, 71));
      assert.equal(error.kind, 'unsupported');
      assert.equal(error.message, `GitHub could not cancel run 71 of ${OWNER}/${REPO}: Cannot cancel a workflow run that is completed.`);
    });

    it('dispatches a workflow by file name or path with its inputs, and passes on why GitHub refuses one', async () => {
      const client = clientFor();
      await client.dispatch(OWNER, REPO, '.github/workflows/blank.yaml', 'feat/x', { level: 'debug', dryRun: true });
      await client.dispatch(OWNER, REPO, 161335, 'main');
      assert.deepEqual(stub.dispatches, [
        { workflow: 'blank.yaml', body: { ref: 'feat/x', inputs: { level: 'debug', dryRun: true } } },
        { workflow: '161335', body: { ref: 'main' } },
      ]);
      const error = await ciError(client.dispatch(OWNER, REPO, 'linter.yaml', 'main'));
      assert.equal(error.kind, 'unsupported');
      assert.equal(
        error.message,
        `GitHub could not start workflow linter.yaml of ${OWNER}/${REPO} on main: Workflow does not have 'workflow_dispatch' trigger`,
      );
    });

    it("sends GitHub's media type, API version, user agent and the token as a bearer token", async () => {
      await clientFor({ userAgent: 'conveyor-test' }).runsFor(OWNER, REPO, {});
      const { headers } = stub.requests[0];
      assert.equal(headers.accept, 'application/vnd.github+json');
      assert.equal(headers['x-github-api-version'], '2022-11-28');
      assert.equal(headers['user-agent'], 'conveyor-test');
      assert.equal(headers.authorization, `Bearer ${TOKEN}`);
    });

    it('speaks to GitHub Enterprise Server under /api/v3', async () => {
      const answer = await clientFor({ baseUrl: `${stub.url}/api/v3/` }).runsFor(OWNER, REPO, {});
      assert.ok(answer.changed);
      assert.equal(stub.requests[0].path.split('?')[0], `/api/v3/repos/${OWNER}/${REPO}/actions/runs`);
    });
  });

  describe('rate budget', () => {
    it('reads the budget from the last answer', async () => {
      const resetAt = Math.floor(NOW / 1000) + 1800;
      await restart({ rateLimit: { limit: 5000, remaining: 4321, resetAt } });
      const client = clientFor();
      assert.equal(client.rateBudget(), undefined, 'nothing known before the first answer');
      await client.runsFor(OWNER, REPO, {});
      assert.deepEqual(client.rateBudget(), { limit: 5000, remaining: 4320, resetAt: resetAt * 1000 });
    });

    it('reports a used-up budget with the wait until it resets', async () => {
      const resetAt = Math.floor(NOW / 1000) + 600;
      await restart({ rateLimit: { limit: 60, remaining: 1, resetAt } });
      const client = clientFor({ token: undefined });
      await client.runsFor(OWNER, REPO, {});
      const error = await ciError(client.runsFor(OWNER, REPO, {}));
      assert.equal(error.kind, 'rate-limited');
      assert.equal(error.retryAfterMs, 600_000);
      assert.equal(
        error.message,
        "GitHub's API rate limit of 60 requests an hour is used up: try again in 10 min, or sign in for a higher limit",
      );
      assert.equal(client.rateBudget()?.remaining, 0);
    });
  });

  describe('errors', () => {
    const failing = async (failure: StubFailure, options: Partial<GitHubActionsOptions> = {}) => {
      stub.failNext(failure);
      return ciError(clientFor(options).runsFor(OWNER, REPO, {}));
    };

    it('401: asks to sign in again', async () => {
      const error = await failing('unauthorized');
      assert.deepEqual([error.kind, error.message], ['unauthorized', 'GitHub rejected the token: sign in again']);
    });

    it('403 with SAML enforcement: says where to authorize the token', async () => {
      const error = await failing('sso');
      assert.equal(error.kind, 'forbidden');
      assert.equal(
        error.message,
        `Resource protected by organization SAML enforcement: authorize the token for the organization at ${SSO_URL}`,
      );
      const served = stub.served.at(-1)?.body as { message?: string };
      assert.equal(served.message, SSO_MESSAGE);
    });

    it('403 with no requests left: rate-limited until the reset', async () => {
      await restart({ rateLimit: { resetAt: NOW / 1000 + 3600 } });
      const error = await failing('rate-limited');
      assert.deepEqual([error.kind, error.retryAfterMs], ['rate-limited', 3_600_000]);
      assert.equal(error.message, "GitHub's API rate limit of 5000 requests an hour is used up: try again in 60 min");
    });

    it('403 secondary rate limit and 429: wait as long as Retry-After says', async () => {
      const secondary = await failing('secondary-rate-limit');
      assert.deepEqual(
        [secondary.kind, secondary.retryAfterMs, secondary.message],
        ['rate-limited', 30_000, 'GitHub asks Conveyor to slow down (secondary rate limit): try again in 30 s'],
      );
      const tooMany = await failing('too-many-requests');
      assert.deepEqual([tooMany.kind, tooMany.retryAfterMs], ['rate-limited', 5_000]);
    });

    it("other 403: passes on GitHub's reason and names the permission needed", async () => {
      const error = await failing('forbidden');
      assert.equal(error.kind, 'forbidden');
      assert.equal(
        error.message,
        `GitHub refused to list the workflow runs of ${OWNER}/${REPO} ("Resource not accessible by personal access token"): the token needs the repo scope (classic token) or Actions: read (fine-grained token)`,
      );
    });

    it('404: not found, or hidden from the token', async () => {
      const error = await ciError(clientFor().runsFor(OWNER, 'private-repo', {}));
      assert.equal(error.kind, 'not-found');
      assert.equal(
        error.message,
        `Repository ${OWNER}/private-repo not found, or the token cannot see it (GitHub answers 404 for private repositories it hides)`,
      );
      const signedOut = await ciError(clientFor({ token: undefined }).runsFor(OWNER, 'private-repo', {}));
      assert.match(signedOut.message, /; sign in to see private repositories$/);
    });

    it('5xx: a server error to retry later', async () => {
      const error = await failing('server-error');
      assert.deepEqual(
        [error.kind, error.message],
        ['server', `GitHub could not list the workflow runs of ${OWNER}/${REPO} (502: Server Error): try again in a moment`],
      );
    });

    it('broken JSON: malformed, pointing at the API URL', async () => {
      const error = await failing('malformed');
      assert.equal(error.kind, 'malformed');
      assert.equal(
        error.message,
        `GitHub at ${new URL(stub.url).host} answered the request to list the workflow runs of ${OWNER}/${REPO} with something that is not JSON: check the GitHub API URL (${stub.url})`,
      );
    });

    it('no answer in time: timeout', async () => {
      const error = await failing('hang', { timeoutMs: 300 });
      assert.deepEqual(
        [error.kind, error.message],
        ['timeout', `GitHub at ${new URL(stub.url).host} did not answer within 0.3 s: check the network, or the GitHub API URL`],
      );
    });

    it('nothing listening: unreachable', async () => {
      const port = await closedPort();
      const error = await ciError(clientFor({ baseUrl: `http://127.0.0.1:${port}` }).runsFor(OWNER, REPO, {}));
      assert.deepEqual([error.kind, error.message], ['unreachable', `Cannot reach GitHub at 127.0.0.1:${port}: connection refused`]);
    });
  });
});
