import * as assert from 'node:assert/strict';
import type { EnvironmentDefinition } from '../../../src/deploy/environmentDefinition';
import type { ReleaseToDeploy } from '../../../src/deploy/renderManifests';
import type { ErrorIssue } from '../../../src/monitor/errors/errorModel';
import type { BeltRun, VerifyVerdict } from '../../../src/loop/belt/beltRun';
import { beltExitCode } from '../../../src/loop/belt/beltRun';
import { deliveryPlan } from '../../../src/loop/belt/deliveryPlan';
import type { DeliveryStep } from '../../../src/loop/belt/deliveryPlan';
import { runBelt } from '../../../src/loop/belt/runBelt';
import type { BeltStations } from '../../../src/loop/belt/runBelt';
import { isRelease, verifyEnvironment } from '../../../src/loop/belt/verifyEnvironment';
import { beltNodes, beltStatusText } from '../../../src/loop/ui/beltNodes';
import { anErrorIssue } from '../../support/builders';

const env = (name: string, confirm = false): EnvironmentDefinition => ({ name, confirm, autoRollback: false, source: 'conveyor.yml' });
const RELEASE: ReleaseToDeploy = { version: 'v1.5.0', commit: 'c0ffee', image: '127.0.0.1:5000/shop', digest: `sha256:${'a'.repeat(64)}` };
const ok: VerifyVerdict = { ok: true, summary: 'all up', probes: 1, newErrors: 0 };

/** Stations that record the order they were called in; each can be replaced. */
function stations(overrides: Partial<BeltStations> = {}): { stations: BeltStations; calls: string[] } {
  const calls: string[] = [];
  const base: BeltStations = {
    pipeline: () => (calls.push('pipeline'), Promise.resolve({ ok: true, runId: 'r1', commit: 'c0ffee', summary: '3 stages passed' })),
    release: () => (calls.push('release'), Promise.resolve({ release: RELEASE, summary: 'v1.5.0' })),
    deploy: (step) => (calls.push(`deploy ${step.environment.name}`), Promise.resolve({ ok: true, summary: 'rolled out' })),
    verify: (step) => (calls.push(`verify ${step.environment.name}`), Promise.resolve(ok)),
    rollback: (step) => (calls.push(`rollback ${step.environment.name}`), Promise.resolve({ ok: true, summary: 'back to v1.4.0' })),
    confirmPromotion: (step) => (calls.push(`confirm ${step.environment.name}`), Promise.resolve(true)),
  };
  const wrapped = Object.fromEntries(
    Object.entries(overrides).map(([k, f]) => [
      k,
      (...args: unknown[]) => (calls.push(`${k}*`), (f as (...a: unknown[]) => unknown)(...args)),
    ]),
  );
  return { stations: { ...base, ...wrapped }, calls };
}

const steps = (): DeliveryStep[] => deliveryPlan({}, [env('production', true), env('staging')]).steps;

describe('the belt: order, promotion and rollback (unit)', () => {
  it('takes a good change through staging, asks before production, and ships', async () => {
    const { stations: s, calls } = stations();
    const run = await runBelt({ folder: '/w', steps: steps(), stations: s });
    assert.deepEqual(calls, [
      'pipeline',
      'release',
      'deploy staging',
      'verify staging',
      'confirm production',
      'deploy production',
      'verify production',
    ]);
    assert.equal(run.result, 'shipped');
    assert.deepEqual(
      run.environments.map((e) => [e.name, e.state]),
      [
        ['staging', 'verified'],
        ['production', 'verified'],
      ],
    );
    assert.deepEqual(
      run.stations.map((st) => st.result),
      ['passed', 'passed', 'passed', 'passed', 'passed', 'passed', 'passed'],
    );
    assert.equal(beltExitCode(run), 0);
  });

  it('rolls staging back when verification fails and never reaches production; the record says why', async () => {
    const failed: VerifyVerdict = {
      ok: false,
      summary: 'x',
      probes: 2,
      newErrors: 1,
      failure: { kind: 'errors', message: '1 new error issue in v1.5.0 (tolerated: 0); first: LOCAL-1 TypeError: boom at src/cart.ts:6' },
    };
    const { stations: s, calls } = stations({ verify: () => Promise.resolve(failed) });
    const run = await runBelt({ folder: '/w', steps: steps(), stations: s });
    assert.deepEqual(calls, ['pipeline', 'release', 'deploy staging', 'verify*', 'rollback staging']);
    assert.equal(run.result, 'rolled-back');
    assert.match(run.message, /^v1\.5\.0 failed verification in staging and was rolled back: 1 new error issue .* at src\/cart\.ts:6\.$/);
    assert.deepEqual(
      run.environments.map((e) => e.state),
      ['rolled-back', 'pending'],
    );
    assert.equal(run.environments[0].rollback, 'back to v1.4.0');
    assert.equal(beltExitCode(run), 1);
  });

  it('stops at the pipeline and at "nothing to release" without touching an environment', async () => {
    const red = stations({ pipeline: () => Promise.resolve({ ok: false, runId: 'r2', summary: 'test failed' }) });
    const failed = await runBelt({ folder: '/w', steps: steps(), stations: red.stations });
    assert.deepEqual([failed.result, failed.message], ['failed', 'The pipeline failed: test failed. Nothing was released.']);
    assert.deepEqual(red.calls, ['pipeline*']);
    const none = stations({ release: () => Promise.resolve({ nothing: 'Nothing to release: no feat, fix or breaking commits.' }) });
    const nothing = await runBelt({ folder: '/w', steps: steps(), stations: none.stations });
    assert.deepEqual(
      [nothing.result, nothing.message, beltExitCode(nothing)],
      ['nothing-to-release', 'Nothing to release: no feat, fix or breaking commits.', 1],
    );
    assert.deepEqual(none.calls, ['pipeline', 'release*']);
  });

  it('rolls back an environment stopped in the middle of its deploy, and deploys nothing after a stop', async () => {
    const stop = new AbortController();
    const { stations: s, calls } = stations({
      // Stop pressed while the rollout is being followed: the deploy engine gives up with the signal.
      deploy: (_step, _release, signal) => (stop.abort(), Promise.reject(new Error(signal.aborted ? 'aborted' : 'not aborted'))),
    });
    const run = await runBelt({ folder: '/w', steps: steps(), stations: s, signal: stop.signal });
    assert.deepEqual(calls, ['pipeline', 'release', 'deploy*', 'rollback staging']);
    assert.equal(run.result, 'stopped');
    assert.deepEqual(
      run.environments.map((e) => e.state),
      ['stopped', 'stopped'],
    );
    assert.deepEqual(
      run.stations.map((st) => [st.station, st.result]),
      [
        ['pipeline', 'passed'],
        ['release', 'passed'],
        ['deploy', 'stopped'],
        ['rollback', 'passed'],
      ],
    );
    assert.equal(beltExitCode(run), 130);
  });

  it('rolls staging back when stopped during its verification, and says it was stopped', async () => {
    const stop = new AbortController();
    const { stations: s, calls } = stations({
      verify: () => (
        stop.abort(),
        Promise.resolve({
          ok: false,
          summary: 'verification stopped',
          probes: 1,
          newErrors: 0,
          failure: { kind: 'stopped', message: 'verification stopped' },
        })
      ),
    });
    const run = await runBelt({ folder: '/w', steps: steps(), stations: s, signal: stop.signal });
    assert.deepEqual(calls, ['pipeline', 'release', 'deploy staging', 'verify*', 'rollback staging']);
    assert.deepEqual([run.result, run.environments.map((e) => e.state)], ['stopped', ['stopped', 'stopped']]);
  });

  it('leaves production untouched when the promotion is declined, and stops after --to', async () => {
    const no = stations({ confirmPromotion: () => Promise.resolve(false) });
    const declined = await runBelt({ folder: '/w', steps: steps(), stations: no.stations });
    assert.equal(declined.result, 'declined');
    assert.ok(!no.calls.includes('deploy production'));
    const partial = stations();
    const toStaging = await runBelt({ folder: '/w', steps: steps(), stations: partial.stations, until: 'staging' });
    assert.deepEqual([toStaging.result, partial.calls.at(-1)], ['waiting', 'verify staging']);
  });
});

describe('delivery plan from conveyor.yml and defaults (unit)', () => {
  it("orders production last, confirms where the environment confirms, and picks the environment's uptime checks", () => {
    const plan = deliveryPlan(
      {
        uptime: [
          { name: 'stg', url: 'http://127.0.0.1:1/', environment: 'staging' },
          { name: 'other', url: 'http://127.0.0.1:2/' },
        ],
      },
      [env('production', true), env('staging')],
    );
    assert.deepEqual(
      plan.steps.map((s) => [s.environment.name, s.auto, s.verify.uptime.map((c) => c.name), s.verify.bakeMs, s.verify.maxNewErrors]),
      [
        ['staging', true, ['stg'], 60_000, 0],
        ['production', false, [], 60_000, 0],
      ],
    );
  });

  it('follows delivery: order, auto, bake, named checks; unknown names are problems', () => {
    const plan = deliveryPlan(
      {
        uptime: [{ name: 'prod-health', url: 'http://127.0.0.1:3/' }],
        delivery: {
          environments: [
            { name: 'production', auto: true, verify: { bake: 5, uptime: ['prod-health', 'nope'], maxNewErrors: 2, interval: 1 } },
            { name: 'qa' },
          ],
        },
      },
      [env('production', true), env('staging')],
    );
    assert.deepEqual(
      plan.steps.map((s) => [
        s.environment.name,
        s.auto,
        s.verify.uptime.map((c) => c.name),
        s.verify.bakeMs,
        s.verify.intervalMs,
        s.verify.maxNewErrors,
      ]),
      [['production', true, ['prod-health'], 5000, 1000, 2]],
    );
    assert.deepEqual(plan.problems, [
      'delivery.production.verify.uptime names "nope", which is not an uptime check',
      'delivery names environment "qa", which is not one of production, staging',
    ]);
  });
});

describe('verifying an environment (unit)', () => {
  const policy = (over: Partial<DeliveryStep['verify']> = {}): DeliveryStep['verify'] => ({
    bakeMs: 3000,
    intervalMs: 1000,
    uptime: [{ name: 'stg', url: 'http://127.0.0.1:9/health' }],
    maxNewErrors: 0,
    ...over,
  });
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, sleep: (ms: number) => ((t += ms), Promise.resolve()) };
  };
  const issue = (over: Partial<ErrorIssue>): ErrorIssue =>
    anErrorIssue({
      id: 'i1',
      shortId: 'LOCAL-1',
      exceptionValue: 'boom',
      count: 3,
      firstSeen: new Date(1_000_500).toISOString(),
      lastSeen: new Date(1_000_500).toISOString(),
      ...over,
    });

  it('probes through the bake and passes with the counts', async () => {
    let probes = 0;
    const verdict = await verifyEnvironment(
      policy(),
      RELEASE,
      new Date(1_000_000),
      {
        ...clock(),
        probe: () => (probes++, Promise.resolve({ at: 0, ok: true, status: 200, latencyMs: 3 })),
        issues: () => Promise.resolve([]),
      },
      new AbortController().signal,
    );
    assert.deepEqual([verdict.ok, verdict.probes, probes], [true, 4, 4]);
    assert.equal(verdict.summary, '4 probes of stg up, 0 new error issues in v1.5.0 over 3 s');
  });

  it('fails on a down check with its last answer', async () => {
    const verdict = await verifyEnvironment(
      policy(),
      RELEASE,
      new Date(1_000_000),
      {
        ...clock(),
        probe: () => Promise.resolve({ at: 0, ok: false, status: 503, latencyMs: 3, reason: 'unexpected status 503 (expected 2xx)' }),
      },
      new AbortController().signal,
    );
    assert.equal(verdict.ok, false);
    assert.deepEqual(verdict.failure?.check, {
      name: 'stg',
      url: 'http://127.0.0.1:9/health',
      status: 503,
      reason: 'unexpected status 503 (expected 2xx)',
    });
    assert.equal(verdict.failure?.message, 'uptime check stg (http://127.0.0.1:9/health) is down: unexpected status 503 (expected 2xx)');
  });

  it('fails on a new issue first seen in the release, naming it and its top in-app frame; old and other releases do not count', async () => {
    const frames = [
      { filename: '/app/node_modules/x.js', lineno: 1, inApp: false },
      { filename: '/app/src/cart.ts', lineno: 6, inApp: true },
      { filename: 'node:internal', lineno: 2, inApp: false },
    ];
    const issues = [
      issue({ id: 'old', firstRelease: 'shop@1.4.0', lastRelease: 'shop@1.5.0' }),
      issue({ id: 'before', firstRelease: 'v1.5.0', lastSeen: new Date(999_000).toISOString() }),
      issue({
        firstRelease: 'shop@1.5.0',
        latestEvent: { eventId: 'e', timestamp: '', exceptionType: 'TypeError', exceptionValue: 'boom', frames },
      }),
    ];
    const verdict = await verifyEnvironment(
      policy({ uptime: [] }),
      RELEASE,
      new Date(1_000_000),
      { ...clock(), probe: () => Promise.reject(new Error('no checks')), issues: () => Promise.resolve(issues) },
      new AbortController().signal,
    );
    assert.equal(
      verdict.failure?.message,
      '1 new error issue in v1.5.0 (tolerated: 0); first: LOCAL-1 TypeError: boom at /app/src/cart.ts:6',
    );
    assert.deepEqual(verdict.failure?.issue, {
      id: 'i1',
      shortId: 'LOCAL-1',
      title: 'TypeError: boom',
      count: 3,
      file: '/app/src/cart.ts',
      line: 6,
    });
    const tolerated = await verifyEnvironment(
      policy({ uptime: [], maxNewErrors: 1 }),
      RELEASE,
      new Date(1_000_000),
      { ...clock(), probe: () => Promise.reject(new Error('no checks')), issues: () => Promise.resolve(issues) },
      new AbortController().signal,
    );
    assert.equal(tolerated.ok, true);
  });

  it('reads the release names SDKs use', () => {
    assert.deepEqual(
      ['1.5.0', 'v1.5.0', 'shop@1.5.0', 'shop@v1.5.0', '1.5.01', 'shop@1.5.1', undefined].map((r) => isRelease(r, 'v1.5.0')),
      [true, true, true, true, false, false, false],
    );
  });
});

describe('the Ship view rows and the status bar text (unit)', () => {
  const started = Date.parse('2026-12-03T10:00:00Z');
  const at = (s: number) => new Date(started + s * 1000).toISOString();
  const running: BeltRun = {
    id: 'b1',
    folder: '/w',
    startedAt: at(0),
    result: 'running',
    message: 'Verifying v1.5.0 in staging',
    release: RELEASE,
    stations: [
      { station: 'pipeline', startedAt: at(0), finishedAt: at(20), result: 'passed', summary: '3 stage(s) passed' },
      { station: 'release', startedAt: at(20), finishedAt: at(30), result: 'passed', summary: 'v1.5.0' },
      {
        station: 'deploy',
        environment: 'staging',
        startedAt: at(30),
        finishedAt: at(35),
        result: 'passed',
        summary: '1 Deployment(s) rolled out',
      },
      { station: 'verify', environment: 'staging', startedAt: at(35), result: 'running', summary: '' },
    ],
    environments: [
      { name: 'staging', state: 'verifying' },
      { name: 'production', state: 'pending' },
    ],
  };

  it("says where the belt is, with the running station's clock", () => {
    assert.equal(beltStatusText(running, started + 77_000), '$(rocket) v1.5.0 · staging · verifying 0:42');
    assert.equal(beltStatusText({ ...running, result: 'rolled-back' }), '$(rocket) v1.5.0 · rolled-back');
  });

  it('shows the route before the first run, then the run with its stations and environments, older runs under History', () => {
    assert.deepEqual(beltNodes('/w', { trusted: true, environments: [], runs: [] }), [], 'nowhere to ship: the welcome text shows');
    const empty = beltNodes('/w', { trusted: true, environments: ['staging', 'production'], runs: [] });
    assert.deepEqual(
      empty.map((n) => [n.label, n.description, n.command?.command]),
      [['Ship', 'pipeline → release → staging → production', 'conveyor.ship']],
    );
    const rolledBack: BeltRun = {
      ...running,
      id: 'b0',
      result: 'rolled-back',
      finishedAt: at(100),
      message: 'v1.5.0 failed verification in staging and was rolled back: uptime check stg is down',
      environments: [
        {
          name: 'staging',
          state: 'rolled-back',
          rollback: 'shop back to v1.4.0',
          verdict: { ok: false, summary: 'uptime check stg is down', probes: 1, newErrors: 0 },
        },
      ],
    };
    const rows = beltNodes('/w', {
      trusted: true,
      environments: ['staging', 'production'],
      runs: [running, rolledBack],
      now: started + 60_000,
    });
    assert.deepEqual(
      rows.map((n) => n.label),
      ['v1.5.0 · running', 'History'],
    );
    assert.deepEqual(
      rows[0].children?.map((n) => [n.label, n.icon]),
      [
        ['Verifying v1.5.0 in staging', 'info'],
        ['staging', 'cloud'],
        ['production', 'cloud'],
        ['pipeline', 'pass:testing.iconPassed'],
        ['release', 'pass:testing.iconPassed'],
        ['deploy staging', 'pass:testing.iconPassed'],
        ['verify staging', 'sync~spin'],
      ],
    );
    const older = rows[1].children?.[0];
    assert.equal(older?.label, 'v1.5.0 · rolled-back');
    assert.equal(
      older?.children?.find((n) => n.label === 'staging')?.description,
      'rolled back · uptime check stg is down · rollback: shop back to v1.4.0',
    );
  });
});
