// Runs the mocha suites of test/e2e/suite inside the real extension host through @vscode/test-electron's
// runTests (here the stand-in executable drives code-server), and fails unless they ran and all passed.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { IN_HOST_SUITE, runInHostSuite } from '../runInHost';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** What runTests passes on from the host's stdout, kept while `work` runs. */
async function withStdout<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array, ...rest: never[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return write(chunk, ...rest);
  };
  try {
    return { result: await work(), output: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}

describe('extension-host suites through runTests (e2e)', () => {
  before(() => {
    assert.ok(existsSync(`${IN_HOST_SUITE}.js`), 'the in-host suite is built (node esbuild.mjs --tests)');
    assert.ok(existsSync(path.join(ROOT, 'dist', 'extension.js')), 'the extension is built');
  });

  it('passes every suite run inside the extension host', async () => {
    const { result: code, output } = await withStdout(runInHostSuite);
    const summary = output.match(/^\[mocha\] (\d+ passed, \d+ failed)$/m)?.[1];
    assert.ok(summary, 'the suite reported a summary');
    assert.equal(code, 0, `extension host exit code ${code}`);
    assert.match(summary, /^[1-9]\d* passed, 0 failed$/);
  });
});
