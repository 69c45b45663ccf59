// The real npm, pointed at a local stub of the registry's audit endpoint: the registry this machine reaches
// answers that endpoint with 405, so recorded responses stand in for npm's advisory service.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { auditFails, parseNpmAudit } from '../../../src/pipeline/security/dependencyAudit';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';
import { closedPort, StubServer } from '../../support/stubServer';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'npm-audit');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const BULK_ADVISORIES_PATH = '/-/npm/v1/security/advisories/bulk';
const NPM_TIMEOUT_MS = 30_000;

type StubMode = { advisories: Record<string, unknown[]>; packuments: boolean } | { status: number; body: string };

interface Stub {
  url: string;
  requests: { method: string; url: string; body: string }[];
  close(): Promise<void>;
}

describe('npm audit against a stub advisory endpoint serving recorded npm responses (integration, stub)', () => {
  let project: SampleWorkspace;
  let npmHome: string;
  let packageJsonText: string;
  let packageJsonPath: string;
  const recordedAdvisories = JSON.parse(fixture('advisory-bulk.json')) as Record<string, unknown[]>;

  before(() => {
    packageJsonText = fixture('sample-project.package.json');
    project = sampleWorkspace({ 'package.json': packageJsonText, 'package-lock.json': fixture('sample-project.package-lock.json') });
    packageJsonPath = path.join(project.dir, 'package.json');
    npmHome = mkdtempSync(path.join(os.tmpdir(), 'conveyor-npm-'));
    writeFileSync(path.join(npmHome, 'npmrc'), '');
  });
  after(() => {
    project.remove();
    rmSync(npmHome, { recursive: true, force: true });
  });

  const audit = (registry: string) => runNpmAudit(project.dir, registry, npmHome);

  it('reports recorded advisories on the package.json lines of the vulnerable dependencies', async () => {
    const stub = await startStub({ advisories: recordedAdvisories, packuments: true });
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
    const stub = await startStub({ advisories: recordedAdvisories, packuments: false });
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
      const stub = await startStub({ status, body });
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

function runNpmAudit(cwd: string, registry: string, npmHome: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    npm_config_cache: path.join(npmHome, 'cache'),
    npm_config_userconfig: path.join(npmHome, 'npmrc'),
    npm_config_audit_level: 'low',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_fetch_retries: '0',
  };
  return new Promise((resolve, reject) => {
    execFile('npm', ['audit', '--json', '--registry', registry], { cwd, env, timeout: NPM_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`npm audit did not finish: ${error.message}\n${stderr}`));
      else resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** Answers the bulk-advisory POST like the registry (only the packages asked about) and, optionally, packuments. */
async function startStub(mode: StubMode): Promise<Stub> {
  const server = await StubServer.start<Stub['requests'][number]>({
    urlPath: '/',
    decode: (raw, request) => (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'),
    record: (e) => ({ method: e.method, url: e.path, body: e.body }),
    handle: (e) => {
      const answer = answerFor(mode, e.method, e.path, e.body);
      e.send(answer.status, answer.body, answer.headers);
    },
  });
  return { url: server.url, requests: server.requests, close: () => server.stop() };
}

function answerFor(
  mode: StubMode,
  method: string,
  url: string,
  body: string,
): { status: number; headers: Record<string, string>; body: string } {
  const json = { 'content-type': 'application/json' };
  if ('status' in mode) return { status: mode.status, headers: mode.status === 405 ? { allow: 'GET,HEAD' } : json, body: mode.body };
  if (method === 'POST' && url === BULK_ADVISORIES_PATH) {
    const asked = Object.keys(JSON.parse(body) as Record<string, string[]>);
    return {
      status: 200,
      headers: json,
      body: JSON.stringify(Object.fromEntries(asked.filter((name) => mode.advisories[name]).map((name) => [name, mode.advisories[name]]))),
    };
  }
  const packument = /^\/([a-z][a-z0-9-]*)$/.exec(url)?.[1];
  if (method === 'GET' && mode.packuments && packument && ['lodash', 'minimist'].includes(packument)) {
    return { status: 200, headers: json, body: fixture(`packuments/${packument}.json`) };
  }
  return { status: 404, headers: json, body: '{"error":"Not found"}' };
}
