// One deploy, end to end: render the manifests for the release, ask the cluster what would change (dry
// run), let the user confirm where the environment asks for it, apply, and follow the rollout of every
// Deployment, StatefulSet and DaemonSet; a failed rollout brings back the previous revision when the
// environment says so. What cannot be followed (a ReplicationController, a custom resource) is applied and
// said to be not followed, by name.
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { readTextIfExists } from '../core/fsUtil';
import { isRecord } from '../core/records';
import { lineOfKey } from '../core/yamlText';
import { definedKindOf, kindsDefinedBy } from './customResources';
import type { DefinedKind } from './customResources';
import { DeployError, deployErrorOf } from './deployError';
import { applyObjects, applyOrder } from './deployApply';
import { planDeploy } from './deployPlan';
import type { DeployPlan, PlannedObject } from './deployPlan';
import type { EnvironmentDefinition } from './environmentDefinition';
import { manifestSourceOf } from './environments';
import { KubeClient } from './kubeClient';
import { renderKustomization } from './kustomize';
import { checkCredentialCommand, contextNamespace, loadKubeConfig, withContext } from './kubeconfigLoader';
import type { KubeConfigSource } from './kubeconfigLoader';
import { describeRef, refOf, sameObject } from './kubeObject';
import type { Deployment } from './kubeObject';
import { boundsProblem, plannedAutoscaler, type AutoscaleBounds } from './operate/autoscale';
import { CONFIG_FILE_NAME } from '../core/config/conveyorConfig';
import { isClusterScopedKind, readManifestFolder, renderManifests } from './renderManifests';
import type { ManifestDocument, ReleaseToDeploy, RenderedObject, RenderOptions } from './renderManifests';
import { rollbackDeployment, rollbackFromHistory } from './rollback';
import type { RollbackResult } from './rollback';
import { followRollout } from './rollout';
import type { PodProblem, RolloutProgress, RolloutResult } from './rollout';
import { isFollowedKind, notFollowedReason } from './workloadStatus';
import type { WorkloadRef } from './workloadStatus';

export type DeployStep = 'connect' | 'render' | 'plan' | 'confirm' | 'apply' | 'rollout' | 'rollback';

export interface DeployProgress {
  step: DeployStep;
  message: string;
  /** For rollout steps: the workload's replica counts. */
  rollout?: RolloutProgress;
}

export interface DeployOptions {
  /** The workspace folder; the environment's manifests folder is relative to it. */
  folder: string;
  environment: EnvironmentDefinition;
  release: ReleaseToDeploy;
  /** Where to read the kubeconfig from, or an already loaded (possibly switched) configuration. */
  kubeconfig: KubeConfigSource | KubeConfig;
  /** Told the dry-run plan as soon as it is known, before anything is applied (a caller that stops can undo it). */
  onPlanned?: (plan: DeployPlan) => void;
  /** Asked with the dry-run plan when the environment has `confirm: true`; false applies nothing. */
  confirm?: (plan: DeployPlan) => Promise<boolean>;
  onProgress?: (progress: DeployProgress) => void;
  /** Per workload; a Deployment's own progressDeadlineSeconds usually decides first. */
  rolloutTimeoutMs?: number;
  signal?: AbortSignal;
  /** Where kustomize or kubectl are looked for, for a `kustomize` environment (default: PATH). */
  toolsPath?: string;
}

export interface RollbackOutcome {
  kind: WorkloadRef['kind'];
  /** The workload's name. */
  deployment: string;
  result?: RollbackResult;
  rollout?: RolloutResult;
  /** Why this workload could not be rolled back. */
  error?: string;
}

export interface DeployResult {
  /** True when every followed workload rolled out. */
  ok: boolean;
  environment: string;
  context: string;
  namespace: string;
  release: ReleaseToDeploy;
  plan: DeployPlan;
  /** False when the environment asked for confirmation and did not get it: nothing was applied. */
  confirmed: boolean;
  /** `Kind/name` of every object applied, in order. */
  applied: string[];
  /** Applied objects whose rollout cannot be followed (`ReplicationController/legacy`), with why. */
  notFollowed: { object: string; reason: string }[];
  rollouts: RolloutResult[];
  failure?: { kind: 'rollout-failed' | 'timeout'; message: string; problems: PodProblem[] };
  /** Set when the environment has autoRollback and a rollout failed. */
  rolledBack?: RollbackOutcome[];
  durationMs: number;
}

export interface ConnectedEnvironment {
  client: KubeClient;
  context: string;
  namespace: string;
}

/** The client for an environment: its context (else the current one) and namespace (else the context's). */
export async function connectEnvironment(
  environment: EnvironmentDefinition,
  kubeconfig: KubeConfigSource | KubeConfig,
): Promise<ConnectedEnvironment> {
  const loaded = kubeconfig instanceof KubeConfig ? { config: kubeconfig } : { ...(await loadKubeConfig(kubeconfig)), source: kubeconfig };
  const base = loaded.config;
  const context = environment.context ?? base.getCurrentContext();
  if (!context)
    throw new DeployError(
      'not-found',
      `Environment "${environment.name}" names no kube context and the kubeconfig has no current context.`,
    );
  const config = withContext(base, context);
  // Before any client exists: client-node runs the credential command on the first request.
  if ('source' in loaded) await checkCredentialCommand(loaded, context, loaded.source);
  return { client: new KubeClient(config), context, namespace: environment.namespace ?? contextNamespace(config, context) };
}

export async function deployRelease(options: DeployOptions): Promise<DeployResult> {
  const started = performance.now();
  const { environment, release } = options;
  const progress = (step: DeployStep, message: string, rollout?: RolloutProgress) =>
    options.onProgress?.({ step, message, ...(rollout ? { rollout } : {}) });
  const source = manifestSourceOf(environment);
  // Manifests are read before the cluster is contacted: a typo is reported even when the cluster is down.
  progress('render', source.kind === 'folder' ? `Reading manifests in ${source.path}` : `Rendering kustomization ${source.path}`);
  const documents =
    source.kind === 'folder'
      ? await readManifestFolder(options.folder, source.path)
      : await renderKustomization(options.folder, source.path, { toolsPath: options.toolsPath, signal: options.signal });
  const autoscale = environment.autoscale && (await autoscaleSetting(options.folder, environment.name, environment.autoscale, documents));
  const { client, context, namespace } = await connectEnvironment(environment, options.kubeconfig);
  progress('connect', `Context ${context}, namespace ${namespace} (${client.server})`);
  const defined = kindsDefinedBy(documents.map((d) => d.object));
  const rendered = leaveReplicasToAutoscaler(
    await renderForCluster(client, documents, release, { namespace, namespaceFixed: environment.namespace !== undefined }, defined),
    autoscale,
  );
  progress('render', `${rendered.length} object(s) rendered for ${release.version} (${release.image}@${release.digest.slice(0, 19)}…)`);

  // Autoscalers go last: they scale what the manifests create, and are planned (dry-run) with everything else,
  // so a refusal (RBAC) stops the deploy before anything is applied.
  const ordered = [...applyOrder(rendered), ...(autoscale ? await autoscalersFor(client, autoscale, rendered, namespace) : [])];
  progress('plan', 'Asking the cluster what would change (server-side dry run)');
  const planned = await planDeploy(client, ordered, defined);
  const plan: DeployPlan = {
    environment: environment.name,
    context,
    namespace,
    release,
    objects: autoscale ? withoutReplicaChanges(planned, autoscale) : planned,
  };
  const base = { environment: environment.name, context, namespace, release, plan };
  options.onPlanned?.(plan);
  if (environment.confirm) {
    progress('confirm', `Environment ${environment.name} asks for confirmation`);
    const confirmed = options.confirm ? await options.confirm(plan) : false;
    if (!confirmed)
      return { ok: false, ...base, confirmed: false, applied: [], notFollowed: [], rollouts: [], durationMs: elapsed(started) };
  }

  if (autoscale) await handReplicasOver(client, rendered, autoscale, namespace);
  const applied = await applyObjects(
    client,
    ordered,
    ({ object }) => progress('apply', `Applied ${describeRef(object.ref)}`),
    undefined,
    defined,
    options.signal,
  );
  const notFollowed = applied.flatMap(({ object, live }) => {
    const reason = notFollowedReason(live);
    return reason ? [{ object: describeRef(object.ref), reason }] : [];
  });
  const followed = applied.filter(({ live }) => isFollowedKind(live.kind) && !notFollowedReason(live)).map((a) => a.object.ref);
  const rollouts = await Promise.all(
    followed.map((ref) =>
      followRollout(client, ref.namespace ?? namespace, ref.name, {
        kind: ref.kind as WorkloadRef['kind'],
        timeoutMs: options.rolloutTimeoutMs,
        signal: options.signal,
        onProgress: (p) => progress('rollout', `${p.deployment}: ${p.message}`, p),
      }),
    ),
  );
  const result: DeployResult = {
    ok: true,
    ...base,
    confirmed: true,
    applied: applied.map((a) => describeRef(a.object.ref)),
    notFollowed,
    rollouts,
    durationMs: 0,
  };
  const failed = rollouts.filter((r) => r.status !== 'complete');
  if (failed.length > 0) {
    result.ok = false;
    result.failure = {
      kind: failed.some((r) => r.status === 'failed') ? 'rollout-failed' : 'timeout',
      message: failed.map((r) => r.message).join('; '),
      problems: failed.flatMap((r) => r.problems),
    };
    if (environment.autoRollback) {
      // Every workload this deploy changed goes back, not only the failed ones: half a release is not a release.
      // One whose pod template did not change (a scale) has no new revision: going back would undo an earlier release.
      const changed = plan.objects
        .filter((o) => o.action === 'update' && o.templateChanged !== false && followed.some((f) => sameObject(f, o.ref)))
        .map((o) => ({ kind: o.ref.kind as WorkloadRef['kind'], name: o.ref.name, namespace: o.ref.namespace }));
      result.rolledBack = await rollBackWith({ client, context, namespace }, changed, options);
    }
  }
  result.durationMs = elapsed(started);
  return result;
}

export interface RollBackOptions {
  environment: EnvironmentDefinition;
  kubeconfig: KubeConfigSource | KubeConfig;
  /** Deployment names in the environment's namespace. */
  deployments: string[];
  /** StatefulSets and DaemonSets (and Deployments) to roll back too. */
  workloads?: WorkloadRef[];
  /** A specific revision (only with one workload); default: the previous one. */
  toRevision?: string;
  /** Only workloads that run this release are rolled back (see rollbackDeployment). */
  fromRelease?: string;
  onProgress?: (progress: DeployProgress) => void;
  rolloutTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Roll Back (offered by the caller after a failed rollout, or from the Environments view). */
export async function rollBack(options: RollBackOptions): Promise<RollbackOutcome[]> {
  const workloads = [...options.deployments.map((name): WorkloadRef => ({ kind: 'Deployment', name })), ...(options.workloads ?? [])];
  return rollBackWith(await connectEnvironment(options.environment, options.kubeconfig), workloads, options);
}

async function rollBackWith(
  target: ConnectedEnvironment,
  workloads: WorkloadRef[],
  options: Pick<RollBackOptions, 'toRevision' | 'fromRelease' | 'onProgress' | 'rolloutTimeoutMs' | 'signal'>,
): Promise<RollbackOutcome[]> {
  const { client } = target;
  const progress = (message: string, rollout?: RolloutProgress) =>
    options.onProgress?.({ step: 'rollback', message, ...(rollout ? { rollout } : {}) });
  return Promise.all(
    workloads.map(async ({ kind, name, namespace: own }): Promise<RollbackOutcome> => {
      // A workload a manifest placed in another namespace is rolled back there, not its namesake in the environment's.
      const namespace = own ?? target.namespace;
      try {
        const result =
          kind === 'Deployment'
            ? await rollbackDeployment(client, namespace, name, options.toRevision, options.fromRelease)
            : await rollbackFromHistory(client, namespace, kind, name, options.toRevision, options.fromRelease);
        if (result.unchanged) {
          progress(result.unchanged);
          return { kind, deployment: name, result };
        }
        progress(`Rolling back ${name} to revision ${result.toRevision}${result.release ? ` (${result.release})` : ''}`);
        const rollout = await followRollout(client, namespace, name, {
          kind,
          timeoutMs: options.rolloutTimeoutMs,
          signal: options.signal,
          onProgress: (p) => progress(`${p.deployment}: ${p.message}`, p),
        });
        return { kind, deployment: name, result, rollout };
      } catch (error) {
        const message = deployErrorOf(error, { action: `roll back ${kind}/${name}`, context: client.context }).message;
        progress(`Could not roll back ${name}: ${message}`);
        return { kind, deployment: name, error: message };
      }
    }),
  );
}

/** Renders with the cluster's own idea of which kinds are namespaced (custom resources included). */
async function renderForCluster(
  client: KubeClient,
  documents: Awaited<ReturnType<typeof readManifestFolder>>,
  release: ReleaseToDeploy,
  target: Pick<RenderOptions, 'namespace' | 'namespaceFixed'>,
  defined: readonly DefinedKind[],
): Promise<RenderedObject[]> {
  const scopes = new Map<string, boolean>();
  for (const doc of documents) {
    const apiVersion = doc.object.apiVersion ?? '';
    const kind = doc.object.kind ?? '';
    const key = `${apiVersion}/${kind}`;
    if (scopes.has(key)) continue;
    try {
      const resource = (await client.resourceFor(apiVersion, kind)) ?? definedKindOf(defined, apiVersion, kind);
      if (!resource)
        throw new DeployError(
          'invalid-manifest',
          `${doc.file}:${doc.line}: the cluster of context "${client.context}" does not know ${kind} in ${apiVersion}.`,
          { file: doc.file, line: doc.line },
        );
      scopes.set(key, resource.namespaced);
    } catch (error) {
      throw deployErrorOf(error, { action: `look up ${kind} in ${apiVersion}`, context: client.context, file: doc.file, line: doc.line });
    }
  }
  const rendered = renderManifests(documents, {
    release,
    ...target,
    isNamespaced: (apiVersion, kind) => scopes.get(`${apiVersion}/${kind}`) ?? !isClusterScopedKind(kind),
  });
  if (!rendered.some((r) => r.pinnedImages.length > 0) && !usesPinnedImage(rendered, release)) {
    throw new DeployError(
      'invalid-manifest',
      `No container in the manifests uses the image ${release.image}, so deploying ${release.version} would not change what runs: set a container's image to ${release.image} (any tag).`,
    );
  }
  return rendered;
}

interface AutoscaleSetting {
  bounds: AutoscaleBounds;
  /** Where conveyor.yml sets them: the plan and errors point there. */
  line: number;
  /** The Deployments to autoscale, by name; undefined: every Deployment of the manifests. */
  deployments?: ReadonlySet<string>;
}

/**
 * The environment's `autoscale`, checked before the cluster is contacted (the schema cannot say min ≤ max, nor
 * which Deployments the manifests hold).
 */
async function autoscaleSetting(
  folder: string,
  environment: string,
  autoscale: NonNullable<EnvironmentDefinition['autoscale']>,
  documents: ManifestDocument[],
): Promise<AutoscaleSetting> {
  const text = await readTextIfExists(path.join(folder, CONFIG_FILE_NAME));
  const lineOf = (...keys: string[]) =>
    (text === undefined ? undefined : lineOfKey(text, ['environments', environment, 'autoscale', ...keys])) ?? 1;
  const line = lineOf();
  const { deployments, ...bounds } = autoscale;
  const refuse = (where: number, key: string, problem: string) =>
    new DeployError(
      'invalid-manifest',
      `${CONFIG_FILE_NAME}:${where}: environments.${environment}.${key}: ${problem}. Nothing was applied.`,
      {
        file: CONFIG_FILE_NAME,
        line: where,
      },
    );
  const problem = boundsProblem(bounds);
  if (problem) throw refuse(line, 'autoscale', problem);
  if (!deployments) return { bounds, line };
  const inManifests = new Set(documents.filter((d) => d.object.kind === 'Deployment').map((d) => d.object.metadata?.name ?? ''));
  const unknown = deployments.filter((name) => !inManifests.has(name));
  if (unknown.length > 0)
    throw refuse(
      lineOf('deployments'),
      'autoscale.deployments',
      `${unknown.map((n) => `"${n}"`).join(', ')} is not a Deployment of the manifests (they hold ${[...inManifests].map((n) => `"${n}"`).join(', ') || 'none'})`,
    );
  return { bounds, line, deployments: new Set(deployments) };
}

function isAutoscaled(ref: RenderedObject['ref'], autoscale: AutoscaleSetting): boolean {
  return ref.kind === 'Deployment' && (!autoscale.deployments || autoscale.deployments.has(ref.name));
}

/** One autoscaler per autoscaled Deployment of the manifests (the one that already scales it is edited, if any). */
async function autoscalersFor(
  client: KubeClient,
  autoscale: AutoscaleSetting,
  rendered: RenderedObject[],
  namespace: string,
): Promise<RenderedObject[]> {
  const { bounds, line } = autoscale;
  const deployments = rendered.filter((r) => isAutoscaled(r.ref, autoscale));
  return Promise.all(
    deployments.map(async ({ ref }) => {
      try {
        const object = await plannedAutoscaler(client, ref.namespace ?? namespace, ref.name, bounds);
        return { file: CONFIG_FILE_NAME, line, object, ref: refOf(object), pinnedImages: [] };
      } catch (error) {
        throw deployErrorOf(error, { action: `read the autoscaler of ${describeRef(ref)}`, context: client.context });
      }
    }),
  );
}

/**
 * With `autoscale`, a Deployment's replica count is the autoscaler's: applying the manifest's `replicas` on every
 * deploy would undo its scaling until its next sync.
 */
function leaveReplicasToAutoscaler(rendered: RenderedObject[], autoscale: AutoscaleSetting | undefined): RenderedObject[] {
  if (!autoscale) return rendered;
  return rendered.map((item) => {
    const spec = item.object.spec;
    if (!isAutoscaled(item.ref, autoscale) || !isRecord(spec) || !('replicas' in spec)) return item;
    const withoutReplicas = { ...spec };
    delete withoutReplicas.replicas;
    return { ...item, object: { ...item.object, spec: withoutReplicas } };
  });
}

/**
 * When `conveyor` alone set `replicas` on earlier deploys, applying without it would make the API server reset it
 * to 1 (server-side apply drops a field its only manager stops sending). A second field manager first applies
 * the live count, so the field keeps an owner and its value until the autoscaler sets it — the handover the
 * Kubernetes docs describe under "Transferring ownership".
 */
async function handReplicasOver(
  client: KubeClient,
  rendered: RenderedObject[],
  autoscale: AutoscaleSetting,
  namespace: string,
): Promise<void> {
  for (const { ref } of rendered.filter((r) => isAutoscaled(r.ref, autoscale))) {
    const target = { ...ref, namespace: ref.namespace ?? namespace };
    try {
      const live = await client.getOptional<Deployment>(await client.objectPath(target));
      const replicas = live?.spec?.replicas;
      if (replicas === undefined) continue;
      await client.apply(
        {
          apiVersion: target.apiVersion,
          kind: target.kind,
          metadata: { name: target.name, namespace: target.namespace },
          spec: { replicas },
        },
        { fieldManager: REPLICAS_HANDOVER_MANAGER },
      );
    } catch (error) {
      throw deployErrorOf(error, { action: `hand the replicas of ${describeRef(ref)} to its autoscaler`, context: client.context });
    }
  }
}

/**
 * The dry run applies an autoscaled Deployment without `replicas`, which the handover (not dry-run) then keeps:
 * a `replicas 4 → 1` the dry run shows will not happen, so the plan does not say it.
 */
function withoutReplicaChanges(objects: PlannedObject[], autoscale: AutoscaleSetting): PlannedObject[] {
  return objects.map((object) => {
    if (object.action !== 'update' || !isAutoscaled(object.ref, autoscale)) return object;
    const changes = object.changes.filter((change) => !change.startsWith('replicas '));
    return { ...object, action: changes.length === 0 ? 'unchanged' : 'update', changes };
  });
}

/** The field manager that holds a Deployment's `replicas` between Conveyor and its autoscaler. */
const REPLICAS_HANDOVER_MANAGER = 'conveyor-handover';

function usesPinnedImage(rendered: RenderedObject[], release: ReleaseToDeploy): boolean {
  return rendered.some((r) => JSON.stringify(r.object).includes(`@${release.digest}`));
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
