// The belt: pipeline → ready → release → deploy to the first environment → verify → promote to the next
// (automatically, or after a confirm) … A failed verification rolls that environment back and stops the
// belt; Stop at any station leaves every environment at the release it had or at the new one, never half.
// The stations are passed in, so the order and the rules are tested without services (engineStations.ts
// wires the real engines).
import type { ReleaseToDeploy } from '../../deploy/renderManifests';
import type { BeltResult, BeltRun, EnvironmentOutcome, StationName, StationRecord, VerifyVerdict } from './beltRun';
import type { DeliveryStep } from './deliveryPlan';
import { messageOf } from '../../core/errors';

export interface PipelineOutcome {
  ok: boolean;
  runId: string;
  commit?: string;
  summary: string;
}

export type ReleaseOutcome = { release: ReleaseToDeploy; summary: string } | { nothing: string };

export interface DeployOutcome {
  ok: boolean;
  summary: string;
}

export interface BeltStations {
  pipeline(signal: AbortSignal): Promise<PipelineOutcome>;
  release(signal: AbortSignal): Promise<ReleaseOutcome>;
  deploy(step: DeliveryStep, release: ReleaseToDeploy, signal: AbortSignal): Promise<DeployOutcome>;
  verify(step: DeliveryStep, release: ReleaseToDeploy, since: Date, signal: AbortSignal): Promise<VerifyVerdict>;
  /** Puts the environment back to the release it ran before; never given the belt's signal (a stop must not stop it). */
  rollback(step: DeliveryStep, release: ReleaseToDeploy): Promise<{ ok: boolean; summary: string }>;
  /** Asked before an environment that is not `auto`; false stops the belt there, nothing changed. */
  confirmPromotion(step: DeliveryStep, release: ReleaseToDeploy, verified: EnvironmentOutcome[]): Promise<boolean>;
  /** Work items that follow the belt on the board; without it nothing moves. */
  items?: ItemsFollowStation;
}

/** Moves the work items a release brings on the board. Its failures are recorded and never stop the belt. */
export interface ItemsFollowStation {
  /** Whether items move at this point: after the release (no environment), or after `environment` is verified. */
  movesAt(environment: string | undefined): boolean;
  move(release: ReleaseToDeploy, environment: string | undefined): Promise<{ ok: boolean; summary: string }>;
}

export interface BeltOptions {
  folder: string;
  steps: DeliveryStep[];
  stations: BeltStations;
  /** Stop after this environment (`--to staging`). */
  until?: string;
  signal?: AbortSignal;
  /** Called whenever the run changes (a station starts or ends). */
  onChange?: (run: BeltRun) => void;
  now?: () => Date;
  newId?: () => string;
}

class Stopped extends Error {}

export async function runBelt(options: BeltOptions): Promise<BeltRun> {
  const now = options.now ?? (() => new Date());
  const signal = options.signal ?? new AbortController().signal;
  const steps = stepsUntil(options.steps, options.until);
  const run: BeltRun = {
    id:
      options.newId?.() ??
      `belt-${now()
        .toISOString()
        .replace(/[-:.TZ]/g, '')}`,
    folder: options.folder,
    startedAt: now().toISOString(),
    result: 'running',
    message: 'Running the pipeline',
    stations: [],
    environments: steps.map((s) => ({ name: s.environment.name, state: 'pending' })),
  };
  const changed = () => options.onChange?.(structuredClone(run));
  const finish = (result: BeltResult, message: string): BeltRun => {
    run.result = result;
    run.message = message;
    run.finishedAt = now().toISOString();
    run.durationMs = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
    changed();
    return run;
  };
  /** Runs one station and records it; a stop while it runs becomes `Stopped`. */
  const station = async <T>(
    name: StationName,
    environment: string | undefined,
    work: () => Promise<T>,
    summary: (value: T) => { ok: boolean | 'declined'; text: string },
  ): Promise<T> => {
    if (signal.aborted) throw new Stopped();
    const record: StationRecord = {
      station: name,
      ...(environment ? { environment } : {}),
      startedAt: now().toISOString(),
      result: 'running',
      summary: '',
    };
    run.stations.push(record);
    run.message = doing(name, run.release?.version, environment);
    changed();
    try {
      const value = await work();
      const { ok, text } = summary(value);
      record.result = ok === 'declined' ? 'declined' : ok ? 'passed' : 'failed';
      record.summary = text;
      return value;
    } catch (error) {
      record.result = signal.aborted ? 'stopped' : 'failed';
      record.summary = signal.aborted ? 'stopped' : messageOf(error);
      throw signal.aborted ? new Stopped() : error;
    } finally {
      record.finishedAt = now().toISOString();
      changed();
    }
  };

  const followItems = async (released: ReleaseToDeploy, environment?: string): Promise<void> => {
    const items = options.stations.items;
    if (!items?.movesAt(environment)) return;
    await station(
      'board',
      environment,
      () => items.move(released, environment),
      (moved) => ({ ok: moved.ok, text: moved.summary }),
    ).catch((error: unknown) => {
      // Recorded on its station; only a stop goes on up.
      if (error instanceof Stopped) throw error;
    });
  };

  let release: ReleaseToDeploy | undefined;
  try {
    const pipeline = await station(
      'pipeline',
      undefined,
      () => options.stations.pipeline(signal),
      (p) => ({ ok: p.ok, text: p.summary }),
    );
    run.pipelineRunId = pipeline.runId;
    run.commit = pipeline.commit;
    if (!pipeline.ok) return finish('failed', `The pipeline failed: ${pipeline.summary}. Nothing was released.`);

    const cut = await station(
      'release',
      undefined,
      () => options.stations.release(signal),
      (r) => ('nothing' in r ? { ok: 'declined', text: r.nothing } : { ok: true, text: r.summary }),
    );
    if ('nothing' in cut) return finish('nothing-to-release', cut.nothing);
    release = cut.release;
    run.release = release;
    await followItems(release);

    for (const [index, step] of steps.entries()) {
      const outcome = run.environments[index];
      if (!step.auto) {
        const verified = run.environments.filter((e) => e.state === 'verified');
        const yes = await station(
          'promote',
          step.environment.name,
          () => options.stations.confirmPromotion(step, release!, verified),
          (ok) => ({ ok: ok || 'declined', text: ok ? 'confirmed' : 'not confirmed' }),
        );
        if (!yes) {
          outcome.state = 'declined';
          return finish('declined', `${release.version} was not promoted to ${step.environment.name}: ${verifiedText(run.environments)}.`);
        }
      }
      outcome.state = 'deploying';
      const since = now();
      let deployed: DeployOutcome;
      try {
        deployed = await station(
          'deploy',
          step.environment.name,
          () => options.stations.deploy(step, release!, signal),
          (d) => ({ ok: d.ok, text: d.summary }),
        );
      } catch (error) {
        // A stop or an error in the middle of an apply or rollout: put the environment back as it was.
        await rollBack(step, error instanceof Stopped ? 'stopped' : 'failed');
        throw error;
      }
      if (!deployed.ok) {
        await rollBack(step, 'failed');
        return finish('failed', `${release.version} did not roll out in ${step.environment.name}: ${deployed.summary}.`);
      }
      outcome.state = 'verifying';
      const verdict = await station(
        'verify',
        step.environment.name,
        () => options.stations.verify(step, release!, since, signal),
        (v) => ({ ok: v.ok, text: v.summary }),
      );
      outcome.verdict = verdict;
      if (signal.aborted) {
        // Stopped while watching: the unverified release does not stay either.
        await rollBack(step, 'stopped');
        throw new Stopped();
      }
      if (!verdict.ok) {
        await rollBack(step, 'rolled-back');
        return finish(
          'rolled-back',
          `${release.version} failed verification in ${step.environment.name} and was rolled back: ${verdict.failure?.message ?? verdict.summary}.`,
        );
      }
      outcome.state = 'verified';
      changed();
      await followItems(release, step.environment.name);
    }
    const last = steps.at(-1);
    if (steps.length < options.steps.length)
      return finish('waiting', `${release.version} is verified in ${last?.environment.name}; stopped there as asked.`);
    return finish(
      'shipped',
      steps.length === 0
        ? `${release.version} released; no environment to deploy to.`
        : `${release.version} is live and verified in ${steps.map((s) => s.environment.name).join(', ')}.`,
    );
  } catch (error) {
    if (error instanceof Stopped) {
      for (const e of run.environments) if (e.state === 'pending') e.state = 'stopped';
      return finish('stopped', `Stopped${release ? ` with ${release.version}` : ''}: ${verifiedText(run.environments)}.`);
    }
    return finish('failed', messageOf(error));
  }

  /** `stopped` leaves the environment marked as left as it was; otherwise it is rolled back (or failed, if the rollback did). */
  async function rollBack(step: DeliveryStep, state: 'rolled-back' | 'failed' | 'stopped'): Promise<void> {
    const outcome = run.environments.find((e) => e.name === step.environment.name)!;
    // The rollback runs even after a stop: it is what makes the stop leave nothing half-applied.
    const record: StationRecord = {
      station: 'rollback',
      environment: step.environment.name,
      startedAt: now().toISOString(),
      result: 'running',
      summary: '',
    };
    run.stations.push(record);
    run.message = doing('rollback', release?.version, step.environment.name);
    changed();
    try {
      const result = await options.stations.rollback(step, release!);
      record.result = result.ok ? 'passed' : 'failed';
      record.summary = result.summary;
      outcome.rollback = result.summary;
      outcome.state = result.ok ? (state === 'stopped' ? 'stopped' : 'rolled-back') : 'failed';
    } catch (error) {
      record.result = 'failed';
      record.summary = messageOf(error);
      outcome.rollback = record.summary;
      outcome.state = 'failed';
    }
    record.finishedAt = now().toISOString();
    changed();
  }
}

/** What the belt is doing now, for the view and the status bar's tooltip while it runs. */
function doing(station: StationName, version = 'the release', environment = ''): string {
  switch (station) {
    case 'pipeline':
      return 'Running the pipeline';
    case 'release':
      return 'Releasing the next version';
    case 'deploy':
      return `Deploying ${version} to ${environment}`;
    case 'verify':
      return `Verifying ${version} in ${environment}`;
    case 'promote':
      return `Waiting for the promotion of ${version} to ${environment}`;
    case 'rollback':
      return `Rolling ${environment} back`;
    case 'board':
      return `Moving the work items of ${version}${environment ? ` in ${environment}` : ''} on the board`;
  }
}

function stepsUntil(steps: DeliveryStep[], until: string | undefined): DeliveryStep[] {
  if (!until) return steps;
  const index = steps.findIndex((s) => s.environment.name === until);
  if (index < 0) throw new Error(`--to ${until}: the belt visits ${steps.map((s) => s.environment.name).join(', ') || 'no environments'}`);
  return steps.slice(0, index + 1);
}

function verifiedText(environments: EnvironmentOutcome[]): string {
  const verified = environments.filter((e) => e.state === 'verified').map((e) => e.name);
  return verified.length > 0 ? `verified in ${verified.join(', ')}` : 'no environment was changed';
}
