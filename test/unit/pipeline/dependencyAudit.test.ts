import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { auditCommand, auditFails, parseNpmAudit } from '../../../src/pipeline/security/dependencyAudit';
import { sampleWorkspace } from '../../support/sampleWorkspace';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'npm-audit');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const PACKAGE_JSON_PATH = '/work/shop/package.json';

describe('npm audit parsing (unit)', () => {
  it('puts each directly used vulnerable package on its key in package.json, with its advisories and fix', () => {
    const packageJson = fixture('sample-project.package.json');
    const result = parseNpmAudit(fixture('audit-report-direct.json'), packageJson, PACKAGE_JSON_PATH);
    assert.equal(result.error, undefined);
    assert.deepEqual(result.counts, { info: 0, low: 1, moderate: 0, high: 1, critical: 0, total: 2 });
    const [lodash, minimist] = result.problems;
    assert.deepEqual(
      {
        file: lodash.file,
        line: lodash.line,
        column: lodash.column,
        endColumn: lodash.endColumn,
        severity: lodash.severity,
        source: lodash.source,
      },
      { file: PACKAGE_JSON_PATH, line: 6, column: 5, endColumn: 13, severity: 'error', source: 'npm audit' },
    );
    assert.equal(packageJson.split('\n')[5].slice(4, 12), '"lodash"');
    assert.equal(lodash.code, 'https://npmjs.com/advisories/1065');
    assert.equal(
      lodash.message,
      'lodash <=4.17.11: Prototype Pollution (high) https://npmjs.com/advisories/1065; Prototype Pollution (high) https://npmjs.com/advisories/782 — fix: upgrade lodash to 4.18.1',
    );
    assert.deepEqual([minimist.line, minimist.column, minimist.severity], [7, 5, 'info']);
    assert.match(
      minimist.message,
      /^minimist <0\.2\.1 \|\| >=1\.0\.0 <1\.2\.3: Prototype Pollution \(low\) https:\/\/npmjs\.com\/advisories\/1179 — fix: upgrade minimist to 1\.2\.8$/,
    );
  });

  it('puts a transitive vulnerability on the direct dependency that pulls it in', () => {
    const packageJson = JSON.stringify({ name: 'audit-transitive-sample', devDependencies: { mkdirp: '0.5.1' } }, null, 2);
    const result = parseNpmAudit(fixture('audit-report-transitive.json'), packageJson, PACKAGE_JSON_PATH);
    const byName = new Map(result.problems.map((p) => [p.message.split(' ')[0], p]));
    const minimist = byName.get('minimist');
    const mkdirp = byName.get('mkdirp');
    assert.ok(minimist && mkdirp);
    assert.deepEqual([minimist.line, minimist.column], [4, 5]);
    assert.deepEqual([mkdirp.line, mkdirp.column], [4, 5]);
    assert.match(minimist.message, /^minimist <0\.2\.1 \|\| >=1\.0\.0 <1\.2\.3 \(through mkdirp\): Prototype Pollution \(low\)/);
    assert.match(
      mkdirp.message,
      /^mkdirp 0\.4\.1 - 0\.5\.1: depends on a vulnerable version of minimist — fix: upgrade mkdirp to 0\.5\.6$/,
    );
    assert.equal(mkdirp.code, 'low');
  });

  it('walks several levels up, and falls back to line 1 when no direct dependent is known', () => {
    const report = {
      auditReportVersion: 2,
      vulnerabilities: {
        deep: vulnerability('deep', 'critical', false, { effects: ['middle'], via: [advisory('deep', 'critical')] }),
        middle: vulnerability('middle', 'critical', false, { effects: ['top'], via: ['deep'] }),
        top: vulnerability('top', 'critical', true, {
          via: ['middle'],
          fixAvailable: { name: 'top', version: '3.0.0', isSemVerMajor: true },
        }),
        orphan: vulnerability('orphan', 'moderate', false, { via: [advisory('orphan', 'moderate')], fixAvailable: true }),
      },
      metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 0, critical: 3, total: 4 } },
    };
    const packageJson = '{\n  "name": "app",\n  "optionalDependencies": {},\n  "peerDependencies": {\n    "top": "^2.0.0"\n  }\n}\n';
    const problems = parseNpmAudit(JSON.stringify(report), packageJson, PACKAGE_JSON_PATH).problems;
    const [deep, middle, top, orphan] = problems;
    assert.deepEqual([deep.line, middle.line, top.line], [5, 5, 5]);
    assert.match(deep.message, /\(through top\)/);
    assert.match(top.message, /— fix: upgrade top to 3\.0\.0 \(breaking\)$/);
    assert.deepEqual([orphan.line, orphan.column, orphan.severity], [1, 1, 'warning']);
    assert.match(orphan.message, /— fix: npm audit fix$/);
  });

  it("reports the registry's 405 as an error with no problems", () => {
    const result = parseNpmAudit(fixture('registry-405.json'), '{}', PACKAGE_JSON_PATH);
    assert.deepEqual(result.problems, []);
    assert.equal(result.counts.total, 0);
    assert.match(
      result.error ?? '',
      /^npm audit could not get advisories: 405 Method Not Allowed - POST https:\/\/registry\.npmjs\.org\/-\/npm\/v1\/security\/advisories\/bulk \(the registry does not offer npm's audit endpoint/,
    );
  });

  it('explains output that is not JSON, and npm errors such as a missing lockfile', () => {
    const garbage = `npm WARN something\n${'x'.repeat(500)}`;
    const notJson = parseNpmAudit(garbage, '{}', PACKAGE_JSON_PATH).error ?? '';
    assert.equal(notJson, `npm audit printed something that is not JSON: ${garbage.slice(0, 200)}`);
    assert.equal(parseNpmAudit('', '{}', PACKAGE_JSON_PATH).error, 'npm audit printed something that is not JSON: (nothing)');
    const noLock = {
      error: {
        code: 'ENOLOCK',
        summary: 'This command requires an existing lockfile.',
        detail: 'Try creating one first with: npm i --package-lock-only\nOriginal error: loadVirtual requires existing shrinkwrap file',
      },
    };
    assert.equal(
      parseNpmAudit(JSON.stringify(noLock), '{}', PACKAGE_JSON_PATH).error,
      'npm audit failed: ENOLOCK This command requires an existing lockfile. Try creating one first with: npm i --package-lock-only',
    );
  });

  it('decides failure from the counts and a threshold (high by default)', () => {
    const counts = { info: 3, low: 2, moderate: 1, high: 0, critical: 0, total: 6 };
    assert.equal(auditFails(counts), false);
    assert.equal(auditFails(counts, 'moderate'), true);
    assert.equal(auditFails(counts, 'low'), true);
    assert.equal(auditFails({ ...counts, critical: 1 }, 'high'), true);
    assert.equal(auditFails({ ...counts, critical: 1 }, 'critical'), true);
    assert.equal(auditFails({ ...counts, high: 1 }, 'critical'), false);
  });

  it('describes npm audit only where an npm lockfile exists', async () => {
    const npm = sampleWorkspace({ 'package.json': '{}', 'package-lock.json': '{}' });
    const shrinkwrap = sampleWorkspace({ 'package.json': '{}', 'npm-shrinkwrap.json': '{}' });
    const yarn = sampleWorkspace({ 'package.json': '{}', 'yarn.lock': '' });
    try {
      assert.deepEqual(await auditCommand(npm.dir), { command: 'npm', args: ['audit', '--json'], cwd: npm.dir });
      assert.equal((await auditCommand(shrinkwrap.dir))?.command, 'npm');
      assert.equal(await auditCommand(yarn.dir), undefined);
    } finally {
      [npm, shrinkwrap, yarn].forEach((ws) => ws.remove());
    }
  });
});

function vulnerability(name: string, severity: string, isDirect: boolean, rest: Record<string, unknown>) {
  return { name, severity, isDirect, via: [], effects: [], range: '*', nodes: [`node_modules/${name}`], fixAvailable: false, ...rest };
}

function advisory(name: string, severity: string) {
  return {
    source: 1,
    name,
    dependency: name,
    title: `${name} is unsafe`,
    url: `https://github.com/advisories/GHSA-${name}`,
    severity,
    range: '*',
  };
}
