// Pinning and refreshing base images against the real test engine and registries (scripts/docker): the digest
// a pin writes is the one `docker push` reported, a re-pushed tag lands on a fix/base-images-<date> branch
// as one commit, and a registry that cannot answer changes nothing.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RegistryAccount, RegistryOptions } from '../../../scripts/docker/dockerHost';
import { refreshBaseImages } from '../../../src/loop/baseImageRefresh';
import { applyReferenceEdits, readBaseImages, unpinned } from '../../../src/release/image/baseImages';
import { pinEdit, registryDigestSources, trackedDockerfiles } from '../../../src/release/image/baseImageDigests';
import type { DigestSourceFor } from '../../../src/release/image/baseImageDigests';
import { readDockerCredentials } from '../../../src/release/registry/dockerConfig';
import { registryDigest } from '../../support/registryDigest';
import { registryError } from '../../support/registryError';
import { pushTestImage, useRegistryTestbed } from '../../support/registryImages';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

const FIRST = 'conveyor-test/base:first';
const SECOND = 'conveyor-test/base:second';
const ACCOUNT: RegistryAccount = { user: 'base-bot', password: 'pinned and refreshed' };
const TODAY = new Date('2026-12-03T09:30:00Z');
/** No Docker config: these registries are anonymous unless a test hands credentials over. */
const anonymous = (): DigestSourceFor => registryDigestSources(() => Promise.resolve(undefined));

describe('base images against a real registry (integration)', function () {
  this.timeout(180_000);
  const testbed = useRegistryTestbed({ [FIRST]: 'first', [SECOND]: 'second' });
  const started = (options?: RegistryOptions) => testbed.startRegistry(options);
  const workspaces: SampleWorkspace[] = [];
  after(() => workspaces.forEach((ws) => ws.remove()));

  const project = (dockerfile: string) => {
    const ws = sampleWorkspace({ Dockerfile: dockerfile, 'src/app.js': 'console.log("app");\n' }, { git: true });
    workspaces.push(ws);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, encoding: 'utf8' }).trim();
    git('config', 'user.name', 'Conveyor Test');
    git('config', 'user.email', 'test@conveyor.invalid');
    const read = () => readFileSync(path.join(ws.dir, 'Dockerfile'), 'utf8');
    return { ws, git, read };
  };

  /** Pins every unpinned FROM line of the project's Dockerfile and commits it, as a user would. */
  const pinAndCommit = async (p: ReturnType<typeof project>, sources: DigestSourceFor) => {
    const text = p.read();
    const edits = await Promise.all(unpinned(readBaseImages(text)).map((from) => pinEdit(from, 'Dockerfile', sources)));
    writeFileSync(path.join(p.ws.dir, 'Dockerfile'), applyReferenceEdits(text, edits));
    p.git('commit', '-q', '-am', 'build: pin base images');
  };

  it('pins to the digest the push reported, refreshes a re-pushed tag on its own branch, then finds everything current', async () => {
    const registry = await started();
    const first = await pushTestImage(testbed.docker(), FIRST, registry, 'base', '1');
    const p = project(
      `# the app\nFROM --platform=linux/amd64 ${registry.host}/base:1 AS build\nRUN true\n\nFROM scratch\nCOPY --from=build /app /app\n`,
    );

    await pinAndCommit(p, anonymous());
    assert.equal(await registryDigest(registry, 'base', '1'), first, 'the registry serves what the push reported');
    assert.equal(
      p.read(),
      `# the app\nFROM --platform=linux/amd64 ${registry.host}/base:1@${first} AS build\nRUN true\n\nFROM scratch\nCOPY --from=build /app /app\n`,
    );

    const second = await pushTestImage(testbed.docker(), SECOND, registry, 'base', '1');
    assert.notEqual(second, first, 'a different image under the same tag');
    const pinned = p.git('rev-parse', 'HEAD');
    const refresh = await refreshBaseImages({
      folder: p.ws.dir,
      dockerfiles: await trackedDockerfiles(p.ws.dir),
      sources: anonymous(),
      today: TODAY,
    });

    assert.equal(refresh.landed?.branch, 'fix/base-images-2026-12-03');
    assert.equal(refresh.landed.previousBranch, 'main');
    assert.deepEqual(refresh.landed.changedFiles, ['Dockerfile']);
    assert.equal(p.git('rev-parse', '--abbrev-ref', 'HEAD'), 'fix/base-images-2026-12-03');
    assert.equal(p.git('rev-list', '--count', `${pinned}..HEAD`), '1', 'one commit on the branch');
    assert.ok(p.read().includes(`${registry.host}/base:1@${second} AS build`), p.read());
    const short = (digest: string) => `sha256:${digest.slice('sha256:'.length, 'sha256:'.length + 12)}`;
    assert.equal(
      p.git('log', '-1', '--format=%B'),
      `fix(docker): refresh base images\n\n- ${registry.host}/base:1: ${short(first)} → ${short(second)} (Dockerfile:2)`,
    );
    assert.equal(p.git('status', '--porcelain'), '');

    const again = await refreshBaseImages({ folder: p.ws.dir, dockerfiles: ['Dockerfile'], sources: anonymous(), today: TODAY });
    assert.equal(again.landed, undefined);
    assert.equal(again.summary, 'All base images are current (1 pinned base image(s) checked).');
    assert.equal(p.git('branch', '--list', 'fix/*'), '* fix/base-images-2026-12-03', 'no second branch');
  });

  it('a registry that is down, and a tag it does not have: a clear message, the Dockerfile byte-identical, no branch', async () => {
    const registry = await started();
    const digest = await pushTestImage(testbed.docker(), FIRST, registry, 'base', '1');
    const p = project(`FROM ${registry.host}/base:1@${digest}\r\nFROM ${registry.host}/base:9@${digest}\r\n`);
    const before = p.read();

    const missing = await registryError(
      refreshBaseImages({ folder: p.ws.dir, dockerfiles: ['Dockerfile'], sources: anonymous(), today: TODAY }),
    );
    assert.equal(missing.kind, 'not-found');
    assert.equal(missing.message, `${registry.host}/base:9 (Dockerfile, line 2): ${registry.host} has no tag 9 of base`);
    const [unpinnedMissing] = unpinned(readBaseImages(`FROM ${registry.host}/base:9\n`));
    const pinMissing = await registryError(pinEdit(unpinnedMissing, 'Dockerfile', anonymous()));
    assert.equal(pinMissing.message, `${registry.host}/base:9 (Dockerfile, line 1): ${registry.host} has no tag 9 of base`);

    await registry.stop();
    const down = await registryError(
      refreshBaseImages({ folder: p.ws.dir, dockerfiles: ['Dockerfile'], sources: anonymous(), today: TODAY }),
    );
    assert.equal(down.kind, 'unreachable');
    assert.equal(down.message, `${registry.host}/base:1 (Dockerfile, line 1): Cannot reach registry ${registry.host}: connection refused`);

    assert.equal(p.read(), before, 'byte-identical, CRLF included');
    assert.equal(p.git('rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    assert.equal(p.git('branch', '--list', 'fix/*'), '');
    assert.equal(p.git('status', '--porcelain'), '');
  });

  it('token-auth registry: pins through the credentials in the Docker config; without them, says sign-in is needed', async () => {
    const registry = await started({ tokenAuth: ACCOUNT });
    const digest = await pushTestImage(testbed.docker(), FIRST, registry, 'team/base', '1', ACCOUNT);
    const p = project(`FROM ${registry.host}/team/base:1\n`);
    const before = p.read();

    const refused = await registryError(pinAndCommit(p, anonymous()));
    assert.equal(refused.kind, 'unauthorized');
    assert.match(refused.message, new RegExp(`^${registry.host}/team/base:1 \\(Dockerfile, line 1\\): .*requires sign-in`));
    assert.equal(p.read(), before);

    const configDir = mkdtempSync(path.join(tmpdir(), 'cnv-docker-config-'));
    try {
      const configPath = path.join(configDir, 'config.json');
      const auth = Buffer.from(`${ACCOUNT.user}:${ACCOUNT.password}`).toString('base64');
      writeFileSync(configPath, JSON.stringify({ auths: { [registry.host]: { auth } } }));
      await pinAndCommit(
        p,
        registryDigestSources((host) => readDockerCredentials(host, configPath)),
      );
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
    assert.equal(p.read(), `FROM ${registry.host}/team/base:1@${digest}\n`);
  });
});
