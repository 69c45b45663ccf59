// bench/ci: (1) GitHub API requests per minute made by the real poller and client against the local
// GitHub stub, over simulated minutes (a virtual clock drives the poller; the HTTP is real): view hidden
// (goal 0), visible and idle, and following a running job; (2) preparing a 50,000-line job log for the
// editor (timestamps stripped, steps found), against only splitting the same text into lines.
import { GitHubActionsClient } from '../src/ci/github/githubActions';
import { parseActionsLog } from '../src/ci/github/actionsLog';
import { CiPoller } from '../src/ci/ciPoller';
import { VirtualClock } from '../test/support/virtualClock';
import { job, startGitHubStub, STUB_OWNER, STUB_REPO, workflowRun } from '../test/support/githubStub';

const MINUTES = 10;

async function requestsPerMinute(scenario: 'hidden' | 'visible' | 'following'): Promise<number> {
  const stub = await startGitHubStub();
  try {
    const running = scenario === 'following';
    stub.setRuns([
      workflowRun({
        id: 1,
        name: 'CI',
        run_number: 1,
        status: running ? 'in_progress' : 'completed',
        conclusion: running ? null : 'success',
        head_branch: 'main',
      }),
    ]);
    stub.setJobs(1, [job({ id: 11, run_id: 1, status: running ? 'in_progress' : 'completed', conclusion: running ? null : 'success' })]);
    const client = new GitHubActionsClient({ baseUrl: stub.url });
    const clock = new VirtualClock();
    let pending: Promise<void> = Promise.resolve();
    const poller = new CiPoller(
      {
        github: {
          owner: STUB_OWNER,
          repo: STUB_REPO,
          runsFor: (o, r, q, etag) => {
            const answer = client.runsFor(o, r, q, etag);
            pending = answer.then(
              () => undefined,
              () => undefined,
            );
            return answer;
          },
          jobsFor: (o, r, id, etag) => client.jobsFor(o, r, id, etag),
          rateBudget: () => client.rateBudget(),
        },
        branch: 'main',
      },
      () => undefined,
      clock,
    );
    const settle = async () => {
      for (let i = 0; i < 5; i++) {
        await pending;
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    // The first look (startup, or the view opening) is not the steady state being measured.
    if (scenario !== 'hidden') poller.setVisible(scenario === 'visible');
    if (scenario === 'following') {
      // The user opened the running job's log: the run is known, the view may be hidden.
      await poller.refresh();
      poller.watch('1');
    }
    await clock.advance(1, settle);
    const before = stub.requests.length;
    await clock.advance(MINUTES * 60_000, settle);
    poller.dispose();
    return (stub.requests.length - before) / MINUTES;
  } finally {
    await stub.stop();
  }
}

function logBench(): void {
  const lines: string[] = [];
  const start = Date.parse('2026-11-26T10:00:00Z');
  for (let i = 0; i < 50_000; i++) {
    const at = new Date(start + i * 10).toISOString().replace('Z', '0000Z');
    if (i % 5000 === 0) lines.push(`${at} ##[group]Run step ${i / 5000}`);
    lines.push(`${at} line ${i} of the job output with some words in it`);
    if (i % 5000 === 4999) lines.push(`${at} ##[endgroup]`);
  }
  const text = lines.join('\n');
  const median = (f: () => void) => {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      f();
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[3];
  };
  const baseline = median(() => void text.split('\n'));
  const parse = median(() => void parseActionsLog(text, []));
  console.log('job log preparation (50,000 lines, median of 7)');
  console.log(`  split into lines : ${baseline.toFixed(1)} ms`);
  console.log(`  parseActionsLog  : ${parse.toFixed(1)} ms`);
  console.log(`  ratio            : ${(parse / baseline).toFixed(1)}`);
}

async function main(): Promise<void> {
  console.log(`GitHub API requests per minute (real client and stub, ${MINUTES} simulated minutes, after the first look)`);
  console.log(`  view hidden            : ${(await requestsPerMinute('hidden')).toFixed(1)}  (goal 0)`);
  console.log(`  view visible, idle     : ${(await requestsPerMinute('visible')).toFixed(1)}  (conditional: answered 304)`);
  console.log(`  following a running job: ${(await requestsPerMinute('following')).toFixed(1)}`);
  logBench();
}

void main();
