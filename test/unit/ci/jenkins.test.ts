import * as assert from 'node:assert/strict';
import type { CiState } from '../../../src/ci/ciModel';
import {
  branchName,
  colorState,
  readBuilds,
  readJobs,
  readQueue,
  readQueueItemProgress,
  resultState,
} from '../../../src/ci/jenkins/jenkinsModel';
import { apiUrl, buildsTree, jenkinsBase, jobFullNameFromUrl, jobPath, jobsTree, queueItemId } from '../../../src/ci/jenkins/jenkinsUrls';

describe('Jenkins URLs (unit)', () => {
  it('turns a job full name into job/…/ segments, each URL-encoded', () => {
    assert.equal(jobPath('a'), 'job/a/');
    assert.equal(jobPath('a/b/c'), 'job/a/job/b/job/c/');
    assert.equal(jobPath('Test Folder/Test Project'), 'job/Test%20Folder/job/Test%20Project/');
    assert.equal(
      jobPath('shop/shop-api/feature%2Flogin'),
      'job/shop/job/shop-api/job/feature%252Flogin/',
      "a multibranch job's encoded branch name is encoded again",
    );
    assert.equal(jobPath('/a//b/'), 'job/a/job/b/');
    assert.throws(() => jobPath(''), RangeError);
  });

  it('keeps a context path and resolves job paths under it', () => {
    const { base, display } = jenkinsBase('https://example.com/jenkins');
    assert.equal(display, 'https://example.com/jenkins/');
    assert.equal(apiUrl(base, `${jobPath('a/b')}api/json`).href, 'https://example.com/jenkins/job/a/job/b/api/json');
    assert.equal(apiUrl(base, 'api/json', 'jobs[name]').href, 'https://example.com/jenkins/api/json?tree=jobs%5Bname%5D');
  });

  it('takes credentials out of the URL and never shows them', () => {
    const base = jenkinsBase('https://bot:s3cr%40t@ci.example.com/?x=1#y');
    assert.equal(base.display, 'https://ci.example.com/');
    assert.equal(base.user, 'bot');
    assert.equal(base.password, 's3cr@t');
    assert.throws(
      () => jenkinsBase('https://bot:s3cret@ci example.com/'),
      (error: Error) => /is not a Jenkins URL/.test(error.message) && !error.message.includes('s3cret'),
    );
    assert.throws(() => jenkinsBase('ftp://ci.example.com/'), /http:\/\/ or https:\/\//);
  });

  it('asks for the job tree three levels deep in one query, and for the last N builds', () => {
    assert.equal(jobsTree(), 'jobs[name,fullName,url,color,jobs[name,fullName,url,color,jobs[name,fullName,url,color]]]');
    assert.equal(jobsTree(1), 'jobs[name,fullName,url,color]');
    assert.equal(
      buildsTree(10),
      'builds[number,url,result,building,timestamp,duration,estimatedDuration,actions[lastBuiltRevision[SHA1,branch[name]]]]{0,10}',
    );
    assert.match(buildsTree(0), /\{0,1\}$/);
  });

  it('reads queue item ids and job names from Jenkins URLs', () => {
    assert.equal(queueItemId('http://localhost:8080/queue/item/143/'), 143);
    assert.equal(queueItemId('queue/item/7/'), 7);
    assert.equal(queueItemId('https://ci/jenkins/queue/item/9/api/json'), 9);
    assert.equal(queueItemId('https://ci/job/a/'), undefined);
    assert.equal(jobFullNameFromUrl('http://localhost:8080/job/shop/job/Test%20Project/'), 'shop/Test Project');
    assert.equal(jobFullNameFromUrl('https://ci/jenkins/job/a/42/'), 'a');
    assert.equal(jobFullNameFromUrl('https://ci/queue/item/1/'), undefined);
  });
});

describe('Jenkins states and answers (unit)', () => {
  it('maps ball colors to states', () => {
    const cases: [string | undefined, CiState][] = [
      ['blue', 'passed'],
      ['red', 'failed'],
      ['yellow', 'failed'],
      ['aborted', 'cancelled'],
      ['notbuilt', 'unknown'],
      ['disabled', 'unknown'],
      ['grey', 'unknown'],
      ['blue_anime', 'running'],
      ['red_anime', 'running'],
      ['notbuilt_anime', 'running'],
      [undefined, 'unknown'],
    ];
    for (const [color, state] of cases) {
      assert.equal(colorState(color), state, String(color));
    }
  });

  it('maps build results to states, building first', () => {
    const cases: [string | null, boolean, CiState][] = [
      ['SUCCESS', false, 'passed'],
      ['FAILURE', false, 'failed'],
      ['UNSTABLE', false, 'failed'],
      ['ABORTED', false, 'cancelled'],
      ['NOT_BUILT', false, 'skipped'],
      [null, true, 'running'],
      ['SUCCESS', true, 'running'],
      [null, false, 'unknown'],
    ];
    for (const [result, building, state] of cases) {
      assert.equal(resultState(result, building), state, `${String(result)} building=${String(building)}`);
    }
  });

  it('names branches as the user does', () => {
    assert.equal(branchName(['origin/unstable']), 'unstable');
    assert.equal(branchName(['refs/remotes/origin/develop']), 'develop');
    assert.equal(branchName(['refs/heads/main']), 'main');
    assert.equal(branchName(['origin/HEAD', 'origin/master']), 'master');
    assert.equal(branchName(['PR-12']), 'PR-12');
    assert.equal(branchName(['origin/feature/login']), 'feature/login');
    assert.equal(branchName([]), undefined);
  });

  it('reads a job tree: full names, folders by class or by children, folder state from children', () => {
    const jobs = readJobs({
      jobs: [
        {
          _class: 'com.cloudbees.hudson.plugins.folder.Folder',
          name: 'team',
          url: 'u/team/',
          jobs: [
            { name: 'api', url: 'u/api/', color: 'red' },
            { name: 'web', url: 'u/web/', color: 'blue_anime' },
          ],
        },
        { _class: 'com.cloudbees.hudson.plugins.folder.Folder', name: 'deep', fullName: 'deep', url: 'u/deep/' },
        { name: 'plain', url: 'u/plain/', color: 'blue' },
        { url: 'no name' },
      ],
    });
    assert.deepEqual(jobs, [
      {
        name: 'team',
        fullName: 'team',
        url: 'u/team/',
        kind: 'folder',
        state: 'running',
        children: [
          { name: 'api', fullName: 'team/api', url: 'u/api/', kind: 'job', state: 'failed', color: 'red' },
          { name: 'web', fullName: 'team/web', url: 'u/web/', kind: 'job', state: 'running', color: 'blue_anime' },
        ],
      },
      { name: 'deep', fullName: 'deep', url: 'u/deep/', kind: 'folder', state: 'unknown' },
      { name: 'plain', fullName: 'plain', url: 'u/plain/', kind: 'job', state: 'passed', color: 'blue' },
    ]);
    assert.equal(readJobs({ _class: 'hudson.model.FreeStyleProject' }), undefined);
  });

  it('reads builds: commit and branch from BuildData, elapsed time while building', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    const runs = readBuilds(
      {
        builds: [
          {
            number: 2,
            url: 'u/2/',
            building: true,
            result: null,
            timestamp: now - 60_000,
            duration: 0,
            actions: [{ _class: 'hudson.model.CauseAction' }, {}],
          },
          {
            number: 1,
            url: 'u/1/',
            building: false,
            result: 'UNSTABLE',
            timestamp: now - 120_000,
            duration: 5_000,
            actions: [{}, { lastBuiltRevision: { SHA1: 'abc123', branch: [{ name: 'origin/HEAD' }, { name: 'origin/main' }] } }],
          },
          { url: 'no number' },
        ],
      },
      'team/api',
      now,
    );
    assert.deepEqual(runs, [
      {
        provider: 'jenkins',
        id: 'team/api#2',
        name: 'team/api',
        number: 2,
        state: 'running',
        rawStatus: 'BUILDING',
        url: 'u/2/',
        startedAt: '2026-01-01T00:00:00.000Z',
        durationMs: 60_000,
      },
      {
        provider: 'jenkins',
        id: 'team/api#1',
        name: 'team/api',
        number: 1,
        state: 'failed',
        rawStatus: 'UNSTABLE',
        url: 'u/1/',
        commit: 'abc123',
        branch: 'main',
        startedAt: '2025-12-31T23:59:00.000Z',
        durationMs: 5_000,
      },
    ]);
  });

  it('reads queue items with their job from the task URL, relative URLs resolved', () => {
    const items = readQueue(
      {
        items: [
          {
            id: 7,
            url: 'queue/item/7/',
            why: 'Waiting',
            inQueueSince: 0,
            blocked: true,
            stuck: false,
            task: { name: 'api', url: 'https://ci/jenkins/job/team/job/api/' },
          },
        ],
      },
      new URL('https://ci/jenkins/'),
    );
    assert.deepEqual(items, [
      {
        id: 7,
        name: 'api',
        jobFullName: 'team/api',
        url: 'https://ci/jenkins/queue/item/7/',
        taskUrl: 'https://ci/jenkins/job/team/job/api/',
        why: 'Waiting',
        inQueueSince: '1970-01-01T00:00:00.000Z',
        blocked: true,
        stuck: false,
      },
    ]);
  });

  it('tells a started queue item from a waiting or cancelled one', () => {
    assert.deepEqual(readQueueItemProgress({ executable: { number: 14, url: 'u/14/' } }), { started: true, number: 14, url: 'u/14/' });
    assert.deepEqual(readQueueItemProgress({ why: 'Waiting for next available executor' }), {
      started: false,
      cancelled: false,
      why: 'Waiting for next available executor',
    });
    assert.deepEqual(readQueueItemProgress({ cancelled: true, executable: null }), { started: false, cancelled: true });
  });
});
