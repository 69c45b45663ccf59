import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

const CLI = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('the pre-push hook, with real git and a local bare remote, running the built CLI (integration)', function () {
  this.timeout(60_000);
  let ws: SampleWorkspace;
  let remote: string;
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ws.dir, encoding: 'utf8' });
  const conveyor = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const remoteHas = (sha: string) => spawnSync('git', ['cat-file', '-e', `${sha}^{commit}`], { cwd: remote }).status === 0;
  const commitState = (state: string) => {
    ws.write('state.txt', `${state}\n`);
    assert.equal(git('commit', '-qam', `chore: ${state}`).status, 0);
    return git('rev-parse', 'HEAD').stdout.trim();
  };

  beforeEach(() => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
    remote = mkdtempSync(path.join(os.tmpdir(), 'conveyor-remote-'));
    spawnSync('git', ['init', '-q', '--bare', remote]);
    ws = sampleWorkspace(
      {
        'state.txt': 'good\n',
        'conveyor.yml': [
          'pipeline:',
          '  security: false',
          '  stages:',
          `    - { name: test, run: "node -e \\"process.exit(require('fs').readFileSync('state.txt','utf8').trim() === 'good' ? 0 : 1)\\"" }`,
          '',
        ].join('\n'),
      },
      { git: true },
    );
    git('config', 'user.name', 'Hook Tester');
    git('config', 'user.email', 'hook@conveyor.invalid');
    git('remote', 'add', 'origin', remote);
  });

  afterEach(() => {
    ws.remove();
    rmSync(remote, { recursive: true, force: true });
  });

  it('blocks the push of a failing commit and lets a passing one through', () => {
    const installed = conveyor('hook', 'install', ws.dir);
    assert.equal(installed.status, 0, installed.stderr);
    assert.match(installed.stdout, /^pre-push hook installed at .*\.git\/hooks\/pre-push\n$/);
    const bad = commitState('bad');
    const refused = git('push', '-q', 'origin', 'main');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /conveyor pre-push: running the pipeline/);
    assert.match(refused.stderr, /test failed/);
    assert.equal(remoteHas(bad), false, 'the failing commit did not reach the remote');
    const good = commitState('good');
    const pushed = git('push', '-q', 'origin', 'main');
    assert.equal(pushed.status, 0, pushed.stderr);
    assert.equal(remoteHas(good), true);
  });

  it('honours core.hooksPath, runs the hook that was there first with its refs, and puts it back on removal', () => {
    git('config', 'core.hooksPath', '.githooks');
    const log = path.join(ws.dir, '..', 'existing-hook.log');
    const existing = `#!/bin/sh\necho "ran with $1 $(cat)" >> ${JSON.stringify(log)}\n`;
    ws.write('.githooks/pre-push', existing);
    spawnSync('chmod', ['+x', path.join(ws.dir, '.githooks/pre-push')]);
    git('add', '-A');
    git('commit', '-qm', 'chore: hooks');
    assert.equal(conveyor('hook', 'install', ws.dir).status, 0);
    assert.match(readFileSync(path.join(ws.dir, '.githooks/pre-push'), 'utf8'), /# conveyor pre-push hook/);
    const head = git('rev-parse', 'HEAD').stdout.trim();
    assert.equal(git('push', '-q', 'origin', 'main').status, 0);
    assert.match(readFileSync(log, 'utf8'), new RegExp(`^ran with origin refs/heads/main ${head} refs/heads/main 0{40}\\n$`));
    // A second install never overwrites: the chained hook is kept once.
    assert.equal(conveyor('hook', 'install', ws.dir).status, 0);
    const removed = conveyor('hook', 'remove', ws.dir);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(readFileSync(path.join(ws.dir, '.githooks/pre-push'), 'utf8'), existing);
    assert.equal(existsSync(path.join(ws.dir, '.githooks/pre-push.before-conveyor')), false);
    const other = conveyor('hook', 'remove', ws.dir);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /is not Conveyor's hook: it was left as it is/);
    writeFileSync(log, '');
  });
});
