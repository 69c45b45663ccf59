import * as assert from 'node:assert/strict';
import {
  autoscalerObject,
  boundsOf,
  boundsProblem,
  chooseAutoscalingVersion,
  scalesDeployment,
  type HorizontalPodAutoscaler,
} from '../../../src/deploy/operate/autoscale';
import { METRICS_SERVER_INSTALL, autoscalerRow } from '../../../src/deploy/operate/autoscalerRows';
import { environmentNodes, type EnvironmentViewState } from '../../../src/deploy/ui/deployNodes';
import type { ViewNode } from '../../../src/core/viewNode';
import { lineOfKey } from '../../../src/core/yamlText';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { folderStatus } from '../../support/folderStatusFixture';

const NOW = Date.parse('2026-12-03T12:00:00Z');

/** What the HPA controller of Kubernetes 1.20 writes when the cluster has no metrics-server. */
const NO_METRICS_MESSAGE =
  'the HPA was unable to compute the replica count: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';

function hpa(
  status: HorizontalPodAutoscaler['status'],
  metrics = autoscalerObject('autoscaling/v2', 'shop', 'web', { min: 2, max: 5, targetCPU: 70 }).spec?.metrics,
): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2beta2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5, metrics },
    status,
  };
}

describe('autoscaling: API version, object shape, bounds (unit)', () => {
  it('uses autoscaling/v2 when the cluster serves it, else v2beta2, else none', () => {
    assert.equal(chooseAutoscalingVersion(['autoscaling/v1', 'autoscaling/v2', 'autoscaling/v2beta2']), 'autoscaling/v2');
    // Kubernetes 1.20 (the test cluster): v2beta2 but no v2.
    assert.equal(chooseAutoscalingVersion(['autoscaling/v1', 'autoscaling/v2beta1', 'autoscaling/v2beta2']), 'autoscaling/v2beta2');
    assert.equal(chooseAutoscalingVersion(['autoscaling/v1']), undefined);
  });

  it('builds an HPA named after the deployment, targeting it with a CPU utilization target, in the chosen version', () => {
    for (const version of ['autoscaling/v2', 'autoscaling/v2beta2'] as const) {
      assert.deepEqual(autoscalerObject(version, 'shop', 'web', { min: 2, max: 10, targetCPU: 70 }), {
        apiVersion: version,
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 2,
          maxReplicas: 10,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
        },
      });
    }
  });

  it('edits an existing HPA under its own name, keeping its other metrics and replacing only the CPU target', () => {
    const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } } };
    const existing: HorizontalPodAutoscaler = {
      ...hpa(undefined),
      metadata: { name: 'web-hpa', namespace: 'shop' },
      spec: { ...hpa(undefined).spec, metrics: [memory, ...(hpa(undefined).spec?.metrics ?? [])] },
    };
    const edited = autoscalerObject('autoscaling/v2', 'shop', 'web', { min: 3, max: 6, targetCPU: 50 }, existing);
    assert.equal(edited.metadata?.name, 'web-hpa');
    assert.deepEqual(edited.spec?.metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      memory,
    ]);
    assert.deepEqual(boundsOf(edited), { min: 3, max: 6, targetCPU: 50 });
    assert.equal(scalesDeployment(existing, 'web'), true);
    assert.equal(scalesDeployment(existing, 'api'), false);
  });

  it('refuses bounds an HPA cannot have, saying which', () => {
    assert.equal(boundsProblem({ min: 2, max: 5, targetCPU: 70 }), undefined);
    assert.equal(boundsProblem({ min: 5, max: 3, targetCPU: 70 }), 'min replicas (5) is more than max replicas (3)');
    assert.equal(boundsProblem({ min: 0, max: 3, targetCPU: 70 }), 'min replicas must be a whole number, 1 or more (not 0)');
    assert.equal(boundsProblem({ min: 1, max: 3, targetCPU: 0 }), 'target CPU must be a whole percentage, 1 or more (not 0)');
    assert.equal(boundsProblem({ min: 1, max: 2.5, targetCPU: 50 }), 'max replicas must be a whole number, 1 or more (not 2.5)');
  });

  it('validates environments.<name>.autoscale in conveyor.yml, reporting a mistake at its line', () => {
    const valid = parseConfig(['environments:', '  staging:', '    autoscale: {min: 2, max: 5, targetCPU: 70}', ''].join('\n'));
    assert.deepEqual(valid.problems, []);
    assert.deepEqual(valid.config.environments?.staging.autoscale, { min: 2, max: 5, targetCPU: 70 });
    const invalid = parseConfig(
      ['environments:', '  staging:', '    manifests: k8s', '    autoscale:', '      min: 0', '      max: 5', ''].join('\n'),
    );
    assert.deepEqual(
      invalid.problems.map((p) => `${p.range.start.line + 1}: ${p.message}`),
      [
        '4: environments.staging.autoscale is missing "targetCPU"; this entry is ignored.',
        '5: environments.staging.autoscale.min must be >= 1 (found 0); the default is used.',
      ],
    );
    assert.equal(invalid.config.environments?.staging.autoscale, undefined, 'the invalid part is dropped');
    assert.equal(invalid.config.environments?.staging.manifests, 'k8s', 'the rest is kept');
  });

  it('accepts autoscale.deployments (the Deployments to autoscale) and reports an empty list at its line', () => {
    const valid = parseConfig(
      ['environments:', '  production:', '    autoscale:', '      {min: 2, max: 5, targetCPU: 70, deployments: [web, api]}', ''].join('\n'),
    );
    assert.deepEqual(valid.problems, []);
    assert.deepEqual(valid.config.environments?.production.autoscale?.deployments, ['web', 'api']);
    const empty = parseConfig(
      [
        'environments:',
        '  production:',
        '    autoscale:',
        '      min: 2',
        '      max: 5',
        '      targetCPU: 70',
        '      deployments: []',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      empty.problems.map((p) => p.range.start.line + 1),
      [7],
      empty.problems.map((p) => p.message).join('; '),
    );
  });

  it("finds the line of conveyor.yml's autoscale key, for the plan and its errors", () => {
    const text = ['environments:', '  staging:', '    manifests: k8s', '    autoscale: {min: 2, max: 5, targetCPU: 70}', ''].join('\n');
    assert.equal(lineOfKey(text, ['environments', 'staging', 'autoscale']), 4);
    assert.equal(lineOfKey(text, ['environments', 'production', 'autoscale']), undefined);
  });
});

describe('autoscaler rows (unit)', () => {
  it('shows current and target CPU as kubectl does, and <unknown> without a reading', () => {
    const measured = autoscalerRow(
      hpa({
        currentReplicas: 3,
        desiredReplicas: 4,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } }],
      }),
    );
    assert.deepEqual(
      { min: measured.min, max: measured.max, current: measured.current, desired: measured.desired, targets: measured.targets },
      { min: 2, max: 5, current: 3, desired: 4, targets: ['cpu 35% / 70%'] },
    );
    assert.equal(measured.deployment, 'web');
    assert.equal(measured.metricsUnavailable, undefined);
    assert.deepEqual(autoscalerRow(hpa({ currentReplicas: 2, desiredReplicas: 2, currentMetrics: null })).targets, ['cpu <unknown> / 70%']);
  });

  it('explains FailedGetResourceMetric as a missing metrics server, with the command that installs one', () => {
    const row = autoscalerRow(
      hpa({
        currentReplicas: 2,
        desiredReplicas: 2,
        conditions: [
          {
            type: 'AbleToScale',
            status: 'True',
            reason: 'SucceededGetScale',
            message: "the HPA controller was able to get the target's current scale",
          },
          { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: NO_METRICS_MESSAGE },
        ],
      }),
    );
    assert.deepEqual(
      row.conditions.map((c) => `${c.type}=${c.status} ${c.reason}`),
      ['AbleToScale=True SucceededGetScale', 'ScalingActive=False FailedGetResourceMetric'],
    );
    assert.equal(row.metricsUnavailable?.summary, 'Metrics unavailable: no metrics server in the cluster?');
    assert.ok(row.metricsUnavailable?.detail.includes(METRICS_SERVER_INSTALL));
    assert.ok(row.metricsUnavailable?.detail.includes(NO_METRICS_MESSAGE));
  });

  it('does not call a scaling limit or a healthy HPA "metrics unavailable"', () => {
    const row = autoscalerRow(
      hpa({
        conditions: [
          { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
          {
            type: 'ScalingLimited',
            status: 'True',
            reason: 'TooFewReplicas',
            message: 'the desired replica count is less than the minimum replica count',
          },
        ],
      }),
    );
    assert.equal(row.metricsUnavailable, undefined);
  });
});

describe('Environments view: an autoscaled deployment (unit)', () => {
  const status = folderStatus({
    deploy: {
      environments: [
        {
          name: 'staging',
          context: 'kind',
          namespace: 'shop',
          manifests: 'k8s',
          confirm: false,
          autoRollback: false,
          source: 'conveyor.yml',
        },
      ],
      manifests: [],
    },
  });
  const flat = (nodes: ViewNode[], depth = 0): string[] =>
    nodes.flatMap((n) => [
      `${'  '.repeat(depth)}${n.label}${n.description ? ` — ${n.description}` : ''}`,
      ...flat(n.children ?? [], depth + 1),
    ]);

  function view(autoscaler: HorizontalPodAutoscaler): ViewNode[] {
    const state: EnvironmentViewState = {
      trusted: true,
      visible: true,
      current: {},
      environments: [
        {
          name: 'staging',
          context: 'kind',
          namespace: 'shop',
          deployments: [
            {
              kind: 'Deployment',
              name: 'web',
              desired: 2,
              updated: 2,
              ready: 2,
              available: 2,
              images: ['reg/web:1'],
              rollout: { state: 'complete', message: '2 of 2 replicas available' },
              pods: [],
              autoscaler: {
                ...autoscalerRow(autoscaler),
                events: [
                  {
                    type: 'Normal',
                    reason: 'SuccessfulRescale',
                    message: 'New size: 2; reason: Current number of replicas below Spec.MinReplicas',
                    count: 1,
                    age: '1 min ago',
                    lastSeen: NOW - 60_000,
                    source: 'horizontal-pod-autoscaler',
                  },
                ],
              },
            },
          ],
        },
      ],
    };
    return environmentNodes(status, state, NOW);
  }

  it('lists replicas, bounds and targets, then the metrics explanation, the conditions and the recent scale events', () => {
    const nodes = view(
      hpa({
        currentReplicas: 1,
        desiredReplicas: 2,
        conditions: [
          {
            type: 'AbleToScale',
            status: 'True',
            reason: 'SucceededRescale',
            message: 'the HPA controller was able to update the target scale to 2',
          },
          { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: NO_METRICS_MESSAGE },
        ],
      }),
    );
    assert.deepEqual(flat(nodes), [
      'staging — kind / shop',
      '  web — 2/2 ready · autoscaled 2–5',
      '    Autoscaler web — 1 → 2 replicas · min 2–max 5 · cpu <unknown> / 70%',
      '      Metrics unavailable: no metrics server in the cluster?',
      '      AbleToScale: True — SucceededRescale · the HPA controller was able to update the target scale to 2',
      `      ScalingActive: False — FailedGetResourceMetric · ${NO_METRICS_MESSAGE}`,
      '      SuccessfulRescale — 1 min ago · New size: 2; reason: Current number of replicas below Spec.MinReplicas',
    ]);
    const autoscaler = nodes[0].children?.[0].children?.[0];
    assert.equal(autoscaler?.contextValue, 'autoscaler');
    assert.deepEqual(autoscaler?.ref, {
      kind: 'deployment',
      folder: status.folder,
      env: 'staging',
      name: 'web',
      workloadKind: 'Deployment',
    });
    assert.equal(autoscaler?.expanded, true, 'a problem is shown open');
    const metrics = autoscaler?.children?.[0];
    assert.match(metrics?.tooltip ?? '', /metrics-server/);
    assert.ok(metrics?.tooltip?.includes(METRICS_SERVER_INSTALL));
    assert.match(autoscaler?.children?.[3].tooltip ?? '', /From horizontal-pod-autoscaler/);
  });

  it('shows a measured target and no metrics row when the autoscaler reads metrics', () => {
    const nodes = view(
      hpa({
        currentReplicas: 3,
        desiredReplicas: 3,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } }],
        conditions: [
          {
            type: 'ScalingActive',
            status: 'True',
            reason: 'ValidMetricFound',
            message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization',
          },
        ],
      }),
    );
    const autoscaler = nodes[0].children?.[0].children?.[0];
    assert.equal(autoscaler?.description, '3 replicas · min 2–max 5 · cpu 35% / 70%');
    assert.equal(autoscaler?.expanded, false);
    assert.deepEqual(
      autoscaler?.children?.map((c) => c.label),
      ['ScalingActive: True', 'SuccessfulRescale'],
    );
  });
});
