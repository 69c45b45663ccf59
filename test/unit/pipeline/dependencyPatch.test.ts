import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { auditedPackage, parseNpmAudit } from '../../../src/pipeline/security/dependencyAudit';
import {
  declaredDependencies,
  firstPatchedVersion,
  lockfileChanges,
  needsChoice,
  npmFailureReason,
  patchSummary,
  planFixes,
} from '../../../src/pipeline/security/dependencyPatch';
import type { PackageLock, RegistryFacts } from '../../../src/pipeline/security/dependencyPatch';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'npm-audit');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const MINIMIST_ADVISORY = '<0.2.1 || >=1.0.0 <1.2.3';

/** The recorded transitive report (minimist 0.0.8 under mkdirp 0.5.1) with minimist's `fixAvailable` and advisory range replaced. */
function transitiveAudit(minimistFix?: unknown, advisoryRange?: string) {
  const report = JSON.parse(fixture('audit-report-transitive.json')) as { vulnerabilities: Record<string, Record<string, unknown>> };
  if (minimistFix !== undefined) report.vulnerabilities.minimist.fixAvailable = minimistFix;
  if (advisoryRange !== undefined) (report.vulnerabilities.minimist.via as Record<string, unknown>[])[0].range = advisoryRange;
  return parseNpmAudit(JSON.stringify(report), '{}', '/work/shop/package.json');
}

const MKDIRP_LOCK: PackageLock = {
  packages: {
    '': { version: '1.0.0' },
    'node_modules/mkdirp': { version: '0.5.1', dependencies: { minimist: '0.0.8' } },
    'node_modules/minimist': { version: '0.0.8' },
  },
};

function registry(versions: Record<string, string[]>, dependencies: Record<string, Record<string, string>> = {}): RegistryFacts {
  return { versions: new Map(Object.entries(versions)), dependencies: new Map(Object.entries(dependencies)) };
}

describe('security patch planning (unit)', () => {
  it('takes the lowest published version above the installed one that no advisory covers', () => {
    const published = ['0.0.8', '0.2.0', '0.2.1', '1.2.0', '1.2.3', '1.2.8', '2.0.0-rc.1'];
    assert.equal(firstPatchedVersion('0.0.8', published, [MINIMIST_ADVISORY]), '0.2.1');
    assert.equal(firstPatchedVersion('1.2.0', published, [MINIMIST_ADVISORY]), '1.2.3');
    assert.equal(firstPatchedVersion('1.2.0', published, [MINIMIST_ADVISORY, '<1.2.6']), '1.2.8');
    assert.equal(firstPatchedVersion('1.2.0', ['1.2.0', '1.2.1', '2.0.0-rc.1'], [MINIMIST_ADVISORY]), undefined, 'no prerelease');
    assert.equal(firstPatchedVersion('1.2.0', published, []), undefined, 'no range: nothing is known to be patched');
    assert.equal(firstPatchedVersion('1.2.0', published, ['not a range']), undefined, 'no readable range');
  });

  it("follows npm's fixAvailable, or offers nothing, when no advisory has a readable range", () => {
    const versions = registry({ minimist: ['0.0.8', '0.0.9', '1.2.8'] });
    const [fix] = planFixes(transitiveAudit(undefined, 'not a range'), MKDIRP_LOCK, { mkdirp: '^0.5.1' }, versions);
    assert.deepEqual(fix.action, { kind: 'update', name: 'mkdirp', version: '0.5.6', isSemVerMajor: false });
    assert.equal(fix.title, 'Update mkdirp to 0.5.6 (fixes minimist)');
    assert.equal(fix.patched, undefined);
    assert.deepEqual(
      planFixes(transitiveAudit(true, ''), MKDIRP_LOCK, { mkdirp: '^0.5.1' }, versions),
      [],
      'npm audit fix names no version',
    );
    assert.deepEqual(
      planFixes(transitiveAudit(false, ''), MKDIRP_LOCK, { mkdirp: '^0.5.1' }, versions),
      [],
      'not 0.0.9, which may be vulnerable',
    );
  });

  it('updates a vulnerable direct dependency, and counts a version outside its declared range as a major', () => {
    const audit = parseNpmAudit(fixture('audit-report-direct.json'), '{}', '/work/shop/package.json');
    const lock: PackageLock = {
      packages: { 'node_modules/minimist': { version: '1.2.0' }, 'node_modules/lodash': { version: '4.17.4' } },
    };
    const fixes = planFixes(
      audit,
      lock,
      { minimist: '^1.2.0', lodash: '~4.17.4' },
      registry({ minimist: ['1.2.0', '1.2.8'], lodash: ['4.17.4', '4.17.11', '4.17.12', '4.18.1'] }),
    );
    assert.deepEqual(
      fixes.map((f) => [f.title, needsChoice(f), f.advisories]),
      [
        ['Update lodash to 4.17.12', false, ['1065', '782']],
        ['Update minimist to 1.2.8', false, ['1179']],
      ],
    );
    const major = planFixes(audit, lock, { minimist: '~1.1.0', lodash: '4.17.4' }, registry({ minimist: ['1.2.8'], lodash: ['4.18.1'] }));
    assert.deepEqual(
      major.map((f) => [f.title, needsChoice(f)]),
      [
        ['Update lodash to 4.18.1', true],
        ['Update minimist to 1.2.8', true],
      ],
    );
  });

  it('updates the direct dependency npm names for a transitive finding, saying what its new version brings', () => {
    const [fix] = planFixes(
      transitiveAudit(),
      MKDIRP_LOCK,
      { mkdirp: '^0.5.1' },
      registry({ minimist: ['0.0.8', '1.2.8'] }, { 'mkdirp@0.5.6': { minimist: '^1.2.6' } }),
    );
    assert.equal(fix.title, 'Update mkdirp to 0.5.6 (brings minimist 1.2.8)');
    assert.deepEqual([fix.vulnerable, fix.installed, fix.patched, needsChoice(fix)], ['minimist', '0.0.8', '1.2.8', false]);
    assert.deepEqual(fix.action, {
      kind: 'update',
      name: 'mkdirp',
      version: '0.5.6',
      isSemVerMajor: false,
      brings: { name: 'minimist', version: '1.2.8' },
    });
  });

  it('finds the in-range release of the direct dependency when npm only says `npm audit fix` fixes it', () => {
    const [fix] = planFixes(
      transitiveAudit(true),
      MKDIRP_LOCK,
      { mkdirp: '^0.5.1' },
      registry({ minimist: ['0.0.8', '1.2.8'], mkdirp: ['0.5.1', '0.5.6', '1.0.4'] }, { 'mkdirp@0.5.6': { minimist: '^1.2.6' } }),
    );
    assert.equal(fix.title, 'Update mkdirp to 0.5.6 (brings minimist 1.2.8)');
    const [inRange] = planFixes(
      transitiveAudit(true),
      MKDIRP_LOCK,
      { mkdirp: '^0.5.1' },
      registry({ minimist: ['0.0.8', '1.2.8'], mkdirp: ['0.5.1'] }),
    );
    assert.equal(inRange.title, "Update minimist to 1.2.8 (within mkdirp's range)");
  });

  it('says a major of the direct dependency drops the vulnerable package, and leaves it to the user', () => {
    const [fix] = planFixes(
      transitiveAudit({ name: 'mkdirp', version: '1.0.4', isSemVerMajor: true }),
      MKDIRP_LOCK,
      { mkdirp: '^0.5.1' },
      registry({ minimist: ['0.0.8', '1.2.8'] }, { 'mkdirp@1.0.4': {} }),
    );
    assert.equal(fix.title, 'Update mkdirp to 1.0.4 (no longer needs minimist)');
    assert.equal(needsChoice(fix), true);
  });

  it('overrides the vulnerable package when no direct update fixes it, and plans nothing without a patched release', () => {
    const [fix] = planFixes(transitiveAudit(false), MKDIRP_LOCK, { mkdirp: '^0.5.1' }, registry({ minimist: ['0.0.8', '1.2.8'] }));
    assert.equal(fix.title, 'Override minimist to 1.2.8 (no mkdirp release fixes it)');
    assert.deepEqual(fix.action, { kind: 'override', name: 'minimist', version: '1.2.8', blockedBy: 'mkdirp' });
    assert.equal(needsChoice(fix), true);
    assert.deepEqual(planFixes(transitiveAudit(false), MKDIRP_LOCK, {}, registry({ minimist: ['0.0.8', '0.1.0'] })), []);
  });

  it('reads declared ranges with dependencies winning over devDependencies, as npm installs them', () => {
    assert.deepEqual(
      declaredDependencies({ devDependencies: { a: '^1.0.0', b: '2' }, dependencies: { a: '^1.1.0' }, overrides: { c: '1' } }),
      {
        a: '^1.1.0',
        b: '2',
      },
    );
  });

  it('knows a finding by the first word of its message', () => {
    assert.equal(auditedPackage('@scope/pkg <1.0.0 (through mkdirp): Prototype Pollution (low) — fix: none available yet'), '@scope/pkg');
  });
});

describe('what a security patch changed (unit)', () => {
  const before: PackageLock = {
    packages: {
      '': { version: '1.0.0', dependencies: { mkdirp: '^0.5.1' } },
      'node_modules/mkdirp': { version: '0.5.1' },
      'node_modules/minimist': { version: '0.0.8' },
      'node_modules/@scope/kept': { version: '1.0.0' },
    },
  };
  const after: PackageLock = {
    packages: {
      '': { version: '1.0.0', dependencies: { mkdirp: '^1.0.4' } },
      'node_modules/mkdirp': { version: '1.0.4' },
      'node_modules/@scope/kept': { version: '1.0.0' },
      'node_modules/mkdirp/node_modules/@scope/new': { version: '2.0.0' },
    },
  };

  it('lists changed, added and removed packages by their lockfile path, ignoring the project and unchanged ones', () => {
    assert.deepEqual(lockfileChanges(before, after), {
      changed: [{ path: 'node_modules/mkdirp', name: 'mkdirp', from: '0.5.1', to: '1.0.4' }],
      added: [{ path: 'node_modules/mkdirp/node_modules/@scope/new', name: '@scope/new', from: undefined, to: '2.0.0' }],
      removed: [{ path: 'node_modules/minimist', name: 'minimist', from: '0.0.8', to: undefined }],
    });
    assert.deepEqual(lockfileChanges(before, before), { changed: [], added: [], removed: [] });
  });

  it('sums it up: packages from → to, advisories closed, the lockfile diff', () => {
    assert.equal(
      patchSummary({ lockfile: lockfileChanges(before, after), advisoriesClosed: ['1179'], stillVulnerable: 0 }),
      'mkdirp 0.5.1 → 1.0.4, +@scope/new 2.0.0, −minimist 0.0.8; closed advisory 1179; package-lock.json: 1 changed, 1 added, 1 removed',
    );
    assert.equal(
      patchSummary({ lockfile: lockfileChanges(before, before), advisoriesClosed: [], stillVulnerable: 2 }),
      'no package changed version; no advisory closed; package-lock.json: 0 changed, 0 added, 0 removed; 2 vulnerable packages left',
    );
  });
});

describe("npm's reason for a failure (unit)", () => {
  it('takes the reason line of the error block, not the log around it', () => {
    const stderr = [
      'npm warn using --force Recommended protections disabled.',
      'npm error code ECONNREFUSED',
      'npm error syscall connect',
      'npm error errno ECONNREFUSED',
      'npm error FetchError: request to http://127.0.0.1:9/minimist failed, reason: connect ECONNREFUSED 127.0.0.1:9',
      'npm error A complete log of this run can be found in: /tmp/npm/_logs/2026-12-03T20_00_00_000Z-debug-0.log',
    ].join('\n');
    assert.equal(npmFailureReason(stderr), 'request to http://127.0.0.1:9/minimist failed, reason: connect ECONNREFUSED 127.0.0.1:9');
    assert.equal(
      npmFailureReason(
        'npm error code ETARGET\nnpm error notarget No matching version found for minimist@9.9.9.\nnpm error notarget In most cases…',
      ),
      'No matching version found for minimist@9.9.9.',
    );
    assert.equal(npmFailureReason('something else entirely'), '');
  });
});
