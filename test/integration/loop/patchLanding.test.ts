// Landing a patch on a branch of its own, against a real git repository: the commit when it works, and the
// tree exactly as it was (files, branch, no leftover branch) when it does not.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ServiceError } from '../../../src/core/errors';
import { landPatch, patchBranchName } from '../../../src/loop/patchLanding';
import { sampleWorkspace, type SampleWorkspace } from '../../support/sampleWorkspace';

const PACKAGE_JSON = '{\n  "name": "shop",\n  "dependencies": { "minimist": "^1.2.0" }\n}\n';

describe('landPatch (integration, real git)', () => {
  let project: SampleWorkspace;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: project.dir, encoding: 'utf8' }).trim();
  const file = (name: string) => path.join(project.dir, name);

  beforeEach(() => {
    project = sampleWorkspace({ 'package.json': PACKAGE_JSON, 'README.md': 'shop\n' }, { git: true });
    git('config', 'user.name', 'Conveyor Test');
    git('config', 'user.email', 'test@conveyor.invalid');
  });
  afterEach(() => project.remove());

  it('commits only the patched files on a new branch, and takes the next free name when the branch exists', async () => {
    writeFileSync(file('README.md'), 'shop, edited by hand\n');
    git('branch', 'fix/security-minimist');
    const landed = await landPatch({
      folder: project.dir,
      branch: 'fix/security-minimist',
      files: ['package.json', 'package-lock.json'],
      apply: () => {
        writeFileSync(file('package.json'), PACKAGE_JSON.replace('^1.2.0', '^1.2.8'));
        writeFileSync(file('package-lock.json'), '{"lockfileVersion": 3}\n');
        return Promise.resolve('minimist 1.2.0 → 1.2.8');
      },
      message: (summary) => `fix(deps): ${summary}`,
    });
    assert.equal(landed.branch, 'fix/security-minimist-2');
    assert.equal(landed.previousBranch, 'main');
    assert.deepEqual(landed.changedFiles, ['package.json', 'package-lock.json']);
    assert.equal(git('rev-parse', '--abbrev-ref', 'HEAD'), 'fix/security-minimist-2');
    assert.equal(git('rev-parse', 'HEAD'), landed.commit);
    assert.equal(git('log', '-1', '--format=%s'), 'fix(deps): minimist 1.2.0 → 1.2.8');
    assert.deepEqual(git('show', '--name-only', '--format=', 'HEAD').split('\n').sort(), ['package-lock.json', 'package.json']);
    // The user's own edit is not part of the patch and is not lost.
    assert.equal(git('status', '--porcelain'), 'M README.md');
  });

  it('restores the files byte for byte, returns to the branch and deletes the new one when the patch fails', async () => {
    await assert.rejects(
      landPatch({
        folder: project.dir,
        branch: patchBranchName('security', new Date('2026-12-03T10:00:00Z')),
        files: ['package.json', 'package-lock.json'],
        apply: () => {
          // A half-done patch: npm wrote one file and then failed.
          writeFileSync(file('package.json'), '{ "half": ');
          writeFileSync(file('package-lock.json'), '{}');
          return Promise.reject(new ServiceError('npm', 'unreachable', 'npm could not reach the registry http://127.0.0.1:9/'));
        },
        message: () => 'fix(deps): never',
      }),
      (error: ServiceError) => {
        assert.equal(error.service, 'npm');
        assert.equal(error.kind, 'unreachable');
        assert.equal(
          error.message,
          'npm could not reach the registry http://127.0.0.1:9/. package.json, package-lock.json and the branch are as they were.',
        );
        return true;
      },
    );
    assert.equal(readFileSync(file('package.json'), 'utf8'), PACKAGE_JSON);
    assert.equal(existsSync(file('package-lock.json')), false);
    assert.equal(git('rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    assert.equal(git('branch', '--list', 'fix/*'), '');
    assert.equal(git('status', '--porcelain'), '');
  });

  it('unstages and restores everything when the commit itself is refused (a commit hook), and says the files and branch are as they were', async () => {
    writeFileSync(file('.git/hooks/commit-msg'), '#!/bin/sh\necho "subject too long" >&2\nexit 1\n', { mode: 0o755 });
    await assert.rejects(
      landPatch({
        folder: project.dir,
        branch: 'fix/security-minimist',
        files: ['package.json', 'package-lock.json'],
        apply: () => {
          writeFileSync(file('package.json'), PACKAGE_JSON.replace('^1.2.0', '^1.2.8'));
          writeFileSync(file('package-lock.json'), '{}');
          return Promise.resolve();
        },
        message: () => 'fix(deps): a subject the hook refuses',
      }),
      /^ServiceError: Committing the patch failed: .*package\.json, package-lock\.json and the branch are as they were\.$/,
    );
    assert.equal(git('status', '--porcelain'), '', 'nothing staged, nothing modified, no new file');
    assert.equal(readFileSync(file('package.json'), 'utf8'), PACKAGE_JSON);
    assert.equal(git('rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    assert.equal(git('branch', '--list', 'fix/*'), '');
  });

  it('keeps the branch when someone committed on it while the patch ran, and says so instead of "nothing changed"', async () => {
    await assert.rejects(
      landPatch({
        folder: project.dir,
        branch: 'fix/security-minimist',
        files: ['package.json'],
        apply: () => {
          // The user commits from the Source Control view while npm runs, then npm fails.
          writeFileSync(file('README.md'), 'shop, committed meanwhile\n');
          git('commit', '-qam', 'docs: meanwhile');
          return Promise.reject(new ServiceError('npm', 'server', 'npm install failed: 500'));
        },
        message: () => 'fix(deps): never',
      }),
      /npm install failed: 500\. Not everything could be put back: branch fix\/security-minimist was kept: it has commits made while the patch ran\.$/,
    );
    assert.equal(git('log', '-1', '--format=%s', 'fix/security-minimist'), 'docs: meanwhile');
    assert.equal(git('rev-parse', '--abbrev-ref', 'HEAD'), 'main');
  });

  it('refuses a second patch in the same repository while one is being applied', async () => {
    let finish: () => void = () => undefined;
    const first = landPatch({
      folder: project.dir,
      branch: 'fix/security-minimist',
      files: ['package.json'],
      apply: () =>
        new Promise<void>((resolve) => {
          finish = () => {
            writeFileSync(file('package.json'), PACKAGE_JSON.replace('^1.2.0', '^1.2.8'));
            resolve();
          };
        }),
      message: () => 'fix(deps): update minimist',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await assert.rejects(
      landPatch({
        folder: project.dir,
        branch: 'fix/base-images-x',
        files: ['Dockerfile'],
        apply: () => Promise.resolve(),
        message: () => 'x',
      }),
      /Another patch is being applied in .*: wait for it to finish\. Nothing changed\.$/,
    );
    finish();
    assert.equal((await first).branch, 'fix/security-minimist');
  });

  it('says so when the patch changes none of its files, and leaves no branch', async () => {
    await assert.rejects(
      landPatch({
        folder: project.dir,
        branch: 'fix/base-images-2026-12-03',
        files: ['package.json'],
        apply: () => Promise.resolve(undefined),
        message: () => 'fix(docker): never',
      }),
      /changed none of package\.json\. package\.json and the branch are as they were\.$/,
    );
    assert.equal(git('branch', '--list', 'fix/*'), '');
    assert.equal(git('rev-parse', '--abbrev-ref', 'HEAD'), 'main');
  });

  it('refuses to start when a file it would change has uncommitted changes', async () => {
    writeFileSync(file('package.json'), PACKAGE_JSON + '\n');
    let applied = false;
    await assert.rejects(
      landPatch({
        folder: project.dir,
        branch: 'fix/security-minimist',
        files: ['package.json', 'package-lock.json'],
        apply: () => Promise.resolve((applied = true)),
        message: () => 'fix(deps): never',
      }),
      /^ServiceError: package\.json has uncommitted changes: commit or stash them first/,
    );
    assert.equal(applied, false);
    assert.equal(readFileSync(file('package.json'), 'utf8'), PACKAGE_JSON + '\n');
    assert.equal(git('branch', '--list', 'fix/*'), '');
  });

  it('names branches git accepts', () => {
    assert.equal(patchBranchName('security', '@babel/core'), 'fix/security-babel-core');
    assert.equal(patchBranchName('base-images', new Date('2026-12-03T23:59:00Z')), 'fix/base-images-2026-12-03');
  });
});
