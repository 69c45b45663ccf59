// Registry credentials kept by a real Docker credential helper: Debian's docker-credential-pass over pass and a
// throwaway GPG key, against an htpasswd registry. The CLI's release (push) and release list (registry check)
// find them as the docker CLI would, from DOCKER_CONFIG's credsStore or credHelpers.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureBaseImage, startDockerEngine, startRegistry } from '../../../scripts/docker/dockerHost';
import type { DockerEngine, LocalRegistry, RegistryAccount } from '../../../scripts/docker/dockerHost';
import { DOCKER_TOOLS } from '../../../scripts/docker/tools';
import { releaseCommand, releaseListCommand } from '../../../src/cli/releaseCli';
import type { ReleaseCatalog } from '../../../src/release/releaseCatalog';
import type { ReleaseRecord } from '../../../src/release/releaseRecord';
import { cli } from '../../support/cliRun';
import type { CliRun } from '../../support/cliRun';
import { registryDigest } from '../../support/registryDigest';
import { imageProjectFiles, passPipeline, releaseGitState, withCommitter } from '../../support/releaseReady';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

const ACCOUNT: RegistryAccount = { user: 'release-bot', password: 'kept-in-pass only' };
const WRONG = { user: 'release-bot', password: 'stale-plaintext' };
/** What the helper, pass and gpg read: the test's own store and keyring, and the test's Docker config. */
const ENV_KEYS = ['GNUPGHOME', 'PASSWORD_STORE_DIR', 'DOCKER_CONFIG', 'DOCKER_HOST'] as const;

describe('Docker credential helpers: docker-credential-pass with a real registry (integration)', function () {
  this.timeout(240_000);
  let engine: DockerEngine;
  let registry: LocalRegistry;
  /** A second htpasswd registry whose credentials the helper does not have. */
  let unknownRegistry: LocalRegistry;
  let dir: string;
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
  const workspace = sampleWorkspaces();
  const helperEnv = () => ({ ...process.env, GNUPGHOME: path.join(dir, 'gnupg'), PASSWORD_STORE_DIR: path.join(dir, 'store') });

  const dockerConfig = (config: object) => writeFileSync(path.join(dir, 'docker', 'config.json'), JSON.stringify(config));
  const project = (target: LocalRegistry, name: string) => withCommitter(workspace(imageProjectFiles(target.host, name), { git: true }));
  const release = (folder: string) =>
    cli((write) => releaseCommand({ folder, push: false, dryRun: false, yes: true, json: true, tty: false, write }));
  const list = (folder: string, json: boolean) => cli((write) => releaseListCommand(folder, json, write));

  /** Releases a fresh project through the CLI; the push and the registry check must both sign in. */
  async function releaseThroughHelper(name: string): Promise<void> {
    const ws = project(registry, name);
    await passPipeline(ws.dir);
    const released = await release(ws.dir);
    assert.equal(released.code, 0, released.stderr);
    assert.equal(released.stderr, '', 'nothing to report: the helper had the credentials');
    const record = JSON.parse(released.stdout) as ReleaseRecord;
    assert.equal(record.image?.repository, `${registry.host}/${name}`);
    assert.equal(record.image?.digest, await registryDigest(registry, name, '1.4.0', ACCOUNT));

    const listed = await list(ws.dir, true);
    assert.equal(listed.code, 0, listed.stderr);
    const catalog = JSON.parse(listed.stdout) as ReleaseCatalog;
    assert.equal(catalog.registryError, undefined);
    assert.deepEqual(
      catalog.releases.map((r) => [r.tag, r.check]),
      [['v1.4.0', 'verified']],
      'the registry check read the digest with the helper’s credentials',
    );
  }

  before(async () => {
    for (const key of ENV_KEYS) saved[key] = process.env[key];
    for (const tool of [DOCKER_TOOLS.credentialPass, DOCKER_TOOLS.pass, DOCKER_TOOLS.gpg]) {
      assert.ok(
        execFileSync('sh', ['-c', `command -v ${tool} || true`], { encoding: 'utf8' }).trim(),
        `${tool} is missing: run node --import tsx scripts/setup.ts integration`,
      );
    }
    dir = mkdtempSync(path.join(tmpdir(), 'cnv-cred-helper-'));
    mkdirSync(path.join(dir, 'gnupg'), { mode: 0o700 });
    mkdirSync(path.join(dir, 'docker'));
    [engine, registry, unknownRegistry] = await Promise.all([
      startDockerEngine(),
      startRegistry({ htpasswd: ACCOUNT }),
      startRegistry({ htpasswd: ACCOUNT }),
    ]);
    await ensureBaseImage(engine);

    // A throwaway key without a passphrase, a pass store for it, and the registry's password in that store.
    const env = helperEnv();
    execFileSync(
      'gpg',
      ['--batch', '--passphrase', '', '--quick-gen-key', 'Conveyor Test <test@conveyor.invalid>', 'default', 'default', 'never'],
      {
        env,
        stdio: 'ignore',
      },
    );
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(
      execFileSync('gpg', ['--list-keys', '--with-colons'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    )?.[1];
    assert.ok(fingerprint, 'gpg made a key');
    execFileSync('pass', ['init', fingerprint], { env, stdio: 'ignore' });
    execFileSync('docker-credential-pass', ['store'], {
      env,
      input: JSON.stringify({ ServerURL: registry.host, Username: ACCOUNT.user, Secret: ACCOUNT.password }),
    });

    Object.assign(process.env, {
      GNUPGHOME: env.GNUPGHOME,
      PASSWORD_STORE_DIR: env.PASSWORD_STORE_DIR,
      DOCKER_CONFIG: path.join(dir, 'docker'),
      DOCKER_HOST: `unix://${engine.socket}`,
    });
  });

  after(async () => {
    // The gpg-agent that decrypting started lives on past the test unless its own GNUPGHOME tells it to go.
    if (dir) execFileSync('gpgconf', ['--kill', 'all'], { env: helperEnv(), stdio: 'ignore' });
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await Promise.all([registry?.stop(), unknownRegistry?.stop()]);
    await engine?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('credsStore: pass — the release pushes and the registry check verifies with the credentials pass keeps', async () => {
    // A stale plaintext entry is ignored, as the docker CLI ignores it once a helper is named.
    dockerConfig({
      auths: { [registry.host]: { auth: Buffer.from(`${WRONG.user}:${WRONG.password}`).toString('base64') } },
      credsStore: 'pass',
    });
    await releaseThroughHelper('via-creds-store');
  });

  it('credHelpers: {host: pass} — wins over a credsStore that is not even installed', async () => {
    dockerConfig({ credHelpers: { [registry.host]: 'pass' }, credsStore: 'not-installed' });
    await releaseThroughHelper('via-cred-helpers');
  });

  it('a helper that is missing or fails is named with the host: nothing is released, and the registry check says why', async () => {
    const ws = project(registry, 'not-released');
    await passPipeline(ws.dir);
    const before = releaseGitState(ws.dir);
    const missingMessage = `docker-credential-desktop, the Docker credential helper for ${registry.host}, is not installed (not found on PATH): install it or remove it from your Docker config`;

    dockerConfig({ credsStore: 'desktop' });
    const missing = await release(ws.dir);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `conveyor: ${missingMessage}\n`);
    assert.deepEqual(releaseGitState(ws.dir), before, 'nothing committed or tagged');

    // The keyring without the key: pass cannot decrypt, the helper exits 1 with gpg's words.
    mkdirSync(path.join(dir, 'empty-gnupg'), { mode: 0o700 });
    dockerConfig({ credHelpers: { [registry.host]: 'pass' } });
    process.env.GNUPGHOME = path.join(dir, 'empty-gnupg');
    let failing: CliRun;
    try {
      failing = await release(ws.dir);
    } finally {
      execFileSync('gpgconf', ['--kill', 'all'], { env: process.env, stdio: 'ignore' });
      process.env.GNUPGHOME = path.join(dir, 'gnupg');
    }
    assert.equal(failing.code, 1);
    assert.match(
      failing.stderr,
      new RegExp(
        `^conveyor: docker-credential-pass, the Docker credential helper for ${registry.host.replace(/\./g, '\\.')}, failed \\(exit code 1: .*gpg: decryption failed: No secret key\\)\\n$`,
      ),
    );
    assert.ok(!failing.stderr.includes(ACCOUNT.password));
    assert.deepEqual(releaseGitState(ws.dir), before);

    // An earlier release to list, then the registry check with the helper gone.
    dockerConfig({ credsStore: 'pass' });
    assert.equal((await release(ws.dir)).code, 0);
    dockerConfig({ credsStore: 'desktop' });
    const listed = await list(ws.dir, false);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^v1\.4\.0 .*unchecked$/m);
    assert.match(listed.stdout, new RegExp(`^Registry not checked: ${missingMessage.replace(/[.()]/g, '\\$&')}$`, 'm'));
  });

  it('a helper without credentials for the host: the CLI says which helper to log in with, the registry asks for sign-in', async () => {
    dockerConfig({ credHelpers: { [unknownRegistry.host]: 'pass' } });
    const ws = project(unknownRegistry, 'no-login');
    await passPipeline(ws.dir);
    const before = releaseGitState(ws.dir);
    const refused = await release(ws.dir);
    assert.equal(refused.code, 1);
    const configPath = path.join(dir, 'docker', 'config.json');
    assert.equal(
      refused.stderr.split('\n')[0],
      `conveyor: docker-credential-pass (credHelpers in ${configPath}) has no credentials for ${unknownRegistry.host}: run \`docker login ${unknownRegistry.host}\``,
    );
    assert.match(refused.stderr.split('\n')[1], new RegExp(`requires sign-in .*\\(401\\): run \`docker login ${unknownRegistry.host}\``));
    assert.deepEqual(releaseGitState(ws.dir), before);
  });
});
