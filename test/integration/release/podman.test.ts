// Podman as the engine: Debian's podman serving the Docker-compatible API (`podman system service` on a
// private socket), reached the way a user points Conveyor at it, DOCKER_HOST=unix://…/podman.sock. The CLI's
// release builds, tags and pushes through it to an htpasswd registry, and release list verifies the digest.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { ensureBaseImage, startPodmanEngine, startRegistry } from '../../../scripts/docker/dockerHost';
import type { DockerEngine, LocalRegistry, RegistryAccount } from '../../../scripts/docker/dockerHost';
import { releaseCommand, releaseListCommand } from '../../../src/cli/releaseCli';
import type { ReleaseCatalog } from '../../../src/release/releaseCatalog';
import type { ReleaseRecord } from '../../../src/release/releaseRecord';
import { cli } from '../../support/cliRun';
import { registryDigest } from '../../support/registryDigest';
import { imageProjectFiles, passPipeline, releaseGitState, withCommitter } from '../../support/releaseReady';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

const ACCOUNT: RegistryAccount = { user: 'podman-bot', password: 'pushed through podman' };
const ENV_KEYS = ['DOCKER_CONFIG', 'DOCKER_HOST'] as const;

describe('Podman: release through podman system service (integration, real podman and registry)', function () {
  this.timeout(240_000);
  let podman: DockerEngine;
  let registry: LocalRegistry;
  let dir: string;
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
  const workspace = sampleWorkspaces();

  const project = (name: string, dockerfile: string) =>
    withCommitter(workspace(imageProjectFiles(registry.host, name, dockerfile), { git: true }));
  const release = (folder: string) =>
    cli((write) => releaseCommand({ folder, push: false, dryRun: false, yes: true, json: true, tty: false, write }));

  before(async () => {
    for (const key of ENV_KEYS) saved[key] = process.env[key];
    registry = await startRegistry({ htpasswd: ACCOUNT });
    podman = await startPodmanEngine({ insecureRegistries: [registry.host] });
    await ensureBaseImage(podman);
    dir = mkdtempSync(path.join(tmpdir(), 'cnv-podman-test-'));
    mkdirSync(path.join(dir, 'docker'));
    writeFileSync(
      path.join(dir, 'docker', 'config.json'),
      JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${ACCOUNT.user}:${ACCOUNT.password}`).toString('base64') } } }),
    );
    Object.assign(process.env, { DOCKER_CONFIG: path.join(dir, 'docker'), DOCKER_HOST: podman.dockerHost });
  });

  after(async () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await registry?.stop();
    await podman?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the engine is Podman, not dockerd', async () => {
    const version = await new Docker({ socketPath: podman.socket }).version();
    assert.ok(
      version.Components?.some((c) => c.Name === 'Podman Engine'),
      JSON.stringify(version.Components?.map((c) => c.Name)),
    );
  });

  it('conveyor release builds (RUN and COPY steps), tags and pushes with the registry login; release list verifies the digest', async () => {
    const ws = project('podman-shop', 'FROM conveyor-base:busybox\nCOPY src /app\nRUN echo built > /app/built.txt\n');
    await passPipeline(ws.dir);
    const released = await release(ws.dir);
    assert.equal(released.code, 0, released.stderr);
    const record = JSON.parse(released.stdout) as ReleaseRecord;
    assert.equal(record.version, '1.4.0');
    assert.equal(record.image?.repository, `${registry.host}/podman-shop`);
    assert.deepEqual(record.image?.tags, ['1.4.0', `sha-${record.commit.slice(0, 7)}`]);
    assert.match(record.image?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(record.image?.digest, await registryDigest(registry, 'podman-shop', '1.4.0', ACCOUNT), 'the registry’s own digest');
    assert.equal(await registryDigest(registry, 'podman-shop', `sha-${record.commit.slice(0, 7)}`, ACCOUNT), record.image?.digest);

    const labels = (await new Docker({ socketPath: podman.socket }).getImage(`${registry.host}/podman-shop:1.4.0`).inspect()).Config.Labels;
    assert.equal(labels['org.opencontainers.image.revision'], record.commit);

    const listed = await cli((write) => releaseListCommand(ws.dir, true, write));
    assert.equal(listed.code, 0, listed.stderr);
    const catalog = JSON.parse(listed.stdout) as ReleaseCatalog;
    assert.deepEqual(
      catalog.releases.map((r) => [r.tag, r.check]),
      [['v1.4.0', 'verified']],
    );
  });

  it('a failing RUN step is reported with Podman’s step and words, and nothing is released', async () => {
    const ws = project('podman-broken', 'FROM conveyor-base:busybox\nRUN echo about to fail && exit 3\n');
    await passPipeline(ws.dir);
    const before = releaseGitState(ws.dir);
    const failed = await release(ws.dir);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^conveyor: The image build failed at STEP 2\/\d+: RUN echo about to fail && exit 3: .*exit status 3/m);
    assert.deepEqual(releaseGitState(ws.dir), before, 'nothing committed or tagged');
    assert.equal(await registryDigest(registry, 'podman-broken', '1.4.0', ACCOUNT), null);
  });
});
