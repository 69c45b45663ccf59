import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../../src/cli/cli';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

describe('conveyor ship without environments (integration, real git)', function () {
  this.timeout(60_000);
  const workspace = sampleWorkspaces();

  it('runs the belt in a folder that deploys nowhere, with no kubeconfig on the machine', async () => {
    const ws = workspace(
      {
        'conveyor.yml': ['pipeline:', '  security: false', '  stages:', '    - { name: test, run: "true" }', ''].join('\n'),
        'package.json': '{\n  "name": "tool",\n  "version": "0.1.0",\n  "private": true\n}\n',
      },
      { git: true },
    );
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Ship Tester', '-c', 'user.email=ship@conveyor.invalid', ...args], {
        cwd: ws.dir,
        encoding: 'utf8',
      }).trim();
    git('config', 'user.name', 'Ship Tester');
    git('config', 'user.email', 'ship@conveyor.invalid');
    ws.write('src/tool.js', 'console.log("tool");\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'feat: a tool');
    const kubeconfig = process.env.KUBECONFIG;
    process.env.KUBECONFIG = path.join(ws.dir, 'no-such-kubeconfig');
    let out = '';
    let code: number;
    try {
      code = await main(['ship', ws.dir, '--yes', '--json'], (text) => (out += text));
    } finally {
      if (kubeconfig === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = kubeconfig;
    }
    // The belt runs: the pipeline passes and the release station answers for itself (this folder has no image to
    // ship); before, a missing kubeconfig stopped the command before any station.
    const run = JSON.parse(out) as { stations: { station: string; result: string }[]; message?: string };
    assert.deepEqual(
      run.stations.map((s) => [s.station, s.result]),
      [
        ['pipeline', 'passed'],
        ['release', 'failed'],
      ],
    );
    assert.match(run.message ?? '', /has no image/);
    assert.doesNotMatch(out, /kubeconfig/i);
    assert.equal(code, 1);
  });
});
