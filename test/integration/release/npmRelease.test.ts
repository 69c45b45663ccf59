import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { releaseListCommand } from '../../../src/cli/releaseCli';
import { isServiceError } from '../../../src/core/errors';
import { describeFolder } from '../../../src/loop/folderStatus';
import { listReleaseRecords } from '../../../src/release/gitRelease';
import { readReleaseCatalog } from '../../../src/release/releaseCatalog';
import { executeRelease } from '../../../src/release/releaseFlow';
import type { ReleaseProgress } from '../../../src/release/releaseFlow';
import { planRelease } from '../../../src/release/releasePlan';
import { passPipeline, releaseGitState } from '../../support/releaseReady';
import { sampleWorkspaces } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';
import { startVerdaccio } from '../../support/verdaccio';
import type { LocalNpmRegistry } from '../../support/verdaccio';

const git = (ws: SampleWorkspace, ...args: string[]) => execFileSync('git', args, { cwd: ws.dir, encoding: 'utf8' }).trim();

interface Packument {
  'dist-tags': Record<string, string>;
  versions: Record<string, { dist: { integrity: string; shasum: string } }>;
}

async function packument(registry: LocalNpmRegistry, name: string): Promise<Packument> {
  const answer = await fetch(`${registry.url}${name.replace('/', '%2f')}`);
  assert.equal(answer.status, 200, `${name} is in the registry`);
  return (await answer.json()) as Packument;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('releases of npm packages against a real Verdaccio on loopback (integration)', function () {
  this.timeout(120_000);
  let registry: LocalNpmRegistry;
  let storage: string;
  const workspace = sampleWorkspaces();

  before(async () => {
    storage = mkdtempSync(path.join(os.tmpdir(), 'conveyor-npm-storage-'));
    registry = await startVerdaccio({ storage });
  });

  after(async () => {
    await registry?.close();
    rmSync(storage, { recursive: true, force: true });
  });

  /** A library: package.json without "private", a pipeline that passes, the registry in conveyor.yml. */
  function library(name: string, options: { registryUrl?: string; npmrcToken?: string; scripts?: Record<string, string> } = {}) {
    const ws = workspace(
      {
        'package.json': `${JSON.stringify({ name, version: '1.3.0', main: 'index.js', scripts: options.scripts }, null, 2)}\n`,
        'index.js': 'module.exports = () => "lib";\n',
        // The token in .npmrc stays out of git, as users keep it.
        '.gitignore': '.npmrc\n',
        'conveyor.yml': [
          'pipeline:',
          '  security: false',
          '  stages:',
          '    - { name: test, run: "true" }',
          'release:',
          '  npm:',
          `    registry: ${options.registryUrl ?? registry.url}`,
          '',
        ].join('\n'),
      },
      { git: true, name: name.replace(/^@.*\//, '') },
    );
    git(ws, 'config', 'user.name', 'Release Tester');
    git(ws, 'config', 'user.email', 'release@conveyor.invalid');
    if (options.npmrcToken) ws.write('.npmrc', `${registry.url.replace(/^http:/, '')}:_authToken=${options.npmrcToken}\n`);
    return ws;
  }

  it('releases a package-only folder: published with its dist-tag, the tag records the integrity, release list verifies it', async () => {
    const ws = library('@conveyor-test/lib', { npmrcToken: await registry.token() });
    await passPipeline(ws.dir);
    const steps: string[] = [];
    const plan = await planRelease(await describeFolder(ws.dir));
    assert.deepEqual(plan.package, {
      name: '@conveyor-test/lib',
      registry: registry.url,
      registrySource: 'conveyor.yml',
      distTag: 'latest',
    });
    assert.equal(plan.image, undefined);
    const record = await executeRelease(plan, { onProgress: (p: ReleaseProgress) => void (steps.at(-1) !== p.step && steps.push(p.step)) });
    assert.deepEqual(steps, ['gate', 'version', 'pack', 'publish-package', 'verify', 'tag']);

    const published = await packument(registry, '@conveyor-test/lib');
    assert.equal(published['dist-tags'].latest, '1.4.0');
    assert.match(published.versions['1.4.0'].dist.integrity, /^sha512-/);
    assert.deepEqual(record.package, {
      name: '@conveyor-test/lib',
      version: '1.4.0',
      registry: registry.url,
      distTag: 'latest',
      integrity: published.versions['1.4.0'].dist.integrity,
    });
    const [tag] = await listReleaseRecords(ws.dir);
    assert.deepEqual([tag.tag, tag.commit], ['v1.4.0', record.commit]);
    assert.deepEqual(tag.record?.package, record.package, 'the annotated tag holds the package record');
    assert.match(git(ws, 'show', 'HEAD:package.json'), /"version": "1\.4\.0"/);

    let listed = '';
    assert.equal(await releaseListCommand(ws.dir, false, (text) => (listed += text)), 0);
    assert.match(listed, /^v1\.4\.0\s+[0-9a-f]{7}\s+\d{4}-\d\d-\d\d\s+@conveyor-test\/lib@1\.4\.0 sha512-.*…\s+verified$/m);

    // Someone rewrites the registry's record of the version: the list shows it, and exits 1.
    const stored = path.join(storage, '@conveyor-test', 'lib', 'package.json');
    const tampered = JSON.parse(readFileSync(stored, 'utf8')) as Packument;
    const other = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
    tampered.versions['1.4.0'].dist.integrity = other;
    writeFileSync(stored, JSON.stringify(tampered));
    const catalog = await readReleaseCatalog(ws.dir, undefined, undefined);
    assert.deepEqual([catalog.releases[0].packageCheck, catalog.releases[0].registryIntegrity], ['mismatch', other]);
    listed = '';
    assert.equal(await releaseListCommand(ws.dir, false, (text) => (listed += text)), 1);
    assert.match(listed, /mismatch \(registry has sha512-/);

    delete tampered.versions['1.4.0'];
    writeFileSync(stored, JSON.stringify(tampered));
    assert.equal((await readReleaseCatalog(ws.dir, undefined, undefined)).releases[0].packageCheck, 'missing');
  });

  it('publishes with a stored token passed through the environment, and says what to do without one', async () => {
    const ws = library('token-lib');
    await passPipeline(ws.dir);
    const before = releaseGitState(ws.dir);
    const plan = await planRelease(await describeFolder(ws.dir));
    await assert.rejects(executeRelease(plan), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`${registry.url}.* did not accept a token to publish token-lib@1\\.4\\.0 .*Set npm Registry Token`),
      );
      assert.ok(isServiceError(error.cause, 'unauthorized'), 'the UI can offer the token command');
      return true;
    });
    assert.deepEqual(releaseGitState(ws.dir), before, 'the release commit was undone');

    const wrong = 'not-a-token-of-this-registry';
    await assert.rejects(executeRelease(plan, { npmToken: wrong }), (error: Error) => {
      assert.match(error.message, /token-lib@1\.4\.0/);
      assert.doesNotMatch(error.message, new RegExp(wrong));
      return true;
    });
    assert.deepEqual(releaseGitState(ws.dir), before);

    const record = await executeRelease(plan, { npmToken: await registry.token() });
    assert.equal(record.package?.integrity, (await packument(registry, 'token-lib')).versions['1.4.0'].dist.integrity);
    assert.equal(git(ws, 'tag', '--list'), 'v1.4.0');
  });

  it('refuses a version the registry already has, before changing anything', async () => {
    const token = await registry.token();
    const first = library('taken-lib', { npmrcToken: token });
    await passPipeline(first.dir);
    await executeRelease(await planRelease(await describeFolder(first.dir)));

    const again = library('taken-lib', { npmrcToken: token });
    await passPipeline(again.dir);
    const before = releaseGitState(again.dir);
    await assert.rejects(
      executeRelease(await planRelease(await describeFolder(again.dir))),
      /already has taken-lib@1\.4\.0: a registry never takes a version twice, so release the next version/,
    );
    assert.deepEqual(releaseGitState(again.dir), before);
  });

  it('says so when the version is published meanwhile, and undoes the release commit', async () => {
    const token = await registry.token();
    // Another publisher wins the race: the package's own prepack publishes the version first.
    const ws = library('raced-lib', {
      npmrcToken: token,
      scripts: { prepack: `npm publish --ignore-scripts --registry ${registry.url}` },
    });
    await passPipeline(ws.dir);
    const before = releaseGitState(ws.dir);
    await assert.rejects(executeRelease(await planRelease(await describeFolder(ws.dir))), (error: Error) => {
      assert.match(error.message, /already has raced-lib@1\.4\.0: a registry never takes a version twice/);
      assert.ok(isServiceError(error.cause, 'conflict'));
      return true;
    });
    assert.deepEqual(releaseGitState(ws.dir), before, 'no release commit, no tag');
  });

  it('says clearly that the version was published when tagging fails after it', async () => {
    const ws = library('tagless-lib', { npmrcToken: await registry.token() });
    await passPipeline(ws.dir);
    const before = releaseGitState(ws.dir);
    // Someone else tags v1.4.0 (on a commit outside this history) while this release publishes: tagging trips over it.
    const tagMeanwhile = (p: ReleaseProgress) => {
      if (p.step === 'tag') git(ws, 'tag', 'v1.4.0', git(ws, 'commit-tree', 'HEAD^{tree}', '-m', 'elsewhere'));
    };
    await assert.rejects(executeRelease(await planRelease(await describeFolder(ws.dir)), { onProgress: tagMeanwhile }), (error: Error) => {
      assert.match(
        error.message,
        /^tagless-lib@1\.4\.0 \(to http:\/\/127\.0\.0\.1:\d+\/\) was published, and a registry never takes a version back, but the release failed after that: Tag v1\.4\.0 already exists/,
      );
      return true;
    });
    git(ws, 'tag', '--delete', 'v1.4.0');
    assert.deepEqual(releaseGitState(ws.dir), before, 'the release commit was undone');
    assert.match((await packument(registry, 'tagless-lib')).versions['1.4.0'].dist.integrity, /^sha512-/);
  });

  it('stops before changing anything when the registry does not answer', async () => {
    const ws = library('lonely-lib', { registryUrl: `http://127.0.0.1:${await closedPort()}/` });
    await passPipeline(ws.dir);
    const before = releaseGitState(ws.dir);
    await assert.rejects(executeRelease(await planRelease(await describeFolder(ws.dir))), (error: Error) => {
      assert.match(error.message, /^Cannot reach the npm registry http:\/\/127\.0\.0\.1:\d+\/: connection refused/);
      return true;
    });
    assert.deepEqual(releaseGitState(ws.dir), before);
  });

  it('tags a release on a registry that wants a token to read, when only npm’s .npmrc has one', async () => {
    const closed = await startVerdaccio({ readAccess: '$authenticated' });
    try {
      const ws = library('closed-lib', { registryUrl: closed.url });
      ws.write('.npmrc', `${closed.url.replace(/^http:/, '')}:_authToken=${await closed.token()}\n`);
      await passPipeline(ws.dir);
      assert.equal((await fetch(`${closed.url}closed-lib`)).status, 401, 'reads need a token');
      const messages: string[] = [];
      const record = await executeRelease(await planRelease(await describeFolder(ws.dir)), {
        onProgress: (p: ReleaseProgress) => void messages.push(p.message),
      });
      assert.equal(git(ws, 'tag', '--list'), 'v1.4.0');
      assert.match(record.package?.integrity ?? '', /^sha512-/);
      assert.ok(!messages.some((m) => /could not be verified/.test(m)), 'npm view, with the .npmrc token, verified the copy');
    } finally {
      await closed.close();
    }
  });

  it('with a stored token, keeps the user’s userconfig but not a scope mapping that points elsewhere', async () => {
    const ws = library('@scoped-test/lib');
    await passPipeline(ws.dir);
    const userconfig = path.join(ws.dir, '..', `userconfig-${process.pid}`);
    writeFileSync(userconfig, `@scoped-test:registry=http://127.0.0.1:${await closedPort()}/\n`);
    const saved = process.env.NPM_CONFIG_USERCONFIG;
    process.env.NPM_CONFIG_USERCONFIG = userconfig;
    try {
      const record = await executeRelease(await planRelease(await describeFolder(ws.dir)), { npmToken: await registry.token() });
      assert.equal(record.package?.integrity, (await packument(registry, '@scoped-test/lib')).versions['1.4.0'].dist.integrity);
    } finally {
      if (saved === undefined) delete process.env.NPM_CONFIG_USERCONFIG;
      else process.env.NPM_CONFIG_USERCONFIG = saved;
      rmSync(userconfig, { force: true });
    }
  });

  it('publishes a prerelease under the next dist-tag, leaving latest alone', async () => {
    const ws = library('pre-lib', { npmrcToken: await registry.token() });
    await passPipeline(ws.dir);
    await executeRelease(await planRelease(await describeFolder(ws.dir)));
    ws.write('index.js', 'module.exports = () => "lib 2";\n');
    git(ws, 'commit', '-qam', 'feat!: a new shape');
    await passPipeline(ws.dir);
    const plan = await planRelease(await describeFolder(ws.dir), { version: '2.0.0-rc.1' });
    assert.equal(plan.package?.distTag, 'next');
    const record = await executeRelease(plan);
    assert.equal(record.package?.distTag, 'next');
    assert.deepEqual((await packument(registry, 'pre-lib'))['dist-tags'], { latest: '1.4.0', next: '2.0.0-rc.1' });
  });
});
