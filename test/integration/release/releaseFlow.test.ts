import { registryDigest } from '../../support/registryDigest';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { ensureBaseImage, startDockerEngine, startRegistry } from '../../../scripts/docker/dockerHost';
import type { DockerEngine, LocalRegistry } from '../../../scripts/docker/dockerHost';
import { describeFolder } from '../../../src/loop/folderStatus';
import { listReleaseRecords, pushRelease } from '../../../src/release/gitRelease';
import { readReleaseCatalog } from '../../../src/release/releaseCatalog';
import { packBuildContext } from '../../../src/release/image/buildContext';
import { buildImage, pushImage } from '../../../src/release/image/imageEngine';
import { executeRelease } from '../../../src/release/releaseFlow';
import type { ReleaseProgress } from '../../../src/release/releaseFlow';
import { gateProblem, imageTarget, planRelease, ReleaseError } from '../../../src/release/releasePlan';
import { RegistryClient } from '../../../src/release/registry/registryClient';
import { passPipeline, releaseGitState } from '../../support/releaseReady';
import { sampleWorkspaces } from '../../support/sampleWorkspace';
import { startVerdaccio } from '../../support/verdaccio';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

const git = (ws: SampleWorkspace, ...args: string[]) => execFileSync('git', args, { cwd: ws.dir, encoding: 'utf8' }).trim();

function project(registry: LocalRegistry, name: string, dockerfile: string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    'package.json': '{\n  "name": "shop",\n  "version": "1.3.0",\n  "private": true\n}\n',
    Dockerfile: [...dockerfile, ''].join('\n'),
    '.dockerignore': 'secrets.txt\n.git\n',
    '.gitignore': 'secrets.txt\n',
    'conveyor.yml': [
      'pipeline:',
      '  security: false',
      '  stages:',
      '    - { name: test, run: "true" }',
      'image:',
      `  name: ${name}`,
      `  registry: ${registry.host}`,
      '',
    ].join('\n'),
    'src/app.js': 'console.log("shop");\n',
    ...extra,
  };
}

describe('releases against a real Docker engine and registry (integration)', function () {
  this.timeout(180_000);
  let engine: DockerEngine;
  let registry: LocalRegistry;
  let docker: Docker;
  const workspace = sampleWorkspaces();

  before(async () => {
    engine = await startDockerEngine();
    await ensureBaseImage(engine);
    registry = await startRegistry();
    docker = new Docker({ socketPath: engine.socket });
  });

  after(async () => {
    await registry?.stop();
    await engine?.stop();
  });

  const sample = (files: Record<string, string>) => {
    const ws = workspace(files, { git: true });
    git(ws, 'config', 'user.name', 'Release Tester');
    git(ws, 'config', 'user.email', 'release@conveyor.invalid');
    return ws;
  };

  it('refuses a commit the pipeline did not mark ready, and a dirty tree, changing nothing', async () => {
    const ws = sample(project(registry, 'gated', ['FROM conveyor-base:busybox']));
    const before = releaseGitState(ws.dir);
    const plan = await planRelease(await describeFolder(ws.dir));
    assert.equal(plan.version, '1.4.0', 'feat: sample project → minor');
    assert.equal(gateProblem(plan)?.kind, 'gate');
    await assert.rejects(executeRelease(plan, { docker }), /is not marked ready for release/);
    assert.deepEqual(releaseGitState(ws.dir), before);

    await passPipeline(ws.dir);
    ws.write('src/app.js', 'console.log("changed");\n');
    const dirty = await planRelease(await describeFolder(ws.dir));
    await assert.rejects(executeRelease(dirty, { docker, override: { reason: 'try' } }), /uncommitted changes \(src\/app\.js\)/);
    assert.equal(git(ws, 'tag', '--list'), '');
  });

  it('cuts a release: version and CHANGELOG committed, image built with OCI labels and pushed, tag records the registry’s digest', async () => {
    const ws = sample(
      project(registry, 'shop-api', ['FROM conveyor-base:busybox', 'COPY . /app', 'RUN echo built > /app/built.txt'], {
        'secrets.txt': 'not for the image\n',
      }),
    );
    await passPipeline(ws.dir);
    const tested = git(ws, 'rev-parse', 'HEAD');
    const steps = new Set<string>();
    const layers = new Set<string>();
    const plan = await planRelease(await describeFolder(ws.dir));
    const record = await executeRelease(plan, {
      docker,
      onProgress: (p: ReleaseProgress) => {
        steps.add(p.step);
        if (p.layer) layers.add(p.layer.id);
      },
    });
    assert.deepEqual([...steps], ['gate', 'version', 'build', 'push', 'verify', 'tag']);
    assert.ok(layers.size >= 1, 'per-layer push progress arrived');
    assert.equal(record.version, '1.4.0');
    assert.equal(record.testedCommit, tested);
    assert.notEqual(record.commit, tested, 'a release commit carries the version files');
    assert.equal(git(ws, 'rev-parse', 'HEAD'), record.commit);
    assert.equal(git(ws, 'show', '--format=%s', '--no-patch', 'HEAD'), 'chore(release): v1.4.0');
    assert.match(readFileSync(path.join(ws.dir, 'package.json'), 'utf8'), /"version": "1\.4\.0"/);
    assert.match(readFileSync(path.join(ws.dir, 'CHANGELOG.md'), 'utf8'), /## 1\.4\.0 .*\n\n### Features\n\n- sample project/);

    assert.equal(record.image?.repository, `${registry.host}/shop-api`);
    assert.deepEqual(record.image?.tags, ['1.4.0', `sha-${record.commit.slice(0, 7)}`]);
    assert.equal(
      record.image?.digest,
      await registryDigest(registry, 'shop-api', '1.4.0'),
      'the recorded digest is the registry’s Docker-Content-Digest',
    );
    assert.equal(await registryDigest(registry, 'shop-api', `sha-${record.commit.slice(0, 7)}`), record.image?.digest);

    const [tag] = await listReleaseRecords(ws.dir);
    assert.equal(tag.tag, 'v1.4.0');
    assert.deepEqual(tag.record?.image, record.image);
    assert.equal(tag.commit, record.commit);

    const labels = (await docker.getImage(`${registry.host}/shop-api:1.4.0`).inspect()).Config.Labels;
    assert.equal(labels['org.opencontainers.image.revision'], record.commit);
    assert.equal(labels['org.opencontainers.image.version'], '1.4.0');
    const container = await docker.createContainer({
      Image: `${registry.host}/shop-api:1.4.0`,
      Cmd: ['ls', '/app'],
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    await container.wait();
    const listing = (await container.logs({ stdout: true })).toString('utf8');
    await container.remove();
    assert.match(listing, /built\.txt/);
    assert.doesNotMatch(listing, /secrets\.txt/, '.dockerignore kept the secret out of the image');

    const catalog = await readReleaseCatalog(ws.dir, imageTarget((await describeFolder(ws.dir)).image!), new RegistryClient(registry.host));
    assert.deepEqual(
      catalog.releases.map((r) => `${r.tag} ${r.check}`),
      ['v1.4.0 verified'],
    );
  });

  it('flags a release whose registry tag now points at another digest', async () => {
    const ws = sample(project(registry, 'repushed', ['FROM conveyor-base:busybox', 'RUN echo one > /one']));
    await passPipeline(ws.dir);
    const record = await executeRelease(await planRelease(await describeFolder(ws.dir)), { docker });
    // Someone builds something else and pushes it under the released tag.
    const other = workspace({ Dockerfile: 'FROM conveyor-base:busybox\nRUN echo two > /two\n' });
    const context = await packBuildContext(other.dir, '.', 'Dockerfile');
    await buildImage(docker, {
      context: context.stream,
      dockerfile: context.dockerfile,
      tags: [`${registry.host}/repushed:${record.version}`],
    });
    const repushed = await pushImage(docker, { repository: `${registry.host}/repushed`, tag: record.version });
    assert.notEqual(repushed.digest, record.image?.digest);

    const catalog = await readReleaseCatalog(ws.dir, imageTarget((await describeFolder(ws.dir)).image!), new RegistryClient(registry.host));
    assert.equal(catalog.releases[0].check, 'mismatch');
    assert.equal(catalog.releases[0].registryDigest, repushed.digest);
  });

  it('releases an image and an npm package together: the image first, the package right before the tag, one record', async () => {
    const npmRegistry = await startVerdaccio();
    try {
      const ws = sample(
        project(registry, 'both', ['FROM conveyor-base:busybox', 'COPY index.js /app/'], {
          'package.json': `${JSON.stringify({ name: 'both-lib', version: '1.3.0', publishConfig: { registry: npmRegistry.url } }, null, 2)}\n`,
          'index.js': 'module.exports = 1;\n',
        }),
      );
      await passPipeline(ws.dir);
      const steps: string[] = [];
      const plan = await planRelease(await describeFolder(ws.dir));
      assert.equal(plan.package?.registrySource, 'publishConfig');
      const record = await executeRelease(plan, {
        docker,
        npmToken: await npmRegistry.token(),
        onProgress: (p: ReleaseProgress) => void (steps.at(-1) !== p.step && steps.push(p.step)),
      });
      assert.deepEqual(steps, ['gate', 'version', 'build', 'push', 'verify', 'pack', 'publish-package', 'verify', 'tag']);
      assert.equal(record.image?.digest, await registryDigest(registry, 'both', '1.4.0'));
      const packument = (await (await fetch(`${npmRegistry.url}both-lib`)).json()) as {
        versions: Record<string, { dist: { integrity: string } }>;
      };
      assert.equal(record.package?.integrity, packument.versions['1.4.0'].dist.integrity);
      const [tag] = await listReleaseRecords(ws.dir);
      assert.deepEqual([tag.record?.image, tag.record?.package], [record.image, record.package]);
    } finally {
      await npmRegistry.close();
    }
  });

  it('reports a failing RUN with its step, and leaves no tag, no release commit, no changed file', async () => {
    const ws = sample(project(registry, 'broken', ['FROM conveyor-base:busybox', 'RUN echo fine', 'RUN false']));
    await passPipeline(ws.dir);
    const before = releaseGitState(ws.dir);
    const plan = await planRelease(await describeFolder(ws.dir));
    await assert.rejects(executeRelease(plan, { docker }), (error: Error) => {
      assert.match(error.message, /The image build failed at Step 3\/\d+ : RUN false: .*returned a non-zero code: 1/);
      return true;
    });
    assert.deepEqual(releaseGitState(ws.dir), before);
    assert.equal(existsSync(path.join(ws.dir, 'CHANGELOG.md')), false, 'the CHANGELOG written for the release is gone');
  });

  it('refuses a version already tagged on another branch before building or pushing anything', async () => {
    const ws = sample(project(registry, 'taken', ['FROM conveyor-base:busybox']));
    const main = git(ws, 'rev-parse', '--abbrev-ref', 'HEAD');
    git(ws, 'switch', '-q', '-c', 'release-branch');
    ws.write('src/other.js', 'other\n');
    git(ws, 'add', '-A');
    git(ws, 'commit', '-q', '-m', 'feat: on another branch');
    git(ws, 'tag', 'v1.4.0');
    git(ws, 'switch', '-q', main);
    await passPipeline(ws.dir);
    const before = releaseGitState(ws.dir);
    const plan = await planRelease(await describeFolder(ws.dir));
    assert.equal(plan.version, '1.4.0');
    assert.equal(gateProblem(plan)?.kind, 'input');
    const events: ReleaseProgress[] = [];
    await assert.rejects(
      executeRelease(plan, { docker, onProgress: (p) => events.push(p), override: { reason: 'try anyway' } }),
      /Tag v1\.4\.0 already exists on another branch/,
    );
    assert.deepEqual(events, [], 'nothing was built or pushed');
    assert.deepEqual(releaseGitState(ws.dir), before);
  });

  it('keeps an edit saved while the release was building when it fails, and refuses a plan the tree has moved away from', async () => {
    const ws = sample(project(registry, 'edited', ['FROM conveyor-base:busybox', 'RUN false']));
    await passPipeline(ws.dir);
    const before = git(ws, 'rev-parse', 'HEAD');
    const plan = await planRelease(await describeFolder(ws.dir));
    const onProgress = (p: ReleaseProgress) => {
      // The user saves a file while the image builds.
      if (p.step === 'build' && !existsSync(path.join(ws.dir, 'src', 'new.js'))) ws.write('src/app.js', 'console.log("edited");\n');
      if (p.step === 'build') ws.write('src/new.js', 'new\n');
    };
    await assert.rejects(executeRelease(plan, { docker, onProgress }), /The image build failed/);
    assert.equal(git(ws, 'rev-parse', 'HEAD'), before, 'the release commit was taken back');
    assert.equal(readFileSync(path.join(ws.dir, 'src', 'app.js'), 'utf8'), 'console.log("edited");\n', 'the edit is kept');
    assert.equal(readFileSync(path.join(ws.dir, 'package.json'), 'utf8').includes('"1.3.0"'), true, 'the version file is back');

    // The plan was made on a clean tree; the tree now has changes: the release does not start.
    const stale = releaseGitState(ws.dir);
    await assert.rejects(executeRelease(plan, { docker }), /The working tree changed since the release was planned/);
    assert.deepEqual(releaseGitState(ws.dir), stale);
  });

  it('keeps a release whose git push failed, says so with its tag, and pushes it by that tag once origin answers', async () => {
    const ws = sample(project(registry, 'unpushed', ['FROM conveyor-base:busybox']));
    const origin = path.join(ws.dir, '..', `${path.basename(ws.dir)}-origin.git`);
    git(ws, 'remote', 'add', 'origin', origin); // not created yet: the push fails
    await passPipeline(ws.dir);
    const plan = await planRelease(await describeFolder(ws.dir));
    const error = await executeRelease(plan, { docker, pushGit: true }).then(
      () => assert.fail('pushed to a missing origin'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ReleaseError, String(error));
    assert.deepEqual([error.kind, error.tag], ['unpushed', 'v1.4.0']);
    assert.match(
      error.message,
      /^Release v1\.4\.0 was created here, but pushing it failed: .*Push it later with git push --follow-tags\.$/s,
    );
    assert.equal(git(ws, 'tag', '--list'), 'v1.4.0', 'the release stays made here');
    // Create Release again: HEAD is that release, and its tag is what there is to push (the UI offers Push v1.4.0).
    const again = gateProblem(await planRelease(await describeFolder(ws.dir)));
    assert.deepEqual([again?.kind, again?.tag], ['input', 'v1.4.0']);
    assert.match(again?.message ?? '', /^HEAD is release v1\.4\.0 already, with no commits since: if it did not reach origin, push it/);

    execFileSync('git', ['init', '-q', '--bare', origin]);
    await pushRelease(ws.dir, error.tag!);
    const pushed = execFileSync('git', ['--git-dir', origin, 'for-each-ref', '--format=%(refname)'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    assert.deepEqual(pushed.sort(), [`refs/heads/${git(ws, 'rev-parse', '--abbrev-ref', 'HEAD')}`, 'refs/tags/v1.4.0'].sort());
  });

  it('pushes to a registry with htpasswd auth with the right password, and refuses the wrong one without a tag', async () => {
    const secured = await startRegistry({ htpasswd: { user: 'ci', password: 'right-horse-battery' } });
    try {
      const ws = sample(project(secured, 'private-shop', ['FROM conveyor-base:busybox', 'RUN echo private > /p']));
      await passPipeline(ws.dir);
      const before = releaseGitState(ws.dir);
      const wrong = await planRelease(await describeFolder(ws.dir));
      await assert.rejects(executeRelease(wrong, { docker, credentials: { username: 'ci', password: 'wrong' } }), (error: Error) => {
        assert.match(error.message, /401|unauthorized|refused the credentials/i);
        assert.doesNotMatch(error.message, /wrong/);
        return true;
      });
      assert.deepEqual(releaseGitState(ws.dir), before);

      const record = await executeRelease(await planRelease(await describeFolder(ws.dir)), {
        docker,
        credentials: { username: 'ci', password: 'right-horse-battery' },
      });
      const client = new RegistryClient(secured.host, { username: 'ci', password: 'right-horse-battery' });
      assert.equal(await client.manifestDigest('private-shop', record.version), record.image?.digest);
    } finally {
      await secured.stop();
    }
  });

  it('fails clearly when the registry goes away in the middle of a push, leaving no tag', async () => {
    const doomed = await startRegistry();
    const ws = sample(project(doomed, 'big-shop', ['FROM conveyor-base:busybox', 'RUN dd if=/dev/urandom of=/big bs=1048576 count=40']));
    await passPipeline(ws.dir);
    const before = releaseGitState(ws.dir);
    let stopping: Promise<void> | undefined;
    const plan = await planRelease(await describeFolder(ws.dir));
    await assert.rejects(
      executeRelease(plan, {
        docker,
        onProgress: (p) => {
          if (p.layer?.status === 'Pushing' && !stopping) stopping = doomed.stop();
        },
      }),
      (error: Error) => {
        assert.match(error.message, /^Pushing .*big-shop:(1\.4\.0|sha-[0-9a-f]{7}) failed: /);
        return true;
      },
    );
    await stopping;
    assert.ok(stopping, 'the registry was stopped during the push');
    assert.deepEqual(releaseGitState(ws.dir), before);
  });
});
