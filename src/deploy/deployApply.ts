// Server-side apply, one object at a time, in the order that lets each find what it needs (namespace before
// its contents, configuration before the pods that mount it). A failure midway is reported with exactly
// what was and was not applied: the cluster is never left half-changed without the user knowing.
import { ServiceError } from '../core/errors';
import { definedKindOf, waitForDefinedKind } from './customResources';
import type { DefinedKind } from './customResources';
import { DeployError, deployErrorOf } from './deployError';
import type { KubeClient } from './kubeClient';
import { kubeAnswerOf } from './kubeErrors';
import { describeRef } from './kubeObject';
import type { KubeObject } from './kubeObject';
import type { RenderedObject } from './renderManifests';

const KIND_ORDER: Record<string, number> = {
  Namespace: 0,
  CustomResourceDefinition: 1,
  ServiceAccount: 2,
  Secret: 2,
  ConfigMap: 2,
  PersistentVolumeClaim: 2,
  ClusterRole: 2,
  ClusterRoleBinding: 2,
  Role: 2,
  RoleBinding: 2,
  LimitRange: 2,
  ResourceQuota: 2,
  Service: 3,
};
const WORKLOAD_RANK = 4;

// Right after a namespace is created, its `default` service account may not exist yet (1.20's admission
// refuses pods until the controller makes it): wait briefly instead of failing the deploy.
const SERVICE_ACCOUNT_RACE = /serviceaccount(s)? .*not found|service account .*not found/i;
const RACE_RETRY_MS = 500;
const RACE_RETRIES = 20;

export interface AppliedObject {
  object: RenderedObject;
  /** The object as the API server stored it. */
  live: KubeObject;
}

/** Namespaces, then service accounts/config/secrets, then services, then workloads; stable within a rank. */
export function applyOrder(objects: RenderedObject[]): RenderedObject[] {
  return objects
    .map((object, index) => ({ object, index, rank: KIND_ORDER[object.ref.kind] ?? WORKLOAD_RANK }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ object }) => object);
}

/**
 * @param defined kinds that CRDs among `objects` define: each waits for its CRD to be Established before the
 *   first object of that kind is sent.
 */
export async function applyObjects(
  client: KubeClient,
  objects: RenderedObject[],
  onApplied?: (applied: AppliedObject) => void,
  sleep = delay,
  defined: readonly DefinedKind[] = [],
  signal?: AbortSignal,
): Promise<AppliedObject[]> {
  const applied: AppliedObject[] = [];
  for (const [index, object] of objects.entries()) {
    try {
      const definition = definedKindOf(defined, object.ref.apiVersion, object.ref.kind);
      const unusable =
        definition && !(await client.resourceFor(definition.apiVersion, definition.kind))
          ? await waitForDefinedKind(client, definition, { signal })
          : undefined;
      if (definition && unusable) {
        throw new DeployError(
          'timeout',
          `CustomResourceDefinition ${definition.crd} was applied but ${unusable}, so ${describeRef(object.ref)} could not be sent.`,
        );
      }
      const live = await applyWithRaceRetry(client, object, sleep);
      applied.push({ object, live });
      onApplied?.({ object, live });
    } catch (error) {
      const cause = deployErrorOf(error, {
        action: `apply ${describeRef(object.ref)}`,
        context: client.context,
        ref: object.ref,
        file: object.file,
        line: object.line,
      });
      const done = applied.map((a) => describeRef(a.object.ref));
      const notDone = objects.slice(index).map((o) => describeRef(o.ref));
      const summary = `${done.length > 0 ? `Applied: ${done.join(', ')}.` : 'Nothing was applied.'} Not applied: ${notDone.join(', ')}.`;
      const progress = { applied: done, notApplied: notDone };
      if (cause instanceof DeployError) throw new DeployError(cause.kind, `${cause.message} ${summary}`, { ...cause.details, ...progress });
      throw new ServiceError(cause.service, cause.kind, `${cause.message} ${summary}`, {
        status: cause.status,
        detail: { ...cause.detail, ...progress },
        cause: cause.cause,
      });
    }
  }
  return applied;
}

async function applyWithRaceRetry(client: KubeClient, object: RenderedObject, sleep: (ms: number) => Promise<void>): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.apply<KubeObject>(object.object);
    } catch (error) {
      const race = SERVICE_ACCOUNT_RACE.test(kubeAnswerOf(error)?.message ?? '');
      if (!race || attempt >= RACE_RETRIES) throw error;
      await sleep(RACE_RETRY_MS);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
