// Deployments as the belt recorded them: each deploy station of a belt run is one deployment of the run's
// release to one environment, and the stations after it (verify, rollback) and the environment's final
// state say how it ended. The trace and the delivery metrics read deployments only through this.
import type { BeltRun, EnvironmentState } from '../belt/beltRun';
import { versionOf } from '../../core/releaseVersion';

export type DeploymentOutcome = 'verified' | 'rolled-back' | 'failed' | 'stopped' | 'in-progress';

export interface Deployment {
  environment: string;
  /** Without the `v`. */
  version: string;
  commit?: string;
  digest?: string;
  beltRunId: string;
  startedAt: string;
  /** When the deploy station ended (rolled out, or failed to). */
  finishedAt?: string;
  /** The rollout completed. */
  rolledOut: boolean;
  outcome: DeploymentOutcome;
  /** When the rollback that put the previous release back ended, when it succeeded. */
  restoredAt?: string;
  /** The verification's one line (uptime probes and new errors over the bake), when it ran. */
  verification?: string;
}

const OUTCOME: Record<EnvironmentState, DeploymentOutcome> = {
  verified: 'verified',
  'rolled-back': 'rolled-back',
  failed: 'failed',
  stopped: 'stopped',
  declined: 'stopped',
  pending: 'in-progress',
  deploying: 'in-progress',
  verifying: 'in-progress',
};

/** Every deployment in the belt's records, oldest first. */
export function deploymentsFrom(runs: readonly BeltRun[]): Deployment[] {
  const deployments: Deployment[] = [];
  for (const run of runs) {
    if (!run.release) continue;
    run.stations.forEach((station, index) => {
      if (station.station !== 'deploy' || !station.environment) return;
      const environment = station.environment;
      const rollback = run.stations.slice(index + 1).find((s) => s.station === 'rollback' && s.environment === environment);
      const outcome = run.environments.find((e) => e.name === environment);
      const state = outcome?.state ?? 'pending';
      deployments.push({
        environment,
        version: versionOf(run.release!.version),
        commit: run.release!.commit,
        digest: run.release!.digest,
        beltRunId: run.id,
        startedAt: station.startedAt,
        ...(station.finishedAt ? { finishedAt: station.finishedAt } : {}),
        rolledOut: station.result === 'passed',
        outcome: station.result === 'running' ? 'in-progress' : OUTCOME[state],
        ...(rollback?.result === 'passed' && rollback.finishedAt ? { restoredAt: rollback.finishedAt } : {}),
        ...(outcome?.verdict ? { verification: outcome.verdict.summary } : {}),
      });
    });
  }
  return deployments.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** A deployment that hurt the environment: it failed to roll out, failed verification, or was rolled back. */
export function isFailure(deployment: Deployment): boolean {
  return deployment.outcome === 'rolled-back' || deployment.outcome === 'failed';
}

/** The release each environment runs by the records: its last verified deployment (a rollback restores the one before). */
export function standingReleases(deployments: readonly Deployment[]): Map<string, Deployment> {
  const standing = new Map<string, Deployment>();
  for (const d of deployments) if (d.outcome === 'verified') standing.set(d.environment, d);
  return standing;
}
