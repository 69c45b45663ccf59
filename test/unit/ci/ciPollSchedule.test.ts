import * as assert from 'node:assert/strict';
import type { CiJob, CiRun, Conditional } from '../../../src/ci/ciModel';
import { CiPoller } from '../../../src/ci/ciPoller';
import type { GitHubSource } from '../../../src/ci/ciPoller';
import { VirtualClock } from '../../support/virtualClock';
import { PushedCommits } from '../../../src/ci/pushedCommits';
import { ACTIVE_POLL_MS, IDLE_POLL_MS, nextPollDelay } from '../../../src/ci/ciPollSchedule';
import { headCi } from '../../../src/ci/ciStatus';

function run(id: string, state: CiRun['state'], extra: Partial<CiRun> = {}): CiRun {
  return {
    provider: 'github',
    id,
    name: 'CI',
    number: Number(id),
    state,
    rawStatus: state,
    commit: 'abc',
    url: `https://github.com/acme/shop/actions/runs/${id}`,
    ...extra,
  };
}

function source(runs: () => CiRun[]): GitHubSource & { calls: string[] } {
  const calls: string[] = [];
  return {
    owner: 'acme',
    repo: 'shop',
    calls,
    runsFor: (_o, _r, _q, etag): Promise<Conditional<CiRun[]>> => {
      calls.push('runs');
      const data = runs();
      const tag = JSON.stringify(data);
      if (etag === tag) return Promise.resolve({ changed: false });
      return Promise.resolve({ changed: true, data, etag: tag });
    },
    jobsFor: (_o, _r, id): Promise<Conditional<CiJob[]>> => {
      calls.push(`jobs ${id}`);
      return Promise.resolve({
        changed: true,
        data: [{ id: `${id}-1`, name: 'build', state: 'passed', rawStatus: 'completed', steps: [] }],
      });
    },
    rateBudget: () => undefined,
  };
}

describe('remote CI polling (unit)', () => {
  it('asks nothing while the view is hidden, once a minute while visible, every 10 s while a run is active', () => {
    const now = 0;
    assert.equal(nextPollDelay({ visible: false, watchingActiveRun: false, anyActiveRun: true, now }), undefined);
    assert.equal(nextPollDelay({ visible: true, watchingActiveRun: false, anyActiveRun: false, now }), IDLE_POLL_MS);
    assert.equal(nextPollDelay({ visible: true, watchingActiveRun: false, anyActiveRun: true, now }), ACTIVE_POLL_MS);
    assert.equal(
      nextPollDelay({ visible: false, watchingActiveRun: true, anyActiveRun: true, now }),
      ACTIVE_POLL_MS,
      'a followed run is polled even when hidden',
    );
    assert.equal(nextPollDelay({ visible: true, watchingActiveRun: false, anyActiveRun: false, retryAfterMs: 120_000, now }), 120_000);
    assert.equal(
      nextPollDelay({
        visible: true,
        watchingActiveRun: true,
        anyActiveRun: true,
        budget: { limit: 5000, remaining: 1, resetAt: 900_000 },
        now,
      }),
      900_000,
      'an exhausted budget waits for the reset',
    );
    assert.equal(
      nextPollDelay({
        visible: true,
        watchingActiveRun: true,
        anyActiveRun: true,
        budget: { limit: 5000, remaining: 100, resetAt: 3_000_000 },
        now,
      }),
      60_000,
    );
  });

  it('says what HEAD’s CI is: a failure wins, then running, counting only the newest attempt of each workflow', () => {
    assert.equal(headCi([], 'abc').state, 'none');
    assert.equal(headCi([run('1', 'passed'), run('2', 'failed', { name: 'Lint' })], 'abc').state, 'failed');
    assert.equal(
      headCi([run('1', 'failed', { startedAt: '2026-01-01T00:00:00Z' }), run('2', 'passed', { startedAt: '2026-01-01T01:00:00Z' })], 'abc')
        .state,
      'passed',
      'a re-run that passed replaces the failure',
    );
    assert.equal(headCi([run('1', 'running'), run('2', 'passed', { name: 'Lint' })], 'abc').run?.id, '1');
    assert.equal(headCi([run('1', 'passed', { commit: 'other' })], 'abc').state, 'none');
  });

  it('polls with a fake clock: nothing hidden, jobs of a finished run fetched once, active runs every 10 s', async () => {
    const clock = new VirtualClock();
    let runs = [run('7', 'running')];
    const github = source(() => runs);
    const poller = new CiPoller({ github, branch: 'main' }, () => undefined, clock);
    await clock.advance(10 * 60_000);
    assert.deepEqual(github.calls, [], 'hidden and not following: no request');

    poller.setVisible(true);
    await clock.advance(1);
    assert.deepEqual(github.calls, ['runs', 'jobs 7']);
    github.calls.length = 0;
    await clock.advance(60_000);
    assert.equal(github.calls.filter((c) => c === 'runs').length, 6, 'running: every 10 s');

    runs = [run('7', 'passed')];
    github.calls.length = 0;
    await clock.advance(10_000);
    assert.deepEqual(github.calls, ['runs', 'jobs 7'], 'the jobs are fetched once more after the run finished');
    github.calls.length = 0;
    await clock.advance(5 * 60_000);
    assert.deepEqual(
      github.calls,
      ['runs', 'runs', 'runs', 'runs', 'runs'],
      'idle: once a minute, and the finished run’s jobs never again',
    );
    poller.setVisible(false);
    github.calls.length = 0;
    await clock.advance(10 * 60_000);
    assert.deepEqual(github.calls, []);
    poller.dispose();
  });

  it('follows a pushed commit with the view hidden: announces each of its runs once when it finishes, then stops asking', async () => {
    const clock = new VirtualClock();
    let runs = [run('7', 'queued')];
    const github = source(() => runs);
    const pushed = new PushedCommits();
    const announced: string[] = [];
    const poller = new CiPoller(
      { github, branch: 'main' },
      (state) => {
        announced.push(...pushed.finished(state.github?.runs ?? [], clock.now()).map((r) => `${r.id} ${r.state}`));
        if (!pushed.following) poller.setFollowingPush(false);
      },
      clock,
    );
    // As CiService does on a push: follow, and look at once.
    pushed.follow('abc', clock.now());
    poller.setFollowingPush(true);
    void poller.refresh();
    await clock.advance(1);
    assert.deepEqual(github.calls, ['runs', 'jobs 7'], 'hidden, but the pushed commit is followed');
    runs = [run('7', 'running'), run('8', 'running', { name: 'Lint' })];
    await clock.advance(20_000);
    assert.deepEqual(announced, []);
    runs = [run('7', 'failed'), run('8', 'running', { name: 'Lint' })];
    await clock.advance(10_000);
    assert.deepEqual(announced, ['7 failed']);
    runs = [run('7', 'failed'), run('8', 'passed', { name: 'Lint' })];
    await clock.advance(10_000);
    assert.deepEqual(announced, ['7 failed', '8 passed'], 'each run once');
    assert.equal(pushed.following, false);
    github.calls.length = 0;
    await clock.advance(10 * 60_000);
    assert.deepEqual(github.calls, [], 'every run finished: no more requests while hidden');
    poller.dispose();
  });

  it('stops following a pushed commit whose CI never finishes after an hour', () => {
    const pushed = new PushedCommits();
    pushed.follow('abc', 0);
    assert.deepEqual(pushed.finished([run('1', 'running')], 30 * 60_000), []);
    assert.equal(pushed.following, true);
    pushed.finished([run('1', 'running')], 61 * 60_000);
    assert.equal(pushed.following, false);
  });

  it('stops following a pushed commit no CI starts a run for within 20 minutes, but waits on one that has a run', () => {
    const pushed = new PushedCommits();
    pushed.follow('abc', 0);
    pushed.follow('def', 0);
    const other = run('9', 'running', { commit: 'other' });
    pushed.finished([other], 5 * 60_000);
    assert.equal(pushed.isFollowed('abc'), true, 'CI may take a while to notice a push');
    pushed.finished([other, run('2', 'queued', { commit: 'def' })], 10 * 60_000);
    pushed.finished([other, run('2', 'running', { commit: 'def' })], 21 * 60_000);
    assert.equal(pushed.isFollowed('abc'), false, 'no run in 21 minutes: not built');
    assert.equal(pushed.isFollowed('def'), true, 'its run is still going');
  });

  it('backs off after an error and shows it, keeping the last runs', async () => {
    const clock = new VirtualClock();
    let failing = false;
    const github = source(() => {
      if (failing)
        throw Object.assign(new Error('GitHub rate limit exhausted: resets in 10 min'), { kind: 'rate-limited', retryAfterMs: 600_000 });
      return [run('1', 'passed')];
    });
    const poller = new CiPoller({ github }, () => undefined, clock);
    poller.setVisible(true);
    await clock.advance(1);
    failing = true;
    await clock.advance(60_000);
    assert.match(poller.state.github?.error ?? '', /rate limit exhausted/);
    assert.equal(poller.state.github?.runs.length, 1, 'the last known runs stay');
    github.calls.length = 0;
    await clock.advance(599_000 - 60_000);
    assert.deepEqual(github.calls, [], 'waits for the time the server asked');
    poller.dispose();
  });
});
