import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { stagesFromPackageJson } from '../../../src/pipeline/detectStages';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

// A package.json script named `test:$(touch X)` ran `touch` during `pipeline run`, and `test:a b` ran the
// wrong script (hardening, issue 20 item 6). The detected command must name the script, never run its name.
describe('detected npm scripts run as themselves, through a real shell and npm (integration, hardening)', () => {
  const workspace = sampleWorkspaces();
  const scripts = {
    test: 'echo plain',
    'test:$(touch INJECTED)': 'echo dollar',
    'test:a b': 'echo spaced',
    "test:it's": 'echo quoted',
    'test:`touch TICKED`': 'echo ticked',
  };

  it('quotes every name the shell would read as code, and each command runs its own script', function () {
    this.timeout(60_000);
    const ws = workspace({ 'package.json': JSON.stringify({ name: 'x', version: '1.0.0', scripts }) });
    const stages = stagesFromPackageJson(JSON.stringify({ scripts }), 'npm');
    assert.deepEqual(
      stages.map((s) => s.run),
      [
        'npm run test',
        `npm run 'test:$(touch INJECTED)'`,
        `npm run 'test:a b'`,
        `npm run 'test:it'\\''s'`,
        "npm run 'test:`touch TICKED`'",
      ],
    );
    for (const stage of stages) {
      const output = execFileSync('sh', ['-c', stage.run], { cwd: ws.dir, encoding: 'utf8' });
      assert.match(output, new RegExp(`^${scripts[stage.name as keyof typeof scripts].slice('echo '.length)}$`, 'm'), stage.run);
    }
    assert.equal(existsSync(path.join(ws.dir, 'INJECTED')), false);
    assert.equal(existsSync(path.join(ws.dir, 'TICKED')), false);
  });
});
