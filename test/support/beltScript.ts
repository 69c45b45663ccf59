// Belt records made by the belt itself (runBelt) with stations that answer as scripted and a clock that each
// station moves on by a set time, so the records have the exact shape and times the trace and metrics read.
import type { EnvironmentDefinition } from '../../src/deploy/environmentDefinition';
import type { ReleaseToDeploy } from '../../src/deploy/renderManifests';
import type { BeltRun } from '../../src/loop/belt/beltRun';
import { deliveryPlan } from '../../src/loop/belt/deliveryPlan';
import { runBelt } from '../../src/loop/belt/runBelt';

export interface ScriptedEnvironment {
  name: string;
  /** Default: rolls out and passes verification. */
  outcome?: 'verified' | 'fails-verification' | 'fails-rollout';
}

export interface ScriptedShip {
  id: string;
  /** When the belt starts. */
  at: string;
  release: ReleaseToDeploy;
  pipelineRunId?: string;
  environments: ScriptedEnvironment[];
  /** How long each station takes; defaults 60 s per deploy and verify, 30 s per rollback. */
  deployMs?: number;
  verifyMs?: number;
  rollbackMs?: number;
}

export async function scriptedBeltRun(script: ScriptedShip): Promise<BeltRun> {
  let clock = Date.parse(script.at);
  const pass = (ms: number) => (clock += ms);
  const outcomeOf = (name: string) => script.environments.find((e) => e.name === name)?.outcome ?? 'verified';
  const definitions: EnvironmentDefinition[] = script.environments.map((e) => ({
    name: e.name,
    confirm: false,
    autoRollback: false,
    source: 'conveyor.yml',
  }));
  return runBelt({
    folder: '/scripted',
    steps: deliveryPlan({}, definitions).steps,
    now: () => new Date(clock),
    newId: () => script.id,
    stations: {
      pipeline: () =>
        Promise.resolve({
          ok: true,
          runId: script.pipelineRunId ?? `${script.id}-pipeline`,
          commit: script.release.commit,
          summary: 'passed',
        }),
      release: () => Promise.resolve({ release: script.release, summary: script.release.version }),
      deploy: (step) => {
        pass(script.deployMs ?? 60_000);
        const ok = outcomeOf(step.environment.name) !== 'fails-rollout';
        return Promise.resolve({ ok, summary: ok ? 'rolled out' : 'ImagePullBackOff' });
      },
      verify: (step) => {
        pass(script.verifyMs ?? 60_000);
        const ok = outcomeOf(step.environment.name) === 'verified';
        return Promise.resolve({ ok, summary: ok ? 'all up' : 'uptime check failed', probes: 1, newErrors: 0 });
      },
      rollback: () => {
        pass(script.rollbackMs ?? 30_000);
        return Promise.resolve({ ok: true, summary: 'back to the release before' });
      },
      confirmPromotion: () => Promise.resolve(true),
    },
  });
}
