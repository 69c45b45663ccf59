// The real npm, pointed at a local stub of the registry's audit endpoint: the registry this machine reaches
// answers that endpoint with 405, so recorded responses stand in for npm's advisory service.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { auditFails, parseNpmAudit } from '../../../src/pipeline/security/dependencyAudit';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';
import { closedPort } from '../../support/stubServer';
import { npmAuditFixture, npmHome, recordedAdvisories, runNpm, startAdvisoryStub } from '../../support/npmRegistry';
import type { NpmHome } from '../../support/npmRegistry';

describe('npm audit against a stub advisory endpoint serving recorded npm responses (integration, stub)', () => {
  let project: SampleWorkspace;
  let home: NpmHome;
  let packageJsonText: string;
  let packageJsonPath: string;
  const advisories = recordedAdvisories();

  before(() => {
    packageJsonText = npmAuditFixture('sample-project.package.json');
    project = sampleWorkspace({
      'package.json': packageJsonText,
      'package-lock.json': npmAuditFixture('sample-project.package-lock.json'),
    });
    packageJsonPath = path.join(project.dir, 'package.json');
    home = npmHome();
  });
  after(() => {
    project.remove();
    home.remove();
  });

  const audit = (registry: string) => runNpm(project.dir, ['audit', '--json'], home.env(registry));

  it('reports recorded advisories on the package.json lines of the vulnerable dependencies', async () => {
    const stub = await startAdvisoryStub({ advisories, packuments: true });
    try {
      const run = await audit(stub.url);
      assert.equal(run.exitCode, 1, 'npm exits 1 when it finds vulnerabilities');
      const result = parseNpmAudit(run.stdout, packageJsonText, packageJsonPath);
      assert.equal(result.error, undefined, run.stderr);
      assert.deepEqual(result.counts, { info: 0, low: 1, moderate: 0, high: 1, critical: 0, total: 2 });
      assert.deepEqual(
        result.problems.map((p) => [p.file, p.line, p.column, p.severity, p.source]),
        [
          [packageJsonPath, 6, 5, 'error', 'npm audit'],
          [packageJsonPath, 7, 5, 'info', 'npm audit'],
        ],
      );
      const [lodash, minimist] = result.problems;
      assert.match(
        lodash.message,
        /^lodash \S.*: Prototype Pollution \(high\) https:\/\/npmjs\.com\/advisories\/1065; Prototype Pollution \(high\) https:\/\/npmjs\.com\/advisories\/782 — fix: upgrade lodash to 4\.18\.1$/,
      );
      assert.match(
        minimist.message,
        /^minimist \S.*: Prototype Pollution \(low\) https:\/\/npmjs\.com\/advisories\/1179 — fix: upgrade minimist to 1\.2\.8$/,
      );
      assert.equal(auditFails(result.counts, 'high'), true);
      assert.equal(auditFails(result.counts, 'critical'), false);

      const bulk = stub.requests.find((r) => r.method === 'POST');
      assert.deepEqual(bulk && JSON.parse(bulk.body), { lodash: ['4.17.4'], minimist: ['1.2.0'] });
      assert.ok(
        stub.requests.some((r) => r.method === 'GET' && r.url === '/lodash'),
        'npm reads the packument to find a fix',
      );
    } finally {
      await stub.close();
    }
  });

  it('still reports when the registry serves no packuments, without a range or a fix', async () => {
    const stub = await startAdvisoryStub({ advisories, packuments: false });
    try {
      const result = parseNpmAudit((await audit(stub.url)).stdout, packageJsonText, packageJsonPath);
      assert.equal(result.error, undefined);
      assert.deepEqual(
        result.problems.map((p) => p.line),
        [6, 7],
      );
      assert.match(result.problems[0].message, /^lodash <4\.17\.12 \|\| <4\.17\.11: .* — fix: none available yet$/);
    } finally {
      await stub.close();
    }
  });

  it('reports an advisory endpoint that answers 500 or 405 as an error, not as problems', async () => {
    for (const [status, body, expected] of [
      [
        500,
        '{"error":"Internal Server Error"}',
        /^npm audit could not get advisories: 500 Internal Server Error - POST http:\/\/127\.0\.0\.1:\d+\/-\/npm\/v1\/security\/advisories\/bulk.* \(the registry failed; try again later\)$/,
      ],
      [
        405,
        '',
        /^npm audit could not get advisories: 405 Method Not Allowed - POST http:\/\/127\.0\.0\.1:\d+\/-\/npm\/v1\/security\/advisories\/bulk \(the registry does not offer npm's audit endpoint/,
      ],
    ] as const) {
      const stub = await startAdvisoryStub({ status, body });
      try {
        const run = await audit(stub.url);
        assert.equal(run.exitCode, 1);
        const result = parseNpmAudit(run.stdout, packageJsonText, packageJsonPath);
        assert.deepEqual(result.problems, []);
        assert.match(result.error ?? '', expected);
      } finally {
        await stub.close();
      }
    }
  });

  it('reports an unreachable registry as an error', async () => {
    const run = await audit(`http://127.0.0.1:${await closedPort()}/`);
    const result = parseNpmAudit(run.stdout, packageJsonText, packageJsonPath);
    assert.deepEqual(result.problems, []);
    assert.match(
      result.error ?? '',
      /^npm audit could not get advisories: request to .* failed, reason: connect ECONNREFUSED .* \(check the network/,
    );
  });
});
