import * as assert from 'node:assert/strict';
import type { FolderStatus } from '../../../src/loop/folderStatus';
import { environmentNodes } from '../../../src/deploy/ui/deployNodes';
import type { EnvironmentViewState } from '../../../src/deploy/ui/deployNodes';
import type { ViewNode } from '../../../src/core/viewNode';
import { folderStatus } from '../../support/folderStatusFixture';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const NOW = Date.parse('2026-11-26T12:00:00Z');

const status: FolderStatus = folderStatus({
  config: { file: '/ws/shop/conveyor.yml', found: true, config: {}, problems: [] },
  deploy: {
    environments: [
      {
        name: 'production',
        context: 'prod',
        namespace: 'shop',
        manifests: 'k8s',
        confirm: true,
        autoRollback: false,
        source: 'conveyor.yml',
      },
    ],
    manifests: [{ file: 'k8s/web.yaml', kind: 'Deployment', name: 'web' }],
  },
});

const pod = (name: string, fields: Record<string, unknown> = {}) => ({
  name,
  deployment: 'web',
  phase: 'Running',
  status: 'Running',
  readyContainers: 1,
  totalContainers: 1,
  ready: '1/1',
  restarts: 0,
  age: '5m',
  containers: ['web'],
  ...fields,
});

const flat = (nodes: ViewNode[], depth = 0): string[] =>
  nodes.flatMap((n) => [
    `${'  '.repeat(depth)}${n.label}${n.description ? ` — ${n.description}` : ''}`,
    ...flat(n.children ?? [], depth + 1),
  ]);

/** The production environment of `status`, watched and connected. */
const connectedTo = { trusted: true, visible: true, current: { context: 'prod', namespace: 'shop' } };
const productionWatched = { name: 'production', context: 'prod', namespace: 'shop', watchState: 'connected' as const };

describe('Environments view rows (unit)', () => {
  it('shows what runs where: release, digest, readiness, pods with why they wait, the last deploy and the manifests', () => {
    const state: EnvironmentViewState = {
      ...connectedTo,
      environments: [
        {
          ...productionWatched,
          lastRollout: { environment: 'production', release: 'v1.4.2', state: 'failed', message: 'ImagePullBackOff', at: NOW - 120_000 },
          deployments: [
            {
              kind: 'Deployment',
              name: 'web',
              desired: 2,
              updated: 1,
              ready: 1,
              available: 1,
              images: ['reg/shop@sha256:abc'],
              release: 'v1.4.2',
              commit: 'abcdef1234',
              digest: 'sha256:0123456789abcdef0123',
              revision: 3,
              rollout: { state: 'failed', message: 'ProgressDeadlineExceeded' },
              pods: [
                pod('web-1'),
                pod('web-2', {
                  phase: 'Pending',
                  status: 'ImagePullBackOff',
                  readyContainers: 0,
                  ready: '0/1',
                  waiting: { reason: 'ImagePullBackOff', message: 'pull access denied' },
                }),
              ],
            },
          ],
        },
      ],
      infrastructure: {
        files: ['main.tf'],
        status: 'planned',
        summary: { add: 1, change: 0, remove: 2 },
        changes: [
          { address: 'aws_s3_bucket.logs', action: 'create' },
          { address: 'aws_instance.old', action: 'delete' },
        ],
      },
    };
    const rows = flat(environmentNodes(status, state, NOW));
    assert.deepEqual(rows, [
      'production — prod / shop · v1.4.2 · asks before deploying',
      '  Last deploy: v1.4.2 failed — 2 min ago',
      '  web — v1.4.2 · 0123456789ab · 1/2 ready',
      '    web-1 — Running · 1/1 · 5m',
      '    web-2 — ImagePullBackOff · 0/1 · 5m',
      '  Manifests — k8s',
      '    Deployment/web — k8s/web.yaml',
      'Infrastructure (Terraform) — +1 ~0 -2',
      '  aws_s3_bucket.logs — create',
      '  aws_instance.old — delete',
    ]);
    const nodes = environmentNodes(status, state, NOW);
    assert.equal(nodes[0].children?.[1].icon, 'error:testing.iconFailed');
    assert.match(nodes[0].children?.[1].children?.[1].tooltip ?? '', /ImagePullBackOff: pull access denied/);
    assert.equal(nodes[1].contextValue, 'infrastructure.changes');
  });

  it('a StatefulSet or DaemonSet row offers the actions its kind has: Scale only where there are replicas, Autoscale on Deployments, Port Forward on all', () => {
    const workload = (kind: 'Deployment' | 'StatefulSet' | 'DaemonSet', name: string) => ({
      kind,
      name,
      desired: 1,
      updated: 1,
      ready: 1,
      available: 1,
      images: [],
      rollout: { state: 'complete' as const, message: '' },
      pods: [],
    });
    const state: EnvironmentViewState = {
      ...connectedTo,
      environments: [
        {
          ...productionWatched,
          deployments: [workload('Deployment', 'web'), workload('StatefulSet', 'db'), workload('DaemonSet', 'agent')],
        },
      ],
    };
    const rows = environmentNodes(status, state, NOW)[0].children ?? [];
    const byName = (name: string) => rows.find((row) => row.label === name)!;
    assert.deepEqual(byName('db').ref, {
      kind: 'deployment',
      folder: status.folder,
      env: 'production',
      name: 'db',
      workloadKind: 'StatefulSet',
    });

    // The row menus as package.json declares them, evaluated for each row's contextValue.
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as {
      contributes: { menus: { 'view/item/context': { command: string; when: string; group?: string }[] } };
    };
    const actionsOf = (contextValue: string) =>
      manifest.contributes.menus['view/item/context']
        .filter((item) => item.when.startsWith('view == conveyor.environments') && item.group !== 'inline')
        .filter((item) => {
          const equals = / viewItem == ([\w.]+)/.exec(item.when);
          const matches = / viewItem =~ \/(.+)\/$/.exec(item.when);
          return equals ? equals[1] === contextValue : matches ? new RegExp(matches[1]).test(contextValue) : false;
        })
        .map((item) => item.command.replace('conveyor.deploy.', ''))
        .sort();
    assert.deepEqual(actionsOf(byName('web').contextValue!), [
      'autoscale',
      'portForward',
      'restart',
      'rollback',
      'scale',
      'showEvents',
      'streamLogs',
    ]);
    assert.deepEqual(actionsOf(byName('db').contextValue!), ['portForward', 'restart', 'rollback', 'scale', 'showEvents', 'streamLogs']);
    assert.deepEqual(actionsOf(byName('agent').contextValue!), ['portForward', 'restart', 'rollback', 'showEvents', 'streamLogs']);
  });

  it('says why the cluster cannot be shown, instead of an empty environment', () => {
    const rows = flat(
      environmentNodes(
        status,
        {
          trusted: true,
          visible: true,
          current: {},
          environments: [
            { name: 'production', problem: 'Cannot reach the cluster at https://10.0.0.1:6443: connection refused', deployments: [] },
          ],
        },
        NOW,
      ),
    );
    assert.equal(rows[1], '  Cannot reach the cluster at https://10.0.0.1:6443: connection refused');
  });

  it('lists the port-forwards of an environment, each with its pod and actions; an ended one says why', () => {
    const forward = {
      namespace: 'shop',
      environment: 'production',
      remotePort: 8080,
      podPort: 8080,
      connections: 2,
      state: 'active' as const,
    };
    const state: EnvironmentViewState = {
      trusted: true,
      visible: true,
      current: {},
      environments: [
        {
          name: 'production',
          deployments: [],
          forwards: [
            {
              ...forward,
              id: 'forward-1',
              target: { kind: 'deployment', name: 'web' },
              localPort: 5000,
              pod: 'web-2',
              url: 'http://127.0.0.1:5000',
            },
            {
              ...forward,
              id: 'forward-2',
              target: { kind: 'pod', name: 'web-1' },
              localPort: 5001,
              pod: 'web-1',
              connections: 0,
              state: 'ended',
              message: 'Pod "web-1" is gone: the port-forward to it ended.',
              url: 'http://127.0.0.1:5001',
            },
          ],
        },
      ],
    };
    const nodes = environmentNodes(status, state, NOW);
    assert.deepEqual(flat(nodes).slice(1, 4), [
      '  Port forwards — 2',
      '    127.0.0.1:5000 → deployment/web:8080 — pod web-2:8080 · 2 connections',
      '    127.0.0.1:5001 → pod/web-1:8080 — ended · Pod "web-1" is gone: the port-forward to it ended.',
    ]);
    const [active, ended] = nodes[0].children?.[0].children ?? [];
    assert.equal(active.contextValue, 'portForward');
    assert.deepEqual(active.ref, { kind: 'port-forward', folder: status.folder, env: 'production', id: 'forward-1' });
    assert.match(active.tooltip ?? '', /Follows deployment web to a new ready pod after a rollout/);
    assert.equal(ended.contextValue, 'portForward.ended');
  });
});
