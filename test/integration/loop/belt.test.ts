import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ensureBaseImage, startDockerEngine, startRegistry } from '../../../scripts/docker/dockerHost';
import type { DockerEngine, LocalRegistry } from '../../../scripts/docker/dockerHost';
import { api } from '../../../scripts/kube/api';
import { main } from '../../../src/cli/cli';
import type { Deployment } from '../../../src/deploy/kubeObject';
import { ANNOTATION_RELEASE } from '../../../src/core/deliveryKeys';
import { describeFolder } from '../../../src/loop/folderStatus';
import { BeltHistory } from '../../../src/loop/belt/beltHistory';
import type { BeltRun } from '../../../src/loop/belt/beltRun';
import { deliveryPlan } from '../../../src/loop/belt/deliveryPlan';
import { directEngines } from '../../../src/loop/belt/directEngines';
import { engineStations } from '../../../src/loop/belt/engineStations';
import { runBelt } from '../../../src/loop/belt/runBelt';
import type { BeltStations } from '../../../src/loop/belt/runBelt';
import { ErrorReceiver } from '../../../src/monitor/errors/errorReceiver';
import { ErrorStore } from '../../../src/monitor/errors/errorStore';
import { pipelineStateDir } from '../../../src/pipeline/run/runHistory';
import { readLoopRecords } from '../../../src/loop/loopRecords';
import { readDeliveryMetrics } from '../../../src/loop/metrics/readDeliveryMetrics';
import { traceFrom } from '../../../src/loop/trace/traceFrom';
import { useKubeCluster } from '../../support/kubeCluster';
import { registryDigest } from '../../support/registryDigest';
import { shipProject } from '../../support/shipProject';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

const run = promisify(execFile);
const SENTRY_APP = path.resolve(__dirname, '..', '..', 'fixtures', 'sentry-app', 'app.js');
const RECEIVER_KEY = 'b'.repeat(32);

/**
 * The environment's running app, as the test node agent runs no containers: a local HTTP server whose health
 * answer is set for the release the test "deployed", and the real Sentry SDK app reporting with that release.
 */
class StandInApp {
  healthy = true;
  private server = http.createServer((_request, res) => {
    res.writeHead(this.healthy ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(this.healthy ? 'ok' : 'database unavailable');
  });
  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('the belt against real git, Docker, registry, Kubernetes and the Sentry SDK (integration)', function () {
  this.timeout(240_000);
  const cluster = useKubeCluster();
  let engine: DockerEngine;
  let registry: LocalRegistry;
  let ws: SampleWorkspace;
  const app = new StandInApp();
  let receiverPort: number;
  let receiver: ErrorReceiver;
  let store: ErrorStore;
  let storeDir: string | undefined;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, encoding: 'utf8' }).trim();
  const admin = () => ({ server: cluster.get().server, token: cluster.get().token, ca: cluster.get().caData });
  const runningRelease = async (namespace: string) =>
    (await api<Deployment>(admin(), 'GET', `/apis/apps/v1/namespaces/${namespace}/deployments/shop`, undefined, { allow: [404] })).body
      ?.metadata?.annotations?.[ANNOTATION_RELEASE];
  const change = (message: string, edit?: (config: string) => string) => {
    ws.write('src/app.js', `console.log(${JSON.stringify(message)});\n`);
    if (edit) ws.write('conveyor.yml', edit(readFileSync(path.join(ws.dir, 'conveyor.yml'), 'utf8')));
    git('commit', '-qam', message);
  };

  before(async () => {
    engine = await startDockerEngine();
    await ensureBaseImage(engine);
    // The release station connects as the CLI does: through DOCKER_HOST.
    process.env.DOCKER_HOST = engine.dockerHost;
    registry = await startRegistry();
    for (const name of ['shop-staging', 'shop']) {
      await api(admin(), 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { allow: [409] });
    }
    const appPort = await app.start();
    // The receiver's port goes into conveyor.yml; the CLI case later listens there itself.
    storeDir = mkdtempSync(path.join(tmpdir(), 'belt-errors-'));
    store = new ErrorStore({ directory: storeDir, saveDelayMs: 10 });
    receiver = new ErrorReceiver({ store, publicKey: RECEIVER_KEY, port: 0, notifyDelayMs: 10 });
    await receiver.start();
    receiverPort = receiver.port;
    ws = shipProject({
      registryHost: registry.host,
      namespaces: { staging: 'shop-staging', production: 'shop' },
      appPort,
      stagingBakeSeconds: 2,
      receiverPort,
    });
  });

  after(async () => {
    delete process.env.DOCKER_HOST;
    if (receiver?.isRunning) await receiver.stop();
    await store?.close();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
    await app.stop();
    await registry?.stop();
    await engine?.stop();
    ws?.remove();
  });

  /** The editor's and the CLI's belt on the real engines; `afterDeploy` plays the app of the deployed release. */
  async function ship(
    options: {
      afterDeploy?: (env: string, version: string) => Promise<void>;
      signal?: AbortSignal;
      onDeployProgress?: (env: string, message: string) => void;
    } = {},
  ): Promise<{ run: BeltRun; asked: string[] }> {
    const status = await describeFolder(ws.dir);
    const asked: string[] = [];
    const real = engineStations({
      status,
      engines: directEngines(status),
      kubeconfig: { kubeconfigPaths: [cluster.get().kubeconfig] },
      errorIssues: async () => {
        await receiver.settled();
        return store.issues();
      },
      confirmPromotion: (step, version, verified) => (
        asked.push(`${version} → ${step.environment.name} after ${verified.map((e) => `${e.name}: ${e.verdict?.summary}`).join('; ')}`),
        Promise.resolve(true)
      ),
      onDeployProgress: options.onDeployProgress,
      rolloutTimeoutMs: 60_000,
    });
    const stations: BeltStations = {
      ...real,
      deploy: async (step, release, signal) => {
        const outcome = await real.deploy(step, release, signal);
        if (outcome.ok) await options.afterDeploy?.(step.environment.name, release.version);
        return outcome;
      },
    };
    const history = new BeltHistory(pipelineStateDir(status.folder, status.git));
    const result = await runBelt({
      folder: ws.dir,
      steps: deliveryPlan(status.config.config, status.deploy.environments).steps,
      stations,
      signal: options.signal,
    });
    await history.record(result);
    return { run: result, asked };
  }

  const reportErrors = (version: string) =>
    run(process.execPath, [SENTRY_APP], {
      env: {
        ...process.env,
        SENTRY_DSN: `http://${RECEIVER_KEY}@127.0.0.1:${receiverPort}/1`,
        APP_RELEASE: `shop@${version.replace(/^v/, '')}`,
      },
    });

  it('takes a good change through staging, verified, then production after the promotion prompt', async () => {
    const { run: belt, asked } = await ship({ afterDeploy: () => ((app.healthy = true), Promise.resolve()) });
    assert.equal(belt.result, 'shipped', belt.message);
    assert.equal(belt.release?.version, 'v0.2.0');
    assert.deepEqual(
      belt.stations.map((s) => `${s.station}${s.environment ? ` ${s.environment}` : ''} ${s.result}`),
      [
        'pipeline passed',
        'release passed',
        'deploy staging passed',
        'verify staging passed',
        'promote production passed',
        'deploy production passed',
        'verify production passed',
      ],
    );
    assert.match(belt.environments[0].verdict?.summary ?? '', /^\d+ probes? of shop-staging up, 0 new error issues in v0\.2\.0 over 2 s$/);
    assert.equal(asked.length, 1);
    assert.match(asked[0], /^v0\.2\.0 → production after staging: \d+ probes? of shop-staging up/);
    assert.deepEqual([await runningRelease('shop-staging'), await runningRelease('shop')], ['v0.2.0', 'v0.2.0']);
    const kept = await new BeltHistory(pipelineStateDir(ws.dir, (await describeFolder(ws.dir)).git)).runs();
    assert.equal(kept[0].id, belt.id);
    assert.ok(kept[0].release?.digest.startsWith('sha256:'));
  });

  it('rolls staging back automatically when the release reports new errors there, and never reaches production', async () => {
    change('feat: coupons');
    const { run: belt, asked } = await ship({ afterDeploy: async (_env, version) => void (await reportErrors(version)) });
    assert.equal(belt.result, 'rolled-back', belt.message);
    assert.equal(belt.release?.version, 'v0.3.0');
    const failure = belt.environments[0].verdict?.failure;
    assert.equal(failure?.kind, 'errors');
    assert.match(failure?.issue?.title ?? '', /^TypeError: order 100\d has no customer$/);
    assert.equal(failure?.issue?.file, SENTRY_APP);
    assert.equal(failure?.issue?.line, lineOf('THROWS: parseOrder'));
    assert.match(
      belt.message,
      /^v0\.3\.0 failed verification in staging and was rolled back: 2 new error issues in v0\.3\.0 \(tolerated: 0\); first: LOCAL-\d+ TypeError: order 100\d has no customer at .*app\.js:\d+\.$/,
    );
    assert.deepEqual(
      belt.environments.map((e) => e.state),
      ['rolled-back', 'pending'],
    );
    assert.equal(asked.length, 0);
    assert.deepEqual([await runningRelease('shop-staging'), await runningRelease('shop')], ['v0.2.0', 'v0.2.0']);
  });

  it("rolls staging back the same way when its uptime check fails, with the check's last answer", async () => {
    change('feat: faster checkout');
    const { run: belt } = await ship({ afterDeploy: () => ((app.healthy = false), Promise.resolve()) });
    app.healthy = true;
    assert.equal(belt.result, 'rolled-back', belt.message);
    assert.deepEqual(belt.environments[0].verdict?.failure?.check, {
      name: 'shop-staging',
      url: belt.environments[0].verdict?.failure?.check?.url,
      status: 503,
      reason: 'unexpected status 503 (expected 2xx)',
    });
    assert.match(
      belt.message,
      /^v0\.4\.0 failed verification in staging and was rolled back: uptime check shop-staging \(http:\/\/127\.0\.0\.1:\d+\/health\) is down: unexpected status 503/,
    );
    assert.match(belt.environments[0].rollback ?? '', /^shop back to v0\.2\.0$/);
    assert.deepEqual([await runningRelease('shop-staging'), await runningRelease('shop')], ['v0.2.0', 'v0.2.0']);
  });

  it('leaves staging at its previous release when stopped in the middle of the deploy', async () => {
    change('feat: gift cards');
    const stop = new AbortController();
    const { run: belt } = await ship({
      signal: stop.signal,
      onDeployProgress: (_env, message) => message.startsWith('Applied') && stop.abort(),
    });
    assert.equal(belt.result, 'stopped', belt.message);
    assert.deepEqual(
      belt.stations.map((s) => `${s.station} ${s.result}`),
      ['pipeline passed', 'release passed', 'deploy stopped', 'rollback passed'],
    );
    assert.deepEqual([await runningRelease('shop-staging'), await runningRelease('shop')], ['v0.2.0', 'v0.2.0']);
  });

  it('stops with a message when nothing is releasable', async () => {
    change('docs: explain coupons');
    const { run: belt } = await ship();
    assert.equal(belt.result, 'nothing-to-release');
    assert.match(belt.message, /^Nothing to release: No release needed: 1 commit, none of them a feat, fix, perf or breaking change\./);
    assert.deepEqual(
      belt.stations.map((s) => `${s.station} ${s.result}`),
      ['pipeline passed', 'release declined'],
    );
  });

  it('conveyor ship --json gives the same outcomes: waits before production without a terminal, ships with --yes, rolls back on new errors', async () => {
    await receiver.stop(); // the CLI listens on sentry.receiverPort itself
    const kubeconfig = cluster.get().kubeconfig;
    const cli = async (...args: string[]) => {
      let out = '';
      const code = await main(['ship', ws.dir, '--json', '--kubeconfig', kubeconfig, ...args], (t) => (out += t));
      return { code, run: JSON.parse(out) as BeltRun };
    };
    change('feat: SHOP-7 wish lists');
    const waiting = await cli();
    assert.deepEqual([waiting.code, waiting.run.result], [0, 'waiting']);
    assert.match(
      waiting.run.message,
      /^v0\.6\.0 is verified in staging; stopped there as asked; production asks for confirmation: run with --yes/,
    );
    assert.deepEqual([await runningRelease('shop-staging'), await runningRelease('shop')], ['v0.6.0', 'v0.2.0']);

    change('fix: SHOP-7 wish list totals');
    const shipped = await cli('--yes');
    assert.deepEqual([shipped.code, shipped.run.result, shipped.run.release?.version], [0, 'shipped', 'v0.6.1']);
    assert.deepEqual([await runningRelease('shop-staging'), await runningRelease('shop')], ['v0.6.1', 'v0.6.1']);

    // Long enough a bake for the app to start and report while the CLI watches.
    change('fix: rounding', (config) => config.replace('bake: 2,', 'bake: 15,'));
    process.env.SENTRY_DSN = `http://${RECEIVER_KEY}@127.0.0.1:${receiverPort}/1`;
    try {
      const pending = cli('--yes', '--to', 'staging');
      // The app of the new release starts reporting once staging runs it.
      await waitFor(async () => (await runningRelease('shop-staging')) === 'v0.6.2');
      await reportErrors('v0.6.2');
      const rolledBack = await pending;
      assert.deepEqual([rolledBack.code, rolledBack.run.result], [1, 'rolled-back']);
      assert.equal(rolledBack.run.environments[0].verdict?.failure?.kind, 'errors');
    } finally {
      delete process.env.SENTRY_DSN;
    }
    assert.deepEqual([await runningRelease('shop-staging'), await runningRelease('shop')], ['v0.6.1', 'v0.6.1']);
    const badTarget = await main(['ship', ws.dir, '--to', 'qa'], () => undefined);
    assert.equal(badTarget, 2);
  });

  // The ships above, as the loop links them: the trace and the delivery metrics from this repository's
  // tags, run history and belt records, the registry's digests, the cluster's annotations and the SDK's errors.
  it('traces an item, a release and its errors through what the belt did, and counts its delivery metrics exactly', async () => {
    await receiver.settled();
    const records = await readLoopRecords(ws.dir, { issues: store.issues() });
    const item = await traceFrom(ws.dir, { item: 'SHOP-7' }, records);
    assert.deepEqual(
      item.commits.map((c) => [c.subject, c.release]),
      [
        ['fix: SHOP-7 wish list totals', '0.6.1'],
        ['feat: SHOP-7 wish lists', '0.6.0'],
      ],
    );
    assert.deepEqual(
      item.commits.map((c) => c.sha),
      git('log', '--format=%H', '--grep=SHOP-7', '--all').split('\n'),
    );
    assert.deepEqual(
      item.releases.map((r) => r.tag),
      ['v0.6.0', 'v0.6.1'],
    );
    for (const release of item.releases) {
      const image = records.releases.find((r) => r.tag === release.tag)?.record?.image;
      assert.ok(image, `${release.tag} has an image in its release record`);
      const name = image.repository.slice(registry.host.length + 1);
      assert.equal(release.digest, await registryDigest(registry, name, image.tags[0]), `${release.tag}: the registry's digest`);
    }
    assert.deepEqual(
      item.environments.map((e) => `${e.name} v${e.version} ${e.outcome}${e.current ? ' current' : ''}`),
      ['staging v0.6.0 verified', 'staging v0.6.1 verified current', 'production v0.6.1 verified current'],
    );
    // The cluster agrees with the records about what runs where.
    assert.deepEqual([await runningRelease('shop-staging'), await runningRelease('shop')], ['v0.6.1', 'v0.6.1']);
    assert.ok(
      item.runs.some((r) => r.commit === item.commits[0].sha && r.result === 'passed'),
      'the pipeline run that tested the fix',
    );

    const coupons = await traceFrom(ws.dir, { release: 'v0.3.0' }, records);
    assert.deepEqual(
      coupons.environments.map((e) => `${e.name} ${e.outcome}${e.rolledBackAt ? ' restored' : ''}`),
      ['staging rolled-back restored'],
    );
    // The SDK app reports its two errors (a TypeError three times, a RangeError once) from the release it runs.
    assert.deepEqual(coupons.errors.map((e) => [e.firstRelease, e.title.split(':')[0], e.count]).sort(), [
      ['shop@0.3.0', 'RangeError', 1],
      ['shop@0.3.0', 'TypeError', 3],
    ]);
    const errorTrace = await traceFrom(ws.dir, { errorId: coupons.errors[0].id }, records);
    assert.deepEqual(
      errorTrace.releases.map((r) => r.tag),
      ['v0.3.0'],
    );
    assert.deepEqual(
      errorTrace.commits.map((c) => c.subject),
      ['chore(release): v0.3.0', 'feat: coupons'],
    );

    // staging: v0.2.0 ✓, v0.3.0 ✗ (errors), v0.4.0 ✗ (uptime), v0.5.0 stopped (not counted), v0.6.0 ✓, v0.6.1 ✓, v0.6.2 ✗ (errors);
    // production: v0.2.0 ✓, v0.6.1 ✓.
    const metrics = await readDeliveryMetrics(ws.dir, { records });
    const byEnvironment = new Map(metrics.environments.map((e) => [e.environment, e.current]));
    const staging = byEnvironment.get('staging')!;
    const production = byEnvironment.get('production')!;
    assert.deepEqual([staging.deployments, staging.succeeded, staging.failed, staging.changeFailureRate], [6, 3, 3, 0.5]);
    assert.deepEqual([production.deployments, production.succeeded, production.failed, production.changeFailureRate], [2, 2, 0, 0]);
    assert.ok(staging.timeToRestoreMs !== undefined && staging.timeToRestoreMs > 0, 'three rollbacks restored staging');
    assert.equal(production.timeToRestoreMs, undefined, 'production never failed');
    assert.ok(production.leadTimeMs !== undefined && production.leadTimeMs > 0);
  });
});

function lineOf(marker: string): number {
  return (
    readFileSync(SENTRY_APP, 'utf8')
      .split('\n')
      .findIndex((line) => line.includes(marker)) + 1
  );
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
