// `conveyor ship [folder] [--to ENV] [--yes] [--json]`: the belt headless, exactly as the editor's Ship runs
// it, so a CI job ships the way a developer does. Exit codes: 0 shipped (or verified up to --to, or up to
// an environment that asks while no one can answer), 1 failed or rolled back, 2 usage, 130 stopped.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { askOnTerminal } from '../core/askOnTerminal';
import { messageOf } from '../core/errors';
import { reportConfigErrors } from './configErrors';
import { describeFolder } from '../loop/folderStatus';
import { ErrorReceiver, generatePublicKey } from '../monitor/errors/errorReceiver';
import type { ErrorIssue } from '../monitor/errors/errorModel';
import { ErrorStore } from '../monitor/errors/errorStore';
import { pipelineStateDir } from '../pipeline/run/runHistory';
import { npmTokenBinding } from './npmToken';
import { BeltHistory } from '../loop/belt/beltHistory';
import { beltExitCode } from '../loop/belt/beltRun';
import type { BeltRun, StationRecord } from '../loop/belt/beltRun';
import { deliveryPlan, productionOf } from '../loop/belt/deliveryPlan';
import { directEngines } from '../loop/belt/directEngines';
import { engineStations } from '../loop/belt/engineStations';
import { runBelt } from '../loop/belt/runBelt';
import { resolveAfterBelt, type ErrorResolution } from '../loop/errorItems/errorResolution';
import { boardFromEnvironment } from '../loop/itemsFollow/boardFromEnvironment';
import { dockerCredentialsFor } from './dockerCredentials';
import { itemsFollow } from '../loop/itemsFollow/followItems';

export interface ShipCliOptions {
  folder: string;
  to?: string;
  yes: boolean;
  /** Push the release commit and tag to origin. */
  push?: boolean;
  json: boolean;
  tty: boolean;
  kubeconfig?: string;
  /** The registry NPM_TOKEN belongs to (`--registry`); NPM_TOKEN_REGISTRY wins over it. */
  registry?: string;
  write: (text: string) => void;
  writeError?: (text: string) => void;
  ask?: (question: string) => Promise<string>;
  signal?: AbortSignal;
}

export async function shipCommand(options: ShipCliOptions): Promise<number> {
  const { write } = options;
  const writeError = options.writeError ?? ((text: string) => process.stderr.write(text));
  const status = await describeFolder(options.folder);
  if (reportConfigErrors(status, writeError)) return 2;
  const plan = deliveryPlan(status.config.config, status.deploy.environments);
  if (plan.problems.length > 0) {
    writeError(`conveyor: ${plan.problems.join('; ')}\n`);
    return 2;
  }
  const names = plan.steps.map((s) => s.environment.name);
  if (options.to && !names.includes(options.to)) {
    writeError(`conveyor: --to ${options.to}: the belt visits ${names.join(', ') || 'no environments'}\n`);
    return 2;
  }
  // Nobody can answer a confirm without a terminal: without --yes the belt stops before the first
  // environment that asks, as `--to` the one before it would.
  let until = options.to;
  let waitingFor: string | undefined;
  if (!options.yes && !options.tty) {
    const last = options.to ? names.indexOf(options.to) : names.length - 1;
    const asking = plan.steps.slice(0, last + 1).findIndex((s) => !s.auto);
    if (asking >= 0) {
      waitingFor = names[asking];
      until = asking > 0 ? names[asking - 1] : undefined;
    }
  }
  const steps = waitingFor && until === undefined ? [] : plan.steps;
  const stateDir = pipelineStateDir(status.folder, status.git);
  const errors = await startErrorSource(stateDir, status.config.config.sentry?.receiverPort);
  if (errors.note && !options.json) write(`• ${errors.note}\n`);
  const history = new BeltHistory(stateDir);
  const npmTokens = npmTokenBinding(process.env, options.registry);
  try {
    const printer = options.json ? undefined : stationPrinter(write);
    const run = await runBelt({
      folder: status.folder,
      steps,
      until,
      signal: options.signal,
      onChange: (r) => {
        printer?.(r);
        void history.record(r).catch(() => undefined);
      },
      stations: engineStations({
        status,
        engines: directEngines(status),
        pushGit: options.push,
        // Read when a deploy needs it: a folder without environments ships without any kubeconfig.
        kubeconfig: options.kubeconfig ? { kubeconfigPaths: [options.kubeconfig] } : {},
        errorIssues: errors.issues,
        credentials: (host) => dockerCredentialsFor(host, writeError),
        npmToken: (url) => {
          const token = npmTokens.tokenFor(url);
          for (const note of npmTokens.withheld.splice(0)) writeError(`conveyor: ${note}\n`);
          return Promise.resolve(token);
        },
        onDeployProgress: options.json ? undefined : (env, message) => write(`  ${env}: ${message}\n`),
        items: itemsFollow({ status, provider: () => boardFromEnvironment(status) }),
        confirmPromotion: async (step, version, verified) => {
          if (options.yes) return true;
          const where = verified.map((e) => `${e.name}: ${e.verdict?.summary ?? 'verified'}`).join('; ');
          const answer = await (options.ask ?? askOnTerminal)(
            `Promote ${version} to ${step.environment.name}?${where ? ` (${where})` : ''} [y/N] `,
          );
          return /^y(es)?$/i.test(answer.trim());
        },
      }),
    });
    if (waitingFor && (run.result === 'waiting' || run.result === 'shipped')) {
      run.result = 'waiting';
      run.message = `${run.message.replace(/\.$/, '')}; ${waitingFor} asks for confirmation: run with --yes, or Ship from the editor.`;
    }
    await history.record(run);
    // The run is recorded and its exit code decided: a failure here is only reported.
    const resolved = await resolveLocalErrors(errors, { folder: status.folder, stateDir, production: productionOf(plan) }).catch(
      (error: unknown) => {
        writeError(`conveyor: could not resolve the errors fixed in production: ${messageOf(error)}\n`);
        return [];
      },
    );
    write(options.json ? `${JSON.stringify(run, null, 2)}\n` : `${verdictLine(run)}\n`);
    if (!options.json)
      for (const r of resolved) write(`✓ ${r.errorShortId} resolved in v${r.version}: ${r.itemKey} is verified in ${r.environment}\n`);
    return beltExitCode(run);
  } finally {
    await errors.stop();
  }
}

interface ErrorSourceHandle {
  issues?: () => Promise<ErrorIssue[]>;
  /** Waits until the events the receiver has answered are in its store. */
  settled?: () => Promise<void>;
  /** The receiver's store while it runs. */
  store?: ErrorStore;
  note?: string;
  stop: () => Promise<void>;
}

/**
 * Errors for verification: with `sentry.receiverPort` in conveyor.yml, a local receiver on that port for the
 * run. Its key is the one in SENTRY_DSN when that DSN points at the port (the app and the belt then agree),
 * else one kept in the state folder. When the port is taken, the editor's receiver is probably running: the
 * belt then says that errors were not checked rather than pretending.
 */
async function startErrorSource(stateDir: string, port: number | undefined): Promise<ErrorSourceHandle> {
  const none = () => Promise.resolve();
  if (port === undefined)
    return { note: 'Errors are not checked: set sentry.receiverPort in conveyor.yml for the local receiver', stop: none };
  const directory = path.join(stateDir, 'errors');
  const store = new ErrorStore({ directory });
  await store.load();
  const receiver = new ErrorReceiver({ store, publicKey: dsnKeyFor(port) ?? (await keptKey(directory)), port });
  try {
    await receiver.start();
  } catch (error) {
    return {
      note: `Errors are not checked: the local receiver could not listen on port ${port} (${(error as Error).message}; is the editor's receiver running?)`,
      stop: none,
    };
  }
  receiver.onEventsDropped(({ count, reason }) =>
    process.stderr.write(`local error receiver: dropped ${count} unreadable event(s): ${reason}\n`),
  );
  return {
    issues: async () => {
      await receiver.settled();
      return store.issues();
    },
    settled: () => receiver.settled(),
    store,
    note: `Local error receiver for this run: ${receiver.dsn}`,
    stop: async () => {
      await receiver.stop();
      await store.close();
    },
  };
}

/** Resolves the CLI store's errors whose fix reached production: in the receiver's store while it runs, else in its file. */
async function resolveLocalErrors(
  errors: ErrorSourceHandle,
  folder: { folder: string; stateDir: string; production?: string },
): Promise<ErrorResolution[]> {
  if (errors.store) {
    // An event of the new release still being read would otherwise let its issue be resolved, then reopened.
    await errors.settled?.();
    return resolveAfterBelt(errors.store, folder);
  }
  const store = new ErrorStore({ directory: path.join(folder.stateDir, 'errors') });
  await store.load();
  try {
    return await resolveAfterBelt(store, folder);
  } finally {
    await store.close();
  }
}

function dsnKeyFor(port: number): string | undefined {
  try {
    const dsn = new URL(process.env.SENTRY_DSN ?? '');
    return ['127.0.0.1', 'localhost'].includes(dsn.hostname) && Number(dsn.port) === port && dsn.username ? dsn.username : undefined;
  } catch {
    return undefined;
  }
}

async function keptKey(directory: string): Promise<string> {
  const file = path.join(directory, 'receiver-key');
  const kept = await readFile(file, 'utf8').then(
    (t) => t.trim(),
    () => '',
  );
  if (/^[0-9a-f]{32}$/.test(kept)) return kept;
  const key = generatePublicKey();
  await mkdir(directory, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

const MARK: Record<StationRecord['result'], string> = { running: '▶', passed: '✓', failed: '✗', skipped: '–', stopped: '■', declined: '○' };

function stationPrinter(write: (text: string) => void): (run: BeltRun) => void {
  const printed = new Map<number, StationRecord['result']>();
  return (run) => {
    run.stations.forEach((s, i) => {
      if (printed.get(i) === s.result) return;
      printed.set(i, s.result);
      write(`${MARK[s.result]} ${s.station}${s.environment ? ` ${s.environment}` : ''}${s.summary ? `: ${s.summary}` : ''}\n`);
    });
  };
}

function verdictLine(run: BeltRun): string {
  return `${run.result === 'shipped' || run.result === 'waiting' ? '✓' : run.result === 'stopped' ? '■' : '✗'} ${run.message}`;
}
