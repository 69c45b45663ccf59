import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as Sentry from '@sentry/node';
import { createCrashReporter } from '../../../src/crashReporter/crashReporter';
import type { CrashReporter } from '../../../src/crashReporter/crashReporter';
import { ErrorReceiver, generatePublicKey } from '../../../src/monitor/errors/errorReceiver';
import { ErrorStore } from '../../../src/monitor/errors/errorStore';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FAKE_TOKEN = `ghp_${'k3Y9'.repeat(9)}`;
const PROCESS_EVENTS = ['uncaughtException', 'uncaughtExceptionMonitor', 'unhandledRejection', 'warning', 'exit', 'beforeExit'] as const;

const listenerCounts = () => Object.fromEntries(PROCESS_EVENTS.map((name) => [name, process.listenerCount(name)]));
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What another extension (or the host) could have patched if the reporter installed global instrumentation. */
function globalsSnapshot() {
  const carrier = (globalThis as { __SENTRY__?: Record<string, { acs?: unknown }> }).__SENTRY__;
  return {
    functionToString: Object.getOwnPropertyDescriptor(Function.prototype, 'toString')?.value as unknown,
    consoleError: console.error,
    consoleWarn: console.warn,
    httpRequest: http.request,
    httpGet: http.get,
    asyncContextStrategy: carrier?.[Sentry.SDK_VERSION]?.acs,
  };
}

type RunnerListeners = { uncaughtException: NodeJS.UncaughtExceptionListener[]; unhandledRejection: NodeJS.UnhandledRejectionListener[] };

/** The test runner's failure handlers, read before the reporter exists so that any handler the SDK adds is not among them. */
const runnerListeners = (): RunnerListeners => ({
  uncaughtException: process.listeners('uncaughtException'),
  unhandledRejection: process.listeners('unhandledRejection'),
});

/**
 * Runs `trigger` with only the runner's handlers set aside (so a stray error does not fail the run); any other
 * handler, such as one the SDK might have installed, stays in place and would see the error.
 */
async function withoutRunnerHandlers(runner: RunnerListeners, trigger: () => void): Promise<unknown[]> {
  const seen: unknown[] = [];
  const swallow = (error: unknown) => seen.push(error);
  for (const listener of runner.uncaughtException) process.off('uncaughtException', listener);
  for (const listener of runner.unhandledRejection) process.off('unhandledRejection', listener);
  process.on('uncaughtException', swallow).on('unhandledRejection', swallow);
  try {
    trigger();
    await settle(100);
  } finally {
    process.off('uncaughtException', swallow).off('unhandledRejection', swallow);
    for (const listener of runner.uncaughtException) process.on('uncaughtException', listener);
    for (const listener of runner.unhandledRejection) process.on('unhandledRejection', listener);
  }
  return seen;
}

describe("Conveyor's own crash reporter through the real Sentry SDK (integration)", function () {
  this.timeout(30_000);
  let directory: string;
  let workspace: string;
  let store: ErrorStore;
  let receiver: ErrorReceiver;
  let reporter: CrashReporter | undefined;

  beforeEach(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'cnv-crash-store-'));
    workspace = mkdtempSync(path.join(tmpdir(), 'cnv-crash-workspace-'));
    store = new ErrorStore({ directory, saveDelayMs: 20 });
    await store.load();
    receiver = new ErrorReceiver({ store, publicKey: generatePublicKey(), port: 0, notifyDelayMs: 10 });
    await receiver.start();
  });

  afterEach(async () => {
    await reporter?.close();
    reporter = undefined;
    await receiver.dispose();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  });

  const newReporter = () =>
    (reporter = createCrashReporter({
      dsn: receiver.dsn,
      release: 'conveyor@0.1.0',
      environment: 'test',
      scrubPaths: [
        { path: workspace, label: '<workspace>' },
        { path: REPO, label: '<extension>' },
      ],
    }));

  /** An error thrown by code that lives in the user's workspace, so its own frame carries the workspace path. */
  function errorFromWorkspace(message: string): Error {
    const file = path.join(workspace, 'scripts', 'deploy.js');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'module.exports = function deploy(message) {\n  throw new Error(message);\n};\n');
    const deploy = createRequire(file)(file) as (message: string) => void;
    try {
      deploy(message);
    } catch (error) {
      return error as Error;
    }
    throw new Error('deploy.js did not throw');
  }

  it('delivers one scrubbed issue: no token and no workspace path in the title, frames or stored file', async () => {
    const before = listenerCounts();
    const crashReporter = newReporter();
    const error = errorFromWorkspace(`deploy of ${workspace}/conveyor.yml refused for ${FAKE_TOKEN}`);

    crashReporter.capture(error, { operation: 'deploy.run' });
    assert.equal(await crashReporter.flush(5_000), true);
    await receiver.settled();
    await crashReporter.close();

    const issues = store.issues();
    assert.equal(issues.length, 1, issues.map((issue) => issue.title).join('\n'));
    const [issue] = issues;
    assert.equal(issue.title, 'Error: deploy of <workspace>/conveyor.yml refused for [redacted]');
    assert.equal(issue.exceptionType, 'Error');
    assert.equal(issue.firstRelease, 'conveyor@0.1.0');
    assert.equal(issue.environment, 'test');
    const frames = issue.latestEvent?.frames ?? [];
    const thrower = frames.at(-1);
    assert.equal(thrower?.filename, '<workspace>/scripts/deploy.js', 'the innermost frame is the workspace script, path replaced');
    assert.equal(thrower?.lineno, 2, 'line numbers survive');
    assert.equal(thrower?.function, 'deploy');
    assert.ok(
      frames.some((frame) => frame.filename === '<extension>/test/integration/crashReporter/crashReports.test.ts'),
      frames.map((frame) => frame.filename).join('\n'),
    );

    await store.close();
    const stored = readFileSync(store.file, 'utf8');
    for (const [what, leaked] of [
      ['token', FAKE_TOKEN],
      ['workspace path', workspace],
      ['extension path', REPO],
    ]) {
      assert.ok(!JSON.stringify(issue).includes(leaked), `the issue carries the ${what}`);
      assert.ok(!stored.includes(leaked), `the store file carries the ${what}`);
    }
    assert.deepEqual(listenerCounts(), before, 'process listeners are back to what they were');
  });

  it('installs no global handler or instrumentation, and does not initialise the global SDK', async () => {
    const countsBefore = listenerCounts();
    const globalsBefore = globalsSnapshot();
    const crashReporter = newReporter();
    crashReporter.capture(new Error('probe'));
    await crashReporter.flush(5_000);

    const counts = listenerCounts();
    assert.equal(counts.uncaughtException, countsBefore.uncaughtException);
    assert.equal(counts.uncaughtExceptionMonitor, countsBefore.uncaughtExceptionMonitor);
    assert.equal(counts.unhandledRejection, countsBefore.unhandledRejection);
    assert.equal(counts.warning, countsBefore.warning);
    assert.deepEqual(globalsSnapshot(), globalsBefore);
    assert.equal(Sentry.isInitialized(), false);
    assert.equal(Sentry.getClient(), undefined, 'the global scope has no client: other extensions are not routed to ours');

    await crashReporter.close();
    assert.deepEqual(listenerCounts(), countsBefore, "close() removes the SDK's own beforeExit flush listener");
  });

  it('does not report errors raised elsewhere in the process, only what capture() is given', async () => {
    const runner = runnerListeners();
    const crashReporter = newReporter();

    const stray = await withoutRunnerHandlers(runner, () => {
      setImmediate(() => {
        throw new Error(`another extension crashed ${FAKE_TOKEN}`);
      });
      void Promise.reject(new Error('another extension rejected'));
    });
    assert.equal(stray.length, 2, 'both stray errors reached the process (and only the test handler saw them)');
    Sentry.captureException(new Error('another extension used the global Sentry API'));
    assert.equal(await crashReporter.flush(5_000), true);
    await receiver.settled();
    await settle(50);
    assert.deepEqual(
      store.issues().map((issue) => issue.title),
      [],
    );

    crashReporter.capture(new Error('ours'));
    assert.equal(await crashReporter.flush(5_000), true);
    await receiver.settled();
    assert.deepEqual(
      store.issues().map((issue) => issue.title),
      ['Error: ours'],
    );
  });

  it('never throws from capture, whatever it is given and whether or not the receiver is reachable', async () => {
    const crashReporter = newReporter();
    const circular: Record<string, unknown> = { name: 'circular' };
    circular.self = circular;
    await receiver.stop();
    for (const value of [undefined, null, 'a string', 42, circular, Object.create(null) as object, new Error('unreachable')]) {
      assert.doesNotThrow(() => crashReporter.capture(value, { operation: 'odd.values' }));
    }
    assert.equal(typeof (await crashReporter.flush(5_000)), 'boolean');
    await crashReporter.close();
    await crashReporter.close();
    assert.doesNotThrow(() => crashReporter.capture(new Error('after close')));
    assert.equal(store.issues().length, 0);
  });

  it('refuses a malformed DSN with a message that says what a DSN looks like, before touching the process', () => {
    const before = listenerCounts();
    for (const dsn of [
      '',
      'not a dsn',
      'https://sentry.example.com/1',
      `ftp://${generatePublicKey()}@sentry.example.com/1`,
      `https://${generatePublicKey()}@sentry.example.com/`,
    ]) {
      assert.throws(
        () => createCrashReporter({ dsn, release: 'conveyor@0.1.0', scrubPaths: [] }),
        (error: Error) => /not a valid Sentry DSN: expected https:\/\/<public key>@<host>\/<project id>/.test(error.message),
        dsn,
      );
    }
    assert.deepEqual(listenerCounts(), before);
  });
});
