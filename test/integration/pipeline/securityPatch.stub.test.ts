// Security patches made by the real npm in a real git repository, against a real registry (Verdaccio on
// loopback, serving the recorded minimist and mkdirp tarballs) behind the stub of npm's advisory endpoint.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { isServiceError } from '../../../src/core/errors';
import { landAllDependencyFixes, landDependencyFix } from '../../../src/loop/securityPatch';
import { auditFolder, needsChoice, patchSummary, planDependencyFixes } from '../../../src/pipeline/security/dependencyPatch';
import type { DependencyFix, PackageLock, PatchPlan } from '../../../src/pipeline/security/dependencyPatch';
import { npmHome, runNpm, startNpmRegistry } from '../../support/npmRegistry';
import type { NpmHome, NpmRegistry } from '../../support/npmRegistry';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';
import { closedPort } from '../../support/stubServer';

describe('security patches with real npm and git against Verdaccio and the advisory stub (integration, stub)', () => {
  let registry: NpmRegistry;
  let home: NpmHome;
  let project: SampleWorkspace;
  const env = () => ({ env: home.env(registry.url) });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: project.dir, encoding: 'utf8' }).trim();
  const read = (file: string) => readFileSync(path.join(project.dir, file), 'utf8');
  const lock = () => JSON.parse(read('package-lock.json')) as PackageLock;
  const locked = (key: string) => lock().packages[key]?.version;

  beforeEach(async () => {
    registry = await startNpmRegistry();
    home = npmHome();
  });
  afterEach(async () => {
    project?.remove();
    home.remove();
    await registry.close();
  });

  /** A committed project installed by npm from what the registry serves now (so the lockfile pins those versions). */
  async function projectWith(dependencies: Record<string, Record<string, string>>): Promise<void> {
    project = sampleWorkspace(
      {
        'package.json': `${JSON.stringify({ name: 'shop', version: '1.0.0', ...dependencies }, null, 2)}\n`,
        '.gitignore': 'node_modules/\n',
      },
      { git: true },
    );
    const install = await runNpm(project.dir, ['install'], home.env(registry.url));
    assert.equal(install.exitCode, 0, install.stderr);
    git('add', 'package-lock.json');
    git('-c', 'user.name=Conveyor Test', '-c', 'user.email=test@conveyor.invalid', 'commit', '-q', '-m', 'chore: lockfile');
    git('config', 'user.name', 'Conveyor Test');
    git('config', 'user.email', 'test@conveyor.invalid');
  }

  function onlyFix(plan: PatchPlan): DependencyFix {
    assert.equal(plan.fixes.length, 1, JSON.stringify(plan.fixes));
    return plan.fixes[0];
  }

  it('updates a vulnerable direct dependency to its first patched version on fix/security-<pkg>', async () => {
    await registry.publish('minimist-1.2.0');
    await projectWith({ dependencies: { minimist: '^1.2.0' } });
    await registry.publish('minimist-1.2.8');

    const plan = await planDependencyFixes(project.dir, env());
    const fix = onlyFix(plan);
    assert.equal(fix.title, 'Update minimist to 1.2.8');
    assert.equal(needsChoice(fix), false);

    const landed = await landDependencyFix(project.dir, plan, fix, env());
    assert.equal(landed.branch, 'fix/security-minimist');
    assert.equal(git('rev-parse', '--abbrev-ref', 'HEAD'), 'fix/security-minimist');
    assert.equal(git('rev-list', '--count', 'main..fix/security-minimist'), '1');
    assert.equal(git('log', '-1', '--format=%s'), 'fix(deps): update minimist to 1.2.8');
    assert.equal(git('status', '--porcelain'), '', 'everything npm changed is committed');
    assert.equal(locked('node_modules/minimist'), '1.2.8');
    assert.deepEqual(landed.result.advisoriesClosed, ['1179']);
    assert.equal(
      patchSummary(landed.result),
      'minimist 1.2.0 → 1.2.8; closed advisory 1179; package-lock.json: 1 changed, 0 added, 0 removed',
    );
    assert.equal((await auditFolder(project.dir, env())).vulnerabilities.length, 0, 'the audit is clean afterwards');
  });

  it('fixes a transitive finding by updating the direct dependency that brings it in', async () => {
    await registry.publish('minimist-0.0.8', 'mkdirp-0.5.1');
    await projectWith({ devDependencies: { mkdirp: '^0.5.1' } });
    await registry.publish('minimist-1.2.8', 'mkdirp-0.5.6');

    const plan = await planDependencyFixes(project.dir, env());
    const fix = onlyFix(plan);
    assert.equal(fix.title, 'Update mkdirp to 0.5.6 (brings minimist 1.2.8)');

    const landed = await landDependencyFix(project.dir, plan, fix, env());
    assert.equal(landed.branch, 'fix/security-minimist');
    assert.equal(locked('node_modules/mkdirp'), '0.5.6');
    assert.equal(locked('node_modules/minimist'), '1.2.8');
    assert.deepEqual((JSON.parse(read('package.json')) as { devDependencies: unknown }).devDependencies, { mkdirp: '^0.5.6' });
    assert.match(
      patchSummary(landed.result),
      /^minimist 0\.0\.8 → 1\.2\.8, mkdirp 0\.5\.1 → 0\.5\.6; closed advisory 1179; package-lock\.json: 2 changed, 0 added, 0 removed$/,
    );
    assert.equal((await auditFolder(project.dir, env())).vulnerabilities.length, 0);
  });

  it('Patch All applies every fix within the declared ranges with npm audit fix, on fix/security-<date>', async () => {
    await registry.publish('minimist-0.0.8', 'mkdirp-0.5.1', 'minimist-1.2.0');
    await projectWith({ dependencies: { minimist: '^1.2.0' }, devDependencies: { mkdirp: '^0.5.1' } });
    await registry.publish('minimist-1.2.8', 'mkdirp-0.5.6');

    const plan = await planDependencyFixes(project.dir, env());
    // minimist is both a direct dependency (1.2.0) and mkdirp's (0.0.8): one finding, planned for the direct one.
    assert.deepEqual(
      plan.fixes.map((fix) => [fix.title, fix.installed, needsChoice(fix)]),
      [['Update minimist to 1.2.8', '1.2.0', false]],
    );
    const landed = await landAllDependencyFixes(project.dir, plan, [], new Date('2026-12-03T10:00:00Z'), env());
    assert.equal(landed.branch, 'fix/security-2026-12-03');
    assert.equal(locked('node_modules/minimist'), '1.2.8');
    assert.equal(locked('node_modules/mkdirp'), '0.5.6');
    assert.equal(landed.result.stillVulnerable, 0);
  });

  it('leaves a fix that needs a major out of Patch All, and applies it when chosen', async () => {
    await registry.publish('minimist-0.0.8', 'mkdirp-0.5.1');
    await projectWith({ devDependencies: { mkdirp: '^0.5.1' } });
    await registry.publish('minimist-1.2.8', 'mkdirp-1.0.4');
    const lockBefore = read('package-lock.json');

    const plan = await planDependencyFixes(project.dir, env());
    const fix = onlyFix(plan);
    assert.equal(fix.title, 'Update mkdirp to 1.0.4 (no longer needs minimist)');
    assert.equal(needsChoice(fix), true, 'listed as a major bump');

    // Patch All with nothing chosen: npm audit fix does not take mkdirp across a major, so nothing lands.
    await assert.rejects(landAllDependencyFixes(project.dir, plan, [], new Date('2026-12-03T10:00:00Z'), env()), (error) => {
      assert.ok(isServiceError(error));
      assert.match(error.message, /package\.json, package-lock\.json and the branch are as they were\.$/);
      return true;
    });
    assert.equal(read('package-lock.json'), lockBefore);
    assert.equal(git('rev-parse', '--abbrev-ref', 'HEAD'), 'main');

    const landed = await landAllDependencyFixes(project.dir, plan, [fix], new Date('2026-12-03T10:00:00Z'), env());
    assert.equal(landed.branch, 'fix/security-2026-12-03');
    assert.equal(git('log', '-1', '--format=%s'), 'fix(deps): patch vulnerable dependencies');
    assert.equal(locked('node_modules/mkdirp'), '1.0.4');
    assert.equal(locked('node_modules/minimist'), undefined);
    assert.equal(
      patchSummary(landed.result),
      'mkdirp 0.5.1 → 1.0.4, −minimist 0.0.8; closed advisory 1179; package-lock.json: 1 changed, 0 added, 1 removed',
    );
  });

  it('overrides the vulnerable package when no release of the direct dependency fixes it, running no install script', async () => {
    await registry.publish('minimist-0.0.8', 'mkdirp-0.5.1');
    const marker = path.join('node_modules', '.postinstall-ran');
    await projectWith({
      devDependencies: { mkdirp: '^0.5.1' },
      scripts: { postinstall: `node -e "require('fs').writeFileSync('${marker}', '')"` },
    });
    assert.ok(existsSync(path.join(project.dir, marker)), 'a plain npm install runs the postinstall script');
    rmSync(path.join(project.dir, marker));
    await registry.publish('minimist-1.2.8');

    const plan = await planDependencyFixes(project.dir, env());
    const fix = onlyFix(plan);
    assert.equal(fix.title, 'Override minimist to 1.2.8 (no mkdirp release fixes it)');

    const landed = await landDependencyFix(project.dir, plan, fix, env());
    assert.deepEqual((JSON.parse(read('package.json')) as { overrides: unknown }).overrides, { minimist: '1.2.8' });
    assert.equal(locked('node_modules/mkdirp'), '0.5.1');
    assert.equal(locked('node_modules/minimist'), '1.2.8', 'npm installs the override under mkdirp');
    assert.deepEqual(landed.result.advisoriesClosed, ['1179']);
    assert.deepEqual(landed.changedFiles, ['package.json', 'package-lock.json']);
    assert.ok(!existsSync(path.join(project.dir, marker)), 'the patch ran npm install with --ignore-scripts');
  });

  it('says the registry cannot be reached and changes nothing when it is gone', async () => {
    await registry.publish('minimist-1.2.0');
    await projectWith({ dependencies: { minimist: '^1.2.0' } });
    await registry.publish('minimist-1.2.8');
    const plan = await planDependencyFixes(project.dir, env());
    const before = { manifest: read('package.json'), lock: read('package-lock.json') };
    const gone = { env: home.env(`http://127.0.0.1:${await closedPort()}/`) };

    await assert.rejects(planDependencyFixes(project.dir, gone), (error) => {
      assert.ok(isServiceError(error, 'unreachable'), String(error));
      assert.match(error.message, /^npm audit could not get advisories: request to .* failed, reason: connect ECONNREFUSED/);
      return true;
    });
    await assert.rejects(landDependencyFix(project.dir, plan, onlyFix(plan), gone), (error) => {
      assert.ok(isServiceError(error, 'unreachable'), String(error));
      assert.match(
        error.message,
        /^npm install minimist@1\.2\.8 failed: request to http:\/\/127\.0\.0\.1:\d+\/minimist failed, reason: connect ECONNREFUSED [\d.:]+\. node_modules may no longer match package-lock\.json: run npm ci to match node_modules to the lockfile again\. package\.json, package-lock\.json and the branch are as they were\.$/,
      );
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
    assert.equal(read('package.json'), before.manifest);
    assert.equal(read('package-lock.json'), before.lock);
    assert.equal(git('rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    assert.equal(git('branch', '--list', 'fix/*'), '');
    assert.equal(git('status', '--porcelain'), '');
  });
});
