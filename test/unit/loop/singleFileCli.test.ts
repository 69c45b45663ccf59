import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { singleFileCli } from '../../../src/loop/singleFileCli';

describe('the CLI as one file for vendoring (unit)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-single-cli-'));
    mkdirSync(path.join(dir, 'dist', 'lib'), { recursive: true });
    // The shapes esbuild writes: a CLI bundle requiring a shared library next to it (esbuild.mjs's dist/lib).
    writeFileSync(path.join(dir, 'dist', 'lib', 'greeting.js'), '"use strict";\nmodule.exports = { hello: (who) => `hello ${who}` };\n');
    writeFileSync(
      path.join(dir, 'dist', 'cli.js'),
      // Like the real bundle, it carries the single-file header's text in its own code (singleFileCli is in it).
      '#!/usr/bin/env node\n"use strict";var H="// Conveyor CLI, one file: the shared libraries it requires are inlined below.";var g=require("./lib/greeting.js");var p=require("node:path");if(require.main===module)console.log(g.hello(p.basename("/x/world")));\n',
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('inlines the shared libraries, so the file runs with nothing next to it; made again from itself, it stays the same', async () => {
    const single = await singleFileCli(path.join(dir, 'dist', 'cli.js'));
    const vendored = path.join(dir, 'repo', '.conveyor', 'bin', 'conveyor.js');
    mkdirSync(path.dirname(vendored), { recursive: true });
    writeFileSync(vendored, single);
    assert.equal(execFileSync(process.execPath, [vendored], { encoding: 'utf8' }), 'hello world\n');
    // `conveyor ci export` run from the vendored copy passes that copy in (there is no lib/ next to it).
    assert.equal(await singleFileCli(vendored), single);
  });
});
