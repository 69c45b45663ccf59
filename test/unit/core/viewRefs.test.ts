import * as assert from 'node:assert/strict';
import { clickCommand, refOf } from '../../../src/core/viewNode';
import type { ViewNode, ViewRef } from '../../../src/core/viewNode';
import type { FolderStatus } from '../../../src/loop/folderStatus';
import { boardNodes } from '../../../src/plan/ui/boardNodes';
import { pipelineNodes } from '../../../src/pipeline/ui/pipelineNodes';
import type { PipelineRun } from '../../../src/pipeline/run/pipelineRun';
import { ciNodes } from '../../../src/ci/ui/ciNodes';
import { releaseNodes } from '../../../src/release/ui/releaseNodes';
import { environmentNodes } from '../../../src/deploy/ui/deployNodes';
import { errorNodes, goalNodes, uptimeNodes } from '../../../src/monitor/ui/monitorNodes';
import type { ErrorIssue } from '../../../src/monitor/errors/errorModel';
import { folderStatus } from '../../support/folderStatusFixture';

const FOLDER = '/ws/shop';

/** Every row of a tree, depth first. */
const rows = (nodes: ViewNode[]): ViewNode[] => nodes.flatMap((n) => [n, ...rows(n.children ?? [])]);
const rowWith = (nodes: ViewNode[], id: string): ViewNode => {
  const row = rows(nodes).find((n) => n.id === id);
  assert.ok(
    row,
    `a row ${id} among ${rows(nodes)
      .map((n) => n.id)
      .join(', ')}`,
  );
  return row;
};
/** What a context-menu command receives (the row itself), read the way the commands read it. */
const menuRef = (row: ViewNode) => refOf(row);

describe('typed refs on view rows (unit)', () => {
  it('reads a ref from a row, or from a ref passed directly, and only of the kinds a command names', () => {
    const ref: ViewRef = { kind: 'work-item', folder: FOLDER, key: 'CNV-1' };
    const row: ViewNode = { id: `${FOLDER}/board/item/CNV-1`, label: 'CNV-1 One', ref };
    assert.deepEqual(refOf(row), ref);
    assert.deepEqual(refOf(ref), ref, 'the kanban passes a ref, not a row');
    assert.deepEqual(refOf(row, ['work-item']), ref);
    assert.equal(refOf(row, ['deployment', 'pod']), undefined);
    assert.equal(refOf({ id: 'x', label: 'no ref' }), undefined);
    assert.equal(refOf(FOLDER), undefined);
    assert.equal(refOf(undefined), undefined);
  });

  it('gives a click command without arguments the row, so its ref arrives; one with arguments keeps them', () => {
    const ref: ViewRef = { kind: 'ci-provider', folder: FOLDER, provider: 'jenkins' };
    const row: ViewNode = {
      id: `${FOLDER}/ci/jenkins/error`,
      label: 'Jenkins rejected the token',
      ref,
      command: { command: 'conveyor.ci.signInJenkins', title: 'Sign in to Jenkins' },
    };
    const command = clickCommand(row);
    assert.equal(command?.command, 'conveyor.ci.signInJenkins');
    assert.deepEqual(refOf(command?.arguments?.[0]), ref);
    const own: ViewNode = { id: 'r', label: 'r', command: { command: 'conveyor.errors.openIssue', title: 'Go to Code', arguments: ['a'] } };
    assert.deepEqual(clickCommand(own)?.arguments, ['a']);
    assert.equal(clickCommand({ id: 'plain', label: 'plain' }), undefined);
  });

  it('names the work item of a Board row', () => {
    const board: FolderStatus['board'] = {
      provider: 'local',
      file: '.conveyor/board.yml',
      exists: true,
      items: [{ key: 'CNV-7', title: 'Seven', status: 'todo' }],
    };
    const row = rowWith(boardNodes(folderStatus({ board })), `${FOLDER}/board/item/CNV-7`);
    assert.deepEqual(menuRef(row), { kind: 'work-item', folder: FOLDER, key: 'CNV-7' });
  });

  it('names the stage of a Pipeline row and the run (with its log) of a history row', () => {
    const pipeline: FolderStatus['pipeline'] = {
      source: 'detected',
      security: false,
      stages: [{ name: 'lint', run: 'npm run lint', source: 'package.json' }],
    };
    const run = {
      id: 'r1',
      folder: FOLDER,
      scope: 'all',
      trigger: 'editor',
      startedAt: '2026-11-26T09:30:00.000Z',
      result: 'passed',
      stages: [],
      readyForRelease: false,
      logFile: '/ws/.git/conveyor/logs/r1.log',
    } as unknown as PipelineRun;
    const nodes = pipelineNodes(folderStatus({ pipeline }), { history: [run] });
    assert.deepEqual(menuRef(rowWith(nodes, `${FOLDER}/pipeline/lint`)), { kind: 'pipeline-stage', folder: FOLDER, stage: 'lint' });
    const history = rowWith(nodes, `${FOLDER}/pipeline/history/r1`);
    assert.deepEqual(menuRef(history), { kind: 'pipeline-run', folder: FOLDER, runId: 'r1', logFile: '/ws/.git/conveyor/logs/r1.log' });
    assert.deepEqual(clickCommand(history)?.arguments, ['/ws/.git/conveyor/logs/r1.log'], 'a click still opens the log itself');
  });

  it('names the run, job, workflow, Jenkins job and build of CI rows, and the provider of an error row', () => {
    const status = folderStatus({
      ci: {
        githubWorkflows: ['ci.yml'],
        jenkinsfile: false,
        jenkinsUrl: 'https://ci.example',
        githubRepository: { owner: 'o', repo: 'r' },
      },
    });
    const run = {
      provider: 'github' as const,
      id: '101',
      name: 'CI',
      number: 7,
      state: 'failed' as const,
      rawStatus: 'completed/failure',
      url: 'https://github.com/o/r/actions/runs/101',
    };
    const build = {
      provider: 'jenkins' as const,
      id: 'shop#3',
      name: 'shop',
      number: 3,
      state: 'passed' as const,
      rawStatus: 'SUCCESS',
      url: 'https://ci.example/job/shop/3/',
    };
    const nodes = ciNodes(status, {
      github: {
        runs: [run],
        jobs: new Map([['101', [{ id: '201', name: 'test', state: 'failed', rawStatus: 'completed/failure', steps: [] }]]]),
        loading: false,
        error: 'GitHub rejected the token',
      },
      jenkins: {
        jobs: [{ name: 'shop', fullName: 'shop', url: 'https://ci.example/job/shop/', kind: 'job', state: 'passed' }],
        builds: new Map([['shop', [build]]]),
        queue: [],
        loading: false,
      },
    });
    assert.deepEqual(menuRef(rowWith(nodes, `${FOLDER}/ci/github/run/101`)), { kind: 'ci-run', folder: FOLDER, runId: '101' });
    assert.deepEqual(menuRef(rowWith(nodes, `${FOLDER}/ci/github/run/101/job/201`)), {
      kind: 'ci-job',
      folder: FOLDER,
      runId: '101',
      jobId: '201',
    });
    assert.deepEqual(menuRef(rowWith(nodes, `${FOLDER}/ci/github/workflow/ci.yml`)), {
      kind: 'ci-workflow',
      folder: FOLDER,
      workflow: 'ci.yml',
    });
    assert.deepEqual(menuRef(rowWith(nodes, `${FOLDER}/ci/jenkins/job/shop`)), { kind: 'jenkins-job', folder: FOLDER, job: 'shop' });
    assert.deepEqual(menuRef(rowWith(nodes, `${FOLDER}/ci/jenkins/job/shop/build/3`)), {
      kind: 'jenkins-build',
      folder: FOLDER,
      job: 'shop',
      build: 3,
    });
    const signIn = clickCommand(rowWith(nodes, `${FOLDER}/ci/github/error`));
    assert.deepEqual(refOf(signIn?.arguments?.[0]), { kind: 'ci-provider', folder: FOLDER, provider: 'github' });
  });

  it('names the tag and the image of a release row (what Copy Digest copies)', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const nodes = releaseNodes(folderStatus(), {
      loading: false,
      catalog: {
        releases: [
          {
            tag: 'v1.2.0',
            date: '2026-11-26',
            commit: 'c'.repeat(40),
            check: 'verified',
            packageCheck: 'no-package',
            record: {
              version: '1.2.0',
              tag: 'v1.2.0',
              commit: 'c'.repeat(40),
              image: { repository: 'reg/shop', tags: ['1.2.0'], digest },
              createdAt: '2026-11-26T10:00:00Z',
            },
          },
        ],
      },
    });
    const row = rowWith(nodes, `${FOLDER}/release/v1.2.0`);
    const ref = refOf(row, ['release']);
    assert.deepEqual(ref, { kind: 'release', folder: FOLDER, tag: 'v1.2.0', image: { repository: 'reg/shop', digest } });
    assert.ok(row.tooltip?.includes(`${ref?.image?.repository}@${ref?.image?.digest}`), 'the same reference the tooltip shows');
  });

  it('names the environment, deployment, pod and Terraform folder of Environments rows', () => {
    const status = folderStatus({
      deploy: {
        environments: [{ name: 'production', manifests: 'k8s', confirm: false, autoRollback: false, source: 'conveyor.yml' }],
        manifests: [],
      },
    });
    const pod = {
      name: 'web-1',
      deployment: 'web',
      phase: 'Running',
      status: 'Running',
      readyContainers: 1,
      totalContainers: 1,
      ready: '1/1',
      restarts: 0,
      age: '5m',
      containers: ['web'],
    };
    const nodes = environmentNodes(status, {
      trusted: true,
      visible: true,
      current: {},
      environments: [
        {
          name: 'production',
          deployments: [
            {
              kind: 'Deployment',
              name: 'web',
              desired: 1,
              updated: 1,
              ready: 1,
              available: 1,
              images: ['reg/shop:1'],
              rollout: { state: 'complete', message: 'done' },
              pods: [pod],
            },
          ],
        },
      ],
      infrastructure: { files: ['main.tf'], status: 'not-planned' },
    });
    assert.deepEqual(menuRef(rowWith(nodes, `${FOLDER}/env/production`)), { kind: 'environment', folder: FOLDER, env: 'production' });
    assert.deepEqual(menuRef(rowWith(nodes, `${FOLDER}/env/production/deployment/web`)), {
      kind: 'deployment',
      folder: FOLDER,
      env: 'production',
      name: 'web',
      workloadKind: 'Deployment',
    });
    assert.deepEqual(menuRef(rowWith(nodes, `${FOLDER}/env/production/deployment/web/pod/web-1`)), {
      kind: 'pod',
      folder: FOLDER,
      env: 'production',
      deployment: 'web',
      name: 'web-1',
    });
    assert.deepEqual(menuRef(rowWith(nodes, `${FOLDER}/infrastructure`)), { kind: 'infrastructure', folder: FOLDER });
  });

  it('names the issue, uptime check and goal of monitoring rows', () => {
    const issue: ErrorIssue = {
      id: 'a',
      source: 'local',
      shortId: 'LOCAL-a',
      title: 'TypeError',
      exceptionType: 'TypeError',
      exceptionValue: 'x',
      level: 'error',
      count: 1,
      userCount: 1,
      firstSeen: '2026-11-26T11:00:00Z',
      lastSeen: '2026-11-26T11:57:00Z',
      lastRelease: '1.0.0',
    };
    const errors = errorNodes(folderStatus(), { receiver: { trusted: true }, localIssues: [issue], locationOf: () => undefined });
    const row = rowWith(errors, `${FOLDER}/errors/by-release/1.0.0/a`);
    assert.deepEqual(menuRef(row), { kind: 'error', folder: FOLDER, id: 'a' });
    const [check] = uptimeNodes(folderStatus(), {
      trusted: true,
      rows: [{ check: { name: 'home', url: 'https://shop.example' }, stats: { lastStatus: 'unknown', probes24h: 0 } }],
    });
    assert.deepEqual(menuRef(check), { kind: 'uptime-check', folder: FOLDER, name: 'home' });
    const [goal] = goalNodes(folderStatus(), {
      trusted: true,
      rows: [{ goal: { name: 'Signups', source: 'http-json', url: 'https://shop.example/stats', valuePath: 'users' }, measuring: false }],
    });
    assert.deepEqual(menuRef(goal), { kind: 'goal', folder: FOLDER, name: 'Signups' });
  });
});
