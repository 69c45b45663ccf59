import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { NODE_SERVICE_FILES, sampleWorkspace } from '../../support/sampleWorkspace';

const CLI = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

function conveyor(args: string[], cwd?: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('conveyor CLI, the built dist/cli.js (integration)', () => {
  before(() => assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`));
  const ws = sampleWorkspace(NODE_SERVICE_FILES, { git: true, name: 'shop' });
  after(() => ws.remove());

  it('prints a human summary of a folder', () => {
    const { code, stdout } = conveyor(['status', ws.dir]);
    assert.equal(code, 0);
    assert.match(stdout, /^Conveyor — shop/);
    assert.match(stdout, /git: branch main at [0-9a-f]{7}/);
    assert.match(stdout, /Build & Test: 4 stage\(s\) detected, plus the built-in security stage/);
    assert.match(stdout, /lint\s+npm run lint\s+\(package\.json\)/);
    assert.match(stdout, /Release: image 127\.0\.0\.1:5000\/shop from Dockerfile \(detected\)/);
    assert.match(stdout, /Deployment\/demo-service\s+k8s\/deployment\.yaml/);
  });

  it('defaults to the current folder and prints JSON on request', () => {
    const { code, stdout } = conveyor(['status', '--json'], ws.dir);
    assert.equal(code, 0);
    const json = JSON.parse(stdout) as { folder: string; pipeline: { stages: { name: string }[] }; git: { branch: string } };
    assert.equal(json.folder, ws.dir);
    assert.equal(json.git.branch, 'main');
    assert.deepEqual(
      json.pipeline.stages.map((s) => s.name),
      ['lint', 'build', 'test', 'test:e2e'],
    );
  });

  it('exits 1 and prints file:line:column for each problem of a broken conveyor.yml', () => {
    const broken = sampleWorkspace({ 'conveyor.yml': 'version: 1\nboard:\n  provider: trello\npipelin: {}\n' });
    try {
      const { code, stdout } = conveyor(['status', broken.dir]);
      assert.equal(code, 1);
      assert.match(stdout, /conveyor\.yml:3:13: error: board\.provider must be one of/);
      assert.match(stdout, /conveyor\.yml:4:1: error: Unknown key "pipelin"/);
    } finally {
      broken.remove();
    }
  });

  it('explains usage for no command (exit 2), --help (exit 0), unknown commands and options (exit 2)', () => {
    assert.equal(conveyor([]).code, 2);
    const help = conveyor(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: conveyor <command>/);
    const unknown = conveyor(['deploy-everything']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "deploy-everything"/);
    assert.equal(conveyor(['status', '--colour']).code, 2);
    assert.match(conveyor(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('reports a folder that does not exist in one line, without a stack trace (exit 2)', () => {
    const { code, stdout, stderr } = conveyor(['status', path.join(ws.dir, 'nope')]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(stderr, `conveyor: ${path.join(ws.dir, 'nope')} is not a folder\n`);
  });
});

describe('conveyor pipeline run, the built dist/cli.js (integration)', () => {
  const ws = sampleWorkspace(
    {
      'package.json': JSON.stringify({
        name: 'belt',
        scripts: {
          lint: 'node -e "console.log(\'lint ok\')"',
          test: 'node -e "console.log(\'src/app.js:1:1: error: boom\'); process.exit(3)"',
        },
      }),
      'src/app.js': 'module.exports = 1;\n',
    },
    { git: true, name: 'belt' },
  );
  after(() => ws.remove());

  it('streams plain progress and output when stdout is not a terminal, exiting 1 at the failing stage', () => {
    const { code, stdout } = conveyor(['pipeline', 'run'], ws.dir);
    assert.equal(code, 1);
    assert.match(stdout, /^▶ lint: npm run lint\n/m);
    assert.match(stdout, /^lint ok$/m);
    assert.match(stdout, /^✓ lint passed in \d/m);
    assert.match(stdout, /^✓ security passed/m);
    assert.match(stdout, /^✗ test failed in .* — exit code 3$/m);
    assert.match(stdout, /^Pipeline failed at test in .*\nLog: .*\.log\n$/m);
  });

  it('prints a JSON summary with --json and runs only the named stage with --stage', () => {
    const { code, stdout } = conveyor(['pipeline', 'run', ws.dir, '--stage', 'lint', '--json']);
    assert.equal(code, 0);
    const run = JSON.parse(stdout) as {
      result: string;
      scope: string;
      stages: { name: string; status: string }[];
      readyForRelease: boolean;
    };
    assert.equal(run.result, 'passed');
    assert.equal(run.scope, 'stage');
    assert.deepEqual(
      run.stages.map((s) => `${s.name}:${s.status}`),
      ['lint:passed', 'security:skipped', 'test:skipped'],
    );
    assert.equal(run.readyForRelease, false);
    const failing = conveyor(['pipeline', 'run', ws.dir, '--json']);
    assert.equal(failing.code, 1);
    const failed = JSON.parse(failing.stdout) as { stages: { name: string; problems: { line: number; message: string }[] }[] };
    assert.deepEqual(
      failed.stages.find((s) => s.name === 'test')?.problems.map((p) => [p.line, p.message]),
      [[1, 'boom']],
    );
  });

  it('rejects an unknown stage and an unknown action with usage errors (exit 2)', () => {
    const unknownStage = conveyor(['pipeline', 'run', ws.dir, '--stage', 'deploy']);
    assert.equal(unknownStage.code, 2);
    assert.equal(unknownStage.stderr, 'conveyor: no stage named deploy in belt (stages: lint, security, test)\n');
    assert.equal(conveyor(['pipeline', 'fly']).code, 2);
  });
});

describe('conveyor release, the built dist/cli.js (integration)', () => {
  const ws = sampleWorkspace(
    { 'package.json': '{\n  "name": "lib",\n  "version": "0.9.0",\n  "private": true,\n  "scripts": { "test": "node -e 1" }\n}\n' },
    { git: true, name: 'lib' },
  );
  after(() => ws.remove());
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ws.dir, encoding: 'utf8' }).stdout.trim();

  it('prints the plan as JSON with --dry-run --json, exit 1 while the gate refuses and 0 once it passes', () => {
    const refused = conveyor(['release', ws.dir, '--dry-run', '--json']);
    assert.equal(refused.code, 1);
    const plan = JSON.parse(refused.stdout) as {
      currentVersion: string;
      version: string;
      bump: string;
      reason: string;
      commits: { subject: string }[];
      image: unknown;
      gate: { passes: boolean; problem?: { kind: string } };
    };
    assert.deepEqual([plan.currentVersion, plan.version, plan.bump, plan.image], ['0.9.0', '0.10.0', 'minor', null]);
    assert.match(plan.reason, /^minor release: 1 feature in 2 commits\./);
    assert.deepEqual(
      plan.commits.map((c) => c.subject),
      ['feat: sample project', 'chore: start'],
    );
    assert.deepEqual([plan.gate.passes, plan.gate.problem?.kind], [false, 'gate']);
    assert.match(refused.stderr, /not marked ready for release/);
    const overridden = JSON.parse(conveyor(['release', ws.dir, '--dry-run', '--json', '--override', 'hotfix']).stdout) as {
      gate: { passes: boolean };
    };
    assert.equal(overridden.gate.passes, true);
  });

  it('refuses a commit the pipeline has not marked ready, explaining the override (exit 1)', () => {
    const { code, stdout, stderr } = conveyor(['release', ws.dir]);
    assert.equal(code, 1);
    assert.match(stdout, /^Release lib: 0\.9\.0 → 0\.10\.0 \(minor/);
    assert.match(stderr, /is not marked ready for release: run the pipeline .* \(or release anyway with --override "reason"\)/);
    assert.equal(git('tag', '--list'), '');
  });

  it('releases a ready commit without an image as a version commit and an annotated tag, then lists it', () => {
    git('config', 'user.name', 'CLI Tester');
    git('config', 'user.email', 'cli@conveyor.invalid');
    assert.equal(conveyor(['pipeline', 'run', ws.dir]).code, 0);
    assert.equal(conveyor(['release', ws.dir, '--dry-run']).code, 0);
    const ready = conveyor(['release', ws.dir, '--dry-run', '--json']);
    assert.equal(ready.code, 0);
    assert.equal((JSON.parse(ready.stdout) as { gate: { passes: boolean } }).gate.passes, true);
    assert.equal(git('tag', '--list'), '', '--dry-run changes nothing');
    const { code, stdout } = conveyor(['release', ws.dir, '--bump', 'major']);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /Released v1\.0\.0 at [0-9a-f]{7}\n$/);
    assert.equal(git('tag', '--list'), 'v1.0.0');
    const listed = conveyor(['release', 'list', ws.dir]);
    assert.match(listed.stdout, /^v1\.0\.0\s+[0-9a-f]{7}\s+\d{4}-\d\d-\d\d\s+no image$/m);
    assert.equal(conveyor(['release', ws.dir, '--bump', 'sideways']).code, 2);
  });
});
