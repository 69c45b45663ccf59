// `kubectl rollout undo`: put the pod template of an earlier ReplicaSet back on the Deployment. The
// controller then scales that old ReplicaSet up again (same template hash), so the previous release comes
// back exactly, with its release annotations.
import { ServiceError } from '../core/errors';
import { DeployError, deployErrorOf } from './deployError';
import { FIELD_MANAGER } from './kubeClient';
import type { KubeClient } from './kubeClient';
import { KUBERNETES } from './kubeErrors';
import type { Deployment, PodTemplate, ReplicaSet } from './kubeObject';
import { ANNOTATION_RELEASE, ANNOTATION_REVISION, RELEASE_ANNOTATIONS } from '../core/deliveryKeys';
import { byRevision, ownedReplicaSets } from './rollout';

export interface RollbackTarget {
  /** The revision being rolled back to, as `kubectl rollout history` numbers it. */
  revision: string;
  replicaSet: ReplicaSet;
  template: PodTemplate;
}

export interface RollbackResult {
  deployment: string;
  namespace: string;
  fromRevision?: string;
  toRevision: string;
  /** The release the restored template carries (its conveyor.dev/release annotation), when it has one. */
  release?: string;
  images: string[];
  /** Set when nothing was changed because the Deployment no longer runs the release to roll back from. */
  unchanged?: string;
}

/**
 * The ReplicaSet to go back to: `toRevision` when given, else the highest revision below the current one.
 * Pure, so the choice is tested without a cluster.
 */
export function rollbackTarget(deployment: Deployment, replicaSets: ReplicaSet[], toRevision?: string): RollbackTarget | undefined {
  const current = Number(deployment.metadata?.annotations?.[ANNOTATION_REVISION] ?? 0);
  const candidates = replicaSets.filter((rs) => rs.spec?.template && rs.metadata?.annotations?.[ANNOTATION_REVISION]).sort(byRevision);
  const chosen = toRevision
    ? candidates.find((rs) => rs.metadata?.annotations?.[ANNOTATION_REVISION] === toRevision)
    : candidates.filter((rs) => Number(rs.metadata?.annotations?.[ANNOTATION_REVISION]) < current).at(-1);
  if (!chosen?.spec?.template) return undefined;
  const template = structuredClone(chosen.spec.template);
  // The controller adds the hash label to its ReplicaSets' templates; the Deployment's template has none.
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
  return { revision: chosen.metadata!.annotations![ANNOTATION_REVISION], replicaSet: chosen, template };
}

/**
 * @param fromRelease roll back only while the Deployment runs this release (its conveyor.dev/release): an
 *   automatic rollback must not undo a deploy that came after it, nor one that never happened.
 */
export async function rollbackDeployment(
  client: KubeClient,
  namespace: string,
  name: string,
  toRevision?: string,
  fromRelease?: string,
): Promise<RollbackResult> {
  const where = { context: client.context, action: `roll back Deployment/${name}` };
  try {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}`;
    const deployment = await observedDeployment(client, path);
    if (!deployment)
      throw new ServiceError(
        KUBERNETES,
        'not-found',
        `Deployment "${name}" does not exist in namespace "${namespace}" (context "${client.context}").`,
        { status: 404 },
      );
    const running = deployment.metadata?.annotations?.[ANNOTATION_RELEASE];
    if (fromRelease !== undefined && running !== fromRelease) {
      const revision = deployment.metadata?.annotations?.[ANNOTATION_REVISION] ?? '';
      return {
        deployment: name,
        namespace,
        toRevision: revision,
        ...(running ? { release: running } : {}),
        images: [],
        unchanged: `${name} runs ${running ?? 'no Conveyor release'}, not ${fromRelease}: left as it is`,
      };
    }
    const target = rollbackTarget(deployment, await ownedReplicaSets(client, deployment), toRevision);
    if (!target) {
      throw new DeployError(
        'not-found',
        toRevision
          ? `Deployment "${name}" has no revision ${toRevision} to roll back to.`
          : `Deployment "${name}" has no earlier revision to roll back to.`,
      );
    }
    // JSON Patch replaces the template wholesale: a merge would keep keys only the new template has, and
    // the template would no longer match the old ReplicaSet.
    const previousAnnotations = target.replicaSet.metadata?.annotations ?? {};
    const operations: unknown[] = [{ op: 'replace', path: '/spec/template', value: target.template }];
    if (!deployment.metadata?.annotations) operations.push({ op: 'add', path: '/metadata/annotations', value: {} });
    for (const key of RELEASE_ANNOTATIONS) {
      const pointer = `/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (previousAnnotations[key] !== undefined) operations.push({ op: 'add', path: pointer, value: previousAnnotations[key] });
      else if (deployment.metadata?.annotations?.[key] !== undefined) operations.push({ op: 'remove', path: pointer });
    }
    await client.request('PATCH', path, {
      body: operations,
      contentType: 'application/json-patch+json',
      query: { fieldManager: FIELD_MANAGER },
    });
    const images = (target.template.spec?.containers ?? []).map((c) => c.image ?? '').filter(Boolean);
    const fromRevision = deployment.metadata?.annotations?.[ANNOTATION_REVISION];
    const release = previousAnnotations[ANNOTATION_RELEASE];
    return {
      deployment: name,
      namespace,
      ...(fromRevision ? { fromRevision } : {}),
      toRevision: target.revision,
      ...(release ? { release } : {}),
      images,
    };
  } catch (error) {
    throw deployErrorOf(error, where);
  }
}

/** How long a rollback waits for the controller to take in the Deployment's last change. */
const OBSERVE_TIMEOUT_MS = 30_000;

/**
 * The Deployment once its controller has observed its latest spec. Right after an apply (a deploy stopped at
 * once), the revision annotation and the ReplicaSets still describe the revision before it, and "the
 * previous revision" would be one too far back.
 */
async function observedDeployment(client: KubeClient, path: string): Promise<Deployment | undefined> {
  const deadline = Date.now() + OBSERVE_TIMEOUT_MS;
  for (;;) {
    const deployment = await client.getOptional<Deployment>(path);
    if (!deployment || (deployment.status?.observedGeneration ?? -1) >= (deployment.metadata?.generation ?? 0)) return deployment;
    if (Date.now() > deadline) {
      throw new ServiceError(
        KUBERNETES,
        'timeout',
        `Deployment "${deployment.metadata?.name}" has a change its controller has not taken in after ${OBSERVE_TIMEOUT_MS / 1000} s: roll back once it has (is kube-controller-manager running?).`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
