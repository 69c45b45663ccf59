import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runSecurityStage } from '../../../src/pipeline/run/securityStage';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

// The secret scan skipped files over 1 MiB, minified files, lockfiles and any file with a NUL, and its
// messages showed the first 4 characters of a secret (hardening, issue 20 item 13). Secrets are assembled
// at run time so this repository holds none.
const ACCESS_KEY = 'AKIA' + 'Q7XV2LPR9SKT4WMZ';
const SECRET_KEY = 'q7Xv2LpR9sKt4WmZ' + 'bN8cHd3JfG6yTa5UeQ1rVw0i';
const TOKEN = 'Zb7' + 'Kq2Lm9Xr4Tw8Vy3Np6Hs';
const REPO = path.resolve(__dirname, '..', '..', '..');

describe('security stage on a real repository with large, minified, lock and binary files (integration, hardening)', function () {
  this.timeout(120_000);
  let ws: SampleWorkspace;
  afterEach(() => ws?.remove());

  it('finds the secrets in every text file, shows none of their characters, and says which binary it skipped', async () => {
    const bigLines = Array.from({ length: 60_000 }, (_, n) => `row ${n}: nothing secret here, just filler text`);
    const minified = `!function(){var a=${'[1,2,3],'.repeat(200_000)}c={apiToken:"${TOKEN}"};${'x=1;'.repeat(200_000)}}();`;
    ws = sampleWorkspace(
      {
        'data/export.csv': `${bigLines.join('\n')}\nlast,${ACCESS_KEY}\n`,
        'public/app.min.js': minified,
        'web/package-lock.json': `{\n  "name": "web",\n  "aws_secret_access_key": "${SECRET_KEY}"\n}\n`,
        'README.md': '# shop\n',
      },
      { git: true },
    );
    // A real PNG with a key after its header: a true binary, skipped and said so.
    const logo = path.join(ws.dir, 'docs', 'logo.png');
    ws.write('docs/.keep', '');
    copyFileSync(path.join(REPO, 'docs', 'errors.png'), logo);
    execFileSync('sh', ['-c', `printf '%s' '${ACCESS_KEY}' >> docs/logo.png && git add -A`], { cwd: ws.dir });
    assert.ok(readFileSync(path.join(ws.dir, 'data', 'export.csv')).length > 2 * 1024 * 1024);

    const output: string[] = [];
    const outcome = await runSecurityStage(ws.dir, { line: (text) => output.push(text) });
    const text = output.join('\n');

    const csvLine = bigLines.length + 1;
    const minifiedColumn = minified.indexOf(TOKEN) + 1;
    assert.match(text, new RegExp(`^data/export\\.csv:${csvLine}:6: error: Possible AWS access key ID\\. `, 'm'));
    assert.match(text, new RegExp(`^public/app\\.min\\.js:1:${minifiedColumn}: error: Possible hard-coded credential\\. `, 'm'));
    assert.match(text, /^web\/package-lock\.json:3:29: error: Possible AWS secret access key\. /m);
    assert.equal(outcome.problems.length, 3);
    assert.equal(outcome.passed, false);
    for (const secret of [ACCESS_KEY, SECRET_KEY, TOKEN]) {
      for (let start = 0; start + 4 <= secret.length; start++) {
        assert.ok(!text.includes(secret.slice(start, start + 4)), `the output shows part of a secret: ${secret.slice(start, start + 4)}`);
      }
    }
    assert.match(text, /^Secret scan: 5 files, 3 possible secrets$/m);
    assert.match(text, /^Secret scan: skipped 1 file: 1 binary \(a NUL in the first 8 KiB, not UTF-8\): docs\/logo\.png$/m);
  });
});
