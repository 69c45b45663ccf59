import * as path from 'node:path';
import type { RefOf, ViewNode } from '../../core/viewNode';
import { formatAge } from '../../core/formatAge';
import type { FolderStatus } from '../../loop/folderStatus';
import type { AutoscalerRow } from '../operate/autoscalerRows';
import type { EventRow } from '../operate/events';
import type { ForwardInfo } from '../operate/portForward';
import type { DeploymentRow, PodRow } from '../operate/workloadRows';

/** How the last deploy from this window went, for the view and the status bar. */
export interface LastRollout {
  environment: string;
  release: string;
  state: 'running' | 'complete' | 'failed' | 'rolled-back';
  message: string;
  at: number;
}

export interface EnvironmentState {
  name: string;
  context?: string;
  namespace?: string;
  /** Why the cluster cannot be shown (unreachable, 401, 403, no such context). */
  problem?: string;
  watchState?: 'stopped' | 'connecting' | 'connected' | 'reconnecting' | 'error';
  deployments: (DeploymentRow & { pods: PodRow[]; autoscaler?: AutoscalerRow & { events: EventRow[] } })[];
  lastRollout?: LastRollout;
  /** Port-forwards started from this window to the environment. */
  forwards?: ForwardInfo[];
}

/** What `terraform plan` says for a folder with Terraform files (read-only; Apply asks first). */
export interface InfrastructureState {
  files: string[];
  status: 'planning' | 'planned' | 'failed' | 'not-installed' | 'not-planned';
  message?: string;
  summary?: { add: number; change: number; remove: number };
  changes?: { address: string; action: string; reason?: string }[];
}

export interface EnvironmentViewState {
  trusted: boolean;
  infrastructure?: InfrastructureState;
  visible: boolean;
  current: { context?: string; namespace?: string; problem?: string };
  environments: EnvironmentState[];
}

const EMPTY_STATE: EnvironmentViewState = { trusted: true, visible: false, current: {}, environments: [] };

const shortDigest = (digest?: string) => (digest ? `${digest.replace(/^sha256:/, '').slice(0, 12)}` : undefined);

function podNode(base: string, deployment: RefOf<'deployment'>, pod: PodRow): ViewNode {
  const waiting = pod.waiting ? `${pod.waiting.reason}${pod.waiting.message ? `: ${pod.waiting.message}` : ''}` : undefined;
  const healthy = pod.phase === 'Running' && pod.readyContainers === pod.totalContainers;
  return {
    id: `${base}/pod/${pod.name}`,
    label: pod.name,
    description: [pod.waiting?.reason ?? pod.status, pod.ready, pod.restarts ? `${pod.restarts} restarts` : undefined, pod.age]
      .filter(Boolean)
      .join(' · '),
    tooltip: [
      `Pod ${pod.name}`,
      `Phase ${pod.phase}, ${pod.ready} ready, ${pod.restarts} restarts, age ${pod.age}`,
      pod.node ? `Node ${pod.node}` : undefined,
      waiting,
      `Containers: ${pod.containers.join(', ')}`,
    ]
      .filter(Boolean)
      .join('\n'),
    icon: healthy ? 'vm-running:testing.iconPassed' : pod.waiting ? 'vm-outline:testing.iconFailed' : 'vm-outline',
    contextValue: 'pod',
    ref: { kind: 'pod', folder: deployment.folder, env: deployment.env, deployment: deployment.name, name: pod.name },
  };
}

const CONDITION_ICONS: Record<string, string> = {
  True: 'pass:testing.iconPassed',
  False: 'circle-slash:editorWarning.foreground',
};

/** The HPA of an autoscaled deployment: replicas, bounds and targets; under it its conditions and recent scale events. */
function autoscalerNode(base: string, ref: RefOf<'deployment'>, autoscaler: AutoscalerRow & { events: EventRow[] }): ViewNode {
  const id = `${base}/autoscaler/${autoscaler.name}`;
  const replicas =
    autoscaler.current === autoscaler.desired ? `${autoscaler.current} replicas` : `${autoscaler.current} → ${autoscaler.desired} replicas`;
  const problem = autoscaler.metricsUnavailable;
  const children: ViewNode[] = [
    ...(problem
      ? [{ id: `${id}/metrics`, label: problem.summary, tooltip: problem.detail, icon: 'warning:editorWarning.foreground' }]
      : []),
    ...autoscaler.conditions.map((c) => ({
      id: `${id}/condition/${c.type}`,
      label: `${c.type}: ${c.status}`,
      description: [c.reason, c.message].filter(Boolean).join(' · '),
      tooltip: [`${c.type} is ${c.status}${c.reason ? ` (${c.reason})` : ''}`, c.message].filter(Boolean).join('\n'),
      icon: CONDITION_ICONS[c.status] ?? 'circle-outline',
    })),
    ...autoscaler.events.map((e, index) => ({
      id: `${id}/event/${index}`,
      label: e.reason,
      description: [e.count > 1 ? `×${e.count}` : undefined, e.age, e.message].filter(Boolean).join(' · '),
      tooltip: [`${e.type}: ${e.reason}${e.count > 1 ? ` (×${e.count})` : ''}`, e.message, e.source ? `From ${e.source}` : undefined]
        .filter(Boolean)
        .join('\n'),
      icon: e.type === 'Warning' ? 'warning:editorWarning.foreground' : 'history',
    })),
  ];
  return {
    id,
    label: `Autoscaler ${autoscaler.name}`,
    description: [replicas, `min ${autoscaler.min}–max ${autoscaler.max}`, ...autoscaler.targets].join(' · '),
    tooltip: [
      `HorizontalPodAutoscaler ${autoscaler.name}`,
      `Replicas: ${autoscaler.current} current, ${autoscaler.desired} desired (between ${autoscaler.min} and ${autoscaler.max})`,
      autoscaler.targets.length ? `Targets (current / target): ${autoscaler.targets.join(', ')}` : undefined,
      problem?.detail,
    ]
      .filter(Boolean)
      .join('\n'),
    icon: problem ? 'dashboard:editorWarning.foreground' : 'dashboard',
    // Autoscale… (to change the bounds) and Remove Autoscaling act on the deployment the row belongs to.
    contextValue: 'autoscaler',
    ref,
    expanded: problem !== undefined,
    children,
  };
}

function deploymentNode(base: string, env: RefOf<'environment'>, deployment: EnvironmentState['deployments'][number]): ViewNode {
  const id = `${base}/deployment/${deployment.name}`;
  const ref: RefOf<'deployment'> = {
    kind: 'deployment',
    folder: env.folder,
    env: env.env,
    name: deployment.name,
    workloadKind: deployment.kind,
  };
  const failing = deployment.rollout.state === 'failed';
  return {
    id,
    label: deployment.name,
    description: [
      deployment.kind === 'Deployment' ? undefined : deployment.kind,
      deployment.release,
      shortDigest(deployment.digest),
      `${deployment.ready}/${deployment.desired} ready`,
      deployment.autoscaler ? `autoscaled ${deployment.autoscaler.min}–${deployment.autoscaler.max}` : undefined,
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip: [
      `${deployment.kind} ${deployment.name}${deployment.revision ? ` (revision ${deployment.revision})` : ''}`,
      deployment.release
        ? `Release ${deployment.release}${deployment.commit ? ` (commit ${deployment.commit.slice(0, 7)})` : ''}`
        : 'Not deployed by Conveyor',
      deployment.digest ? `Digest ${deployment.digest}` : undefined,
      `Images: ${deployment.images.join(', ')}`,
      `Replicas: ${deployment.desired} desired, ${deployment.updated} updated, ${deployment.ready} ready, ${deployment.available} available`,
      deployment.rollout.message,
    ]
      .filter(Boolean)
      .join('\n'),
    icon: failing ? 'error:testing.iconFailed' : deployment.rollout.state === 'progressing' ? 'sync~spin' : 'package',
    // deployment, statefulset or daemonset: a DaemonSet has no Scale, only a Deployment has Autoscale.
    contextValue: deployment.kind.toLowerCase(),
    ref,
    expanded: failing,
    children: [
      ...(deployment.autoscaler ? [autoscalerNode(id, ref, deployment.autoscaler)] : []),
      ...deployment.pods.map((pod) => podNode(id, ref, pod)),
    ],
  };
}

/** `127.0.0.1:5000 → deployment/web:http`, the words of a forward in the view and the status bar's list. */
export function forwardLabel(forward: ForwardInfo): string {
  return `127.0.0.1:${forward.localPort} → ${forward.target.kind}/${forward.target.name}:${forward.remotePort}`;
}

/** The active forwards of an environment, each with Open in Browser and Stop; an ended one says why. */
function forwardsNode(base: string, env: RefOf<'environment'>, forwards: ForwardInfo[]): ViewNode {
  return {
    id: `${base}/forwards`,
    label: 'Port forwards',
    description: `${forwards.length}`,
    icon: 'plug',
    expanded: true,
    children: forwards.map((forward) => {
      const ended = forward.state === 'ended';
      const connections = forward.connections === 1 ? '1 connection' : `${forward.connections} connections`;
      return {
        id: `${base}/forward/${forward.id}`,
        label: forwardLabel(forward),
        description: ended
          ? `ended · ${forward.message ?? ''}`
          : [`pod ${forward.pod}:${forward.podPort}`, forward.connections ? connections : undefined].filter(Boolean).join(' · '),
        tooltip: [
          `Forwards ${forward.url} to port ${forward.podPort} of pod ${forward.pod} (namespace ${forward.namespace}) through the API server.`,
          forward.target.kind === 'pod'
            ? 'Ends when the pod goes away.'
            : `Follows ${forward.target.kind} ${forward.target.name} to a new ready pod after a rollout.`,
          forward.message,
        ]
          .filter(Boolean)
          .join('\n'),
        icon: ended
          ? 'debug-disconnect:editorWarning.foreground'
          : forward.message
            ? 'plug:editorWarning.foreground'
            : 'plug:testing.iconPassed',
        contextValue: ended ? 'portForward.ended' : 'portForward',
        ref: { kind: 'port-forward', folder: env.folder, env: env.env, id: forward.id },
      };
    }),
  };
}

/**
 * Environments with what runs there: deployments (release, digest, readiness) and their pods (phase, ready,
 * restarts, age, why a pod is waiting), the last rollout from this window, and the manifests each applies.
 */
export function environmentNodes(status: FolderStatus, state: EnvironmentViewState = EMPTY_STATE, now = Date.now()): ViewNode[] {
  const { environments, manifests } = status.deploy;
  const infrastructure = state.infrastructure ? [infrastructureNode(status, state.infrastructure)] : [];
  return [...environmentRows(status, environments, manifests, state, now), ...infrastructure];
}

const ACTION_ICONS: Record<string, string> = {
  create: 'add:gitDecoration.addedResourceForeground',
  update: 'edit:gitDecoration.modifiedResourceForeground',
  replace: 'replace:gitDecoration.modifiedResourceForeground',
  delete: 'remove:gitDecoration.deletedResourceForeground',
};

function infrastructureNode(status: FolderStatus, infra: InfrastructureState): ViewNode {
  const base = `${status.folder}/infrastructure`;
  const summary = infra.summary ? `+${infra.summary.add} ~${infra.summary.change} -${infra.summary.remove}` : undefined;
  const description =
    infra.status === 'planned'
      ? summary === '+0 ~0 -0'
        ? 'no changes'
        : summary
      : infra.status === 'planning'
        ? 'planning…'
        : infra.status === 'not-installed'
          ? 'terraform not installed'
          : infra.status === 'failed'
            ? 'plan failed'
            : 'not planned yet';
  return {
    id: base,
    label: 'Infrastructure (Terraform)',
    description,
    tooltip: [`Terraform files: ${infra.files.join(', ')}`, infra.message, 'Read-only: Plan shows what would change; Apply asks first.']
      .filter(Boolean)
      .join('\n'),
    icon: infra.status === 'failed' ? 'error:testing.iconFailed' : 'server-environment',
    contextValue: infra.status === 'planned' && summary !== '+0 ~0 -0' ? 'infrastructure.changes' : 'infrastructure',
    ref: { kind: 'infrastructure', folder: status.folder },
    children: (infra.changes ?? []).map((change) => ({
      id: `${base}/${change.address}`,
      label: change.address,
      description: change.reason ? `${change.action} · ${change.reason}` : change.action,
      icon: ACTION_ICONS[change.action] ?? 'circle-outline',
    })),
  };
}

function environmentRows(
  status: FolderStatus,
  environments: FolderStatus['deploy']['environments'],
  manifests: FolderStatus['deploy']['manifests'],
  state: EnvironmentViewState,
  now: number,
): ViewNode[] {
  return environments.map((env) => {
    const live = state.environments.find((e) => e.name === env.name);
    const base = `${status.folder}/env/${env.name}`;
    const ref: RefOf<'environment'> = { kind: 'environment', folder: status.folder, env: env.name };
    const folder = env.manifests ?? env.kustomize;
    const objects = manifests.filter((m) => folder && m.file.startsWith(`${folder}/`));
    const target = [live?.context ?? env.context ?? 'current context', live?.namespace ?? env.namespace ?? 'its namespace'].join(' / ');
    const rollout = live?.lastRollout;
    const children: ViewNode[] = [];
    if (live?.problem) {
      children.push({
        id: `${base}/problem`,
        label: live.problem,
        icon: 'warning:editorWarning.foreground',
        tooltip: live.problem,
        contextValue: 'environmentProblem',
      });
    } else if (!state.trusted) {
      children.push({
        id: `${base}/restricted`,
        label: 'Restricted Mode: the cluster is read once you trust this workspace',
        icon: 'shield',
      });
    }
    if (rollout) {
      children.push({
        id: `${base}/rollout`,
        label: `Last deploy: ${rollout.release} ${rollout.state === 'complete' ? 'rolled out' : rollout.state === 'running' ? 'rolling out…' : rollout.state === 'rolled-back' ? 'failed, rolled back' : 'failed'}`,
        description: formatAge(rollout.at, now),
        tooltip: rollout.message,
        icon:
          rollout.state === 'complete' ? 'pass:testing.iconPassed' : rollout.state === 'running' ? 'sync~spin' : 'error:testing.iconFailed',
      });
    }
    if (live?.forwards?.length) children.push(forwardsNode(base, ref, live.forwards));
    children.push(...(live?.deployments ?? []).map((d) => deploymentNode(base, ref, d)));
    if (objects.length > 0) {
      children.push({
        id: `${base}/manifests`,
        label: 'Manifests',
        description: folder,
        icon: 'files',
        children: objects.map((m) => ({
          id: `${base}/${m.file}/${m.kind}/${m.name}`,
          label: `${m.kind}/${m.name}`,
          description: m.file,
          icon: 'symbol-file',
          file: path.join(status.folder, m.file),
        })),
      });
    }
    const running = live?.deployments.map((d) => d.release).filter(Boolean);
    return {
      id: base,
      label: env.name,
      description: [
        target,
        running?.length ? [...new Set(running)].join(', ') : undefined,
        env.confirm ? 'asks before deploying' : undefined,
      ]
        .filter(Boolean)
        .join(' · '),
      tooltip: `${env.name}: ${target}\nManifests: ${folder ?? 'none'}${env.source === 'detected' ? '\nDetected from the manifest folder' : ''}${env.confirm ? '\nDeploys ask first (confirm: true)' : ''}${env.autoRollback ? '\nRolls back by itself when a rollout fails' : ''}`,
      icon: env.confirm ? 'lock' : 'cloud',
      contextValue: 'environment',
      ref,
      expanded: true,
      children,
    };
  });
}
