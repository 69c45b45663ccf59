// The belt's stations on the stages' own engines: the same pipeline run, release and deploy as Run Pipeline,
// Create Release and Deploy Release to…, and the monitor's uptime probe and error issues for verification.
// Used by `conveyor ship` and by the editor's Ship, so both run exactly the same belt.
import type { KubeConfig } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import type { deployRelease, rollBack } from '../../deploy/deployFlow';
import type { DeployPlan } from '../../deploy/deployPlan';
import type { KubeConfigSource } from '../../deploy/kubeconfigLoader';
import { isFollowedKind } from '../../deploy/workloadStatus';
import type { FollowedKind } from '../../deploy/workloadStatus';
import type { FolderStatus } from '../folderStatus';
import type { ErrorIssue } from '../../monitor/errors/errorModel';
import type { probe } from '../../monitor/uptime/probe';
import type { PipelineRun } from '../../pipeline/run/pipelineRun';
import type { executeRelease, ReleaseProgress } from '../../release/releaseFlow';
import type { gateProblem, planRelease } from '../../release/releasePlan';
import type { RegistryCredentials } from '../../release/registry/credentials';
import type { EnvironmentOutcome } from './beltRun';
import type { DeliveryStep } from './deliveryPlan';
import type { BeltStations, ItemsFollowStation } from './runBelt';
import { verifyEnvironment } from './verifyEnvironment';

/**
 * The stage engines the stations call. The CLI passes them imported; the extension passes them from the
 * lazily loaded engine bundles (and its pipeline service), so this file imports only their types.
 */
export interface BeltEngines {
  /** A full pipeline run of the folder; undefined when it could not start. */
  runPipeline(signal: AbortSignal): Promise<PipelineRun | undefined>;
  planRelease: typeof planRelease;
  gateProblem: typeof gateProblem;
  executeRelease: typeof executeRelease;
  deployRelease: typeof deployRelease;
  rollBack: typeof rollBack;
  probe: typeof probe;
}

export interface EngineStationOptions {
  status: FolderStatus;
  engines: BeltEngines;
  kubeconfig: KubeConfigSource | KubeConfig;
  /** Error issues for verification; without it the belt verifies uptime only and says so. */
  errorIssues?: () => Promise<ErrorIssue[]>;
  credentials?: (host: string) => Promise<RegistryCredentials | undefined>;
  /** The npm registry's token, for a folder that also publishes a package; without one npm reads .npmrc. */
  npmToken?: (registry: string) => Promise<string | undefined>;
  /** The Docker engine to build with (the editor's conveyor.release.dockerHost); default: DOCKER_HOST. */
  docker?: () => Docker;
  /** Push the release commit and tag to origin (CI, where the clone is thrown away). */
  pushGit?: boolean;
  confirmPromotion: (step: DeliveryStep, version: string, verified: EnvironmentOutcome[]) => Promise<boolean>;
  onReleaseProgress?: (progress: ReleaseProgress) => void;
  onDeployProgress?: (environment: string, message: string) => void;
  rolloutTimeoutMs?: number;
  /** The board station (itemsFollow), when conveyor.yml asks items to move. */
  items?: ItemsFollowStation;
}

export function engineStations(options: EngineStationOptions): BeltStations {
  const { status, engines } = options;
  /** Each environment's dry-run plan, known before anything is applied: what a rollback must undo. */
  const plans = new Map<string, DeployPlan>();
  return {
    async pipeline(signal) {
      const run = await engines.runPipeline(signal);
      if (!run) return { ok: false, runId: '', summary: 'the pipeline did not start' };
      const failed = run.stages.filter((s) => s.status === 'failed' || s.status === 'timed-out').map((s) => s.name);
      const ok = run.result === 'passed' && run.readyForRelease;
      const summary = ok
        ? `${run.stages.filter((s) => s.status === 'passed').length} stage(s) passed; ${run.commit?.slice(0, 7)} is ready`
        : run.result === 'passed'
          ? `passed but not marked ready: ${run.notReadyReason ?? 'unknown reason'}`
          : failed.length > 0
            ? `${failed.join(', ')} failed`
            : run.result;
      return { ok, runId: run.id, commit: run.commit, summary };
    },

    async release(signal) {
      const plan = await engines.planRelease(status);
      if (plan.version === plan.currentVersion) return { nothing: `Nothing to release: ${plan.reason}` };
      const problem = engines.gateProblem(plan);
      if (problem) throw problem;
      if (!plan.image)
        throw new Error(`${status.name} has no image (no Dockerfile or image in conveyor.yml): the belt deploys images by digest`);
      const record = await engines.executeRelease(plan, {
        credentials: await options.credentials?.(plan.image.host),
        npmToken: plan.package && (await options.npmToken?.(plan.package.registry)),
        docker: options.docker?.(),
        pushGit: options.pushGit,
        signal,
        onProgress: options.onReleaseProgress,
      });
      if (!record.image) throw new Error(`release ${record.tag} recorded no image digest`);
      return {
        release: { version: record.tag, commit: record.commit, image: record.image.repository, digest: record.image.digest },
        summary: `${record.tag} (${plan.reason.replace(/\.$/, '')}), ${record.image.repository}@${record.image.digest.slice(0, 19)}…`,
      };
    },

    async deploy(step, release, signal) {
      // The belt asks before a promotion itself; the deploy engine must not ask again.
      const environment = { ...step.environment, confirm: false, autoRollback: false };
      plans.delete(step.environment.name);
      const result = await engines.deployRelease({
        folder: status.folder,
        environment,
        release,
        kubeconfig: options.kubeconfig,
        signal,
        onPlanned: (plan) => plans.set(step.environment.name, plan),
        rolloutTimeoutMs: options.rolloutTimeoutMs,
        onProgress: (p) => options.onDeployProgress?.(step.environment.name, p.message),
      });
      return {
        ok: result.ok,
        summary: result.ok
          ? `${result.rollouts.length} workload(s) rolled out in ${result.context}/${result.namespace}`
          : (result.failure?.message ?? 'the rollout did not complete'),
      };
    },

    verify(step, release, since, signal) {
      return verifyEnvironment(
        step.verify,
        release,
        since,
        { probe: (check, s) => engines.probe(check, { signal: s }), issues: options.errorIssues },
        signal,
      );
    },

    async rollback(step, release) {
      const plan = plans.get(step.environment.name);
      const workloads = plan?.objects.filter((o) => isFollowedKind(o.ref.kind)) ?? [];
      const updated = workloads
        .filter((o) => o.action === 'update')
        .map((o) => ({ kind: o.ref.kind as FollowedKind, name: o.ref.name, namespace: o.ref.namespace }));
      const created = workloads.filter((o) => o.action === 'create').map((o) => o.ref.name);
      if (updated.length === 0) {
        return {
          ok: false,
          summary:
            created.length > 0
              ? `no earlier release of ${created.join(', ')} in ${step.environment.name} to go back to`
              : 'nothing was applied',
        };
      }
      // Only what still runs the new release goes back: a deploy stopped before its apply changed nothing.
      const outcomes = await engines.rollBack({
        environment: step.environment,
        kubeconfig: options.kubeconfig,
        deployments: [],
        workloads: updated,
        fromRelease: release.version,
        rolloutTimeoutMs: options.rolloutTimeoutMs,
      });
      const failed = outcomes.filter((o) => o.error || (o.rollout && o.rollout.status !== 'complete'));
      const unchanged = outcomes.filter((o) => o.result?.unchanged);
      if (failed.length === 0 && unchanged.length === outcomes.length)
        return { ok: true, summary: `nothing to undo: ${unchanged.map((o) => o.result!.unchanged).join('; ')}` };
      const releases = [
        ...new Set(
          outcomes
            .filter((o) => !o.result?.unchanged)
            .map((o) => o.result?.release)
            .filter(Boolean),
        ),
      ];
      return failed.length > 0
        ? { ok: false, summary: `rollback failed for ${failed.map((o) => `${o.deployment}: ${o.error ?? o.rollout?.message}`).join('; ')}` }
        : { ok: true, summary: `${updated.map((w) => w.name).join(', ')} back to ${releases.join(', ') || 'the previous revision'}` };
    },

    confirmPromotion(step, release, verified) {
      return options.confirmPromotion(step, release.version, verified);
    },

    items: options.items,
  };
}
