import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isBinary, scanSecrets } from '../../../src/pipeline/security/secretScan';
import { LineSegmenter, WINDOW_CHARS, WINDOW_OVERLAP } from '../../../src/pipeline/security/lineSegments';
import { findSecretsInLine, shannonEntropy } from '../../../src/pipeline/security/secretRules';
import { globToRegExp, parseSecretsIgnore } from '../../../src/pipeline/security/secretsIgnore';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

// Sample secrets are assembled at run time so that this repository holds no literal that a secret
// scanner (this one included) would report.
const ALPHABET = 'q7Xv2LpR9sKt4WmZbN8cHd3JfG6yTa5UeQ1rVw0iEoPxBzYnMuSkCjDlFgAhIO';
function fakeToken(length: number, seed = 0): string {
  return Array.from({ length }, (_, i) => ALPHABET[(i * 7 + seed) % ALPHABET.length]).join('');
}

const SAMPLES: Record<string, { line: string; found: string }> = {
  'private-key': { line: '-----BEGIN ' + 'RSA PRIVATE KEY-----', found: '-----BEGIN ' + 'RSA PRIVATE KEY-----' },
  'aws-access-key-id': { line: 'aws_access_key_id = ' + 'AKIA' + 'IOSFODNN7EXAMPLE', found: 'AKIA' + 'IOSFODNN7EXAMPLE' },
  'aws-secret-access-key': {
    line: 'aws_secret_access_key = ' + 'wJalrXUtnFEMI/K7MDENG/' + 'bPxRfiCYEXAMPLEKEY',
    found: 'wJalrXUtnFEMI/K7MDENG/' + 'bPxRfiCYEXAMPLEKEY',
  },
  'github-token': { line: 'GH_TOKEN: ' + 'ghp_' + fakeToken(36, 1), found: 'ghp_' + fakeToken(36, 1) },
  'slack-token': { line: 'bot = "' + 'xoxb-' + '1234567890-' + fakeToken(24, 2) + '"', found: 'xoxb-' + '1234567890-' + fakeToken(24, 2) },
  'slack-webhook': {
    line: 'url: ' + 'https://hooks.slack.com/services/' + 'T0A1B2C3D/B0A1B2C3D/' + fakeToken(24, 3),
    found: 'https://hooks.slack.com/services/' + 'T0A1B2C3D/B0A1B2C3D/' + fakeToken(24, 3),
  },
  'google-api-key': { line: 'const maps = "' + 'AIza' + fakeToken(35, 4) + '";', found: 'AIza' + fakeToken(35, 4) },
  'stripe-live-key': { line: 'stripe(' + "'sk_" + 'live_' + fakeToken(24, 5) + "')", found: 'sk_' + 'live_' + fakeToken(24, 5) },
  'npm-token': { line: '//registry.npmjs.org/:_authToken=' + 'npm_' + fakeToken(36, 6), found: 'npm_' + fakeToken(36, 6) },
  'generic-secret': { line: '  "db' + '_password": "' + fakeToken(20, 7) + '",', found: fakeToken(20, 7) },
};

describe('secret scan (unit)', () => {
  const workspace = sampleWorkspaces();

  it("detects every rule's sample at its line and column, and shows no character of the secret, only its kind", async () => {
    const lines = Object.values(SAMPLES).map((sample) => sample.line);
    const ws = workspace({ 'config/leaks.txt': ['# samples', ...lines].join('\n') + '\n' }, { git: true });
    const result = await scanSecrets(ws.dir);
    assert.equal(result.filesScanned, 1);
    assert.deepEqual(
      result.problems.map((p) => p.code),
      Object.keys(SAMPLES),
    );
    for (const [index, problem] of result.problems.entries()) {
      const { line, found: secret } = Object.values(SAMPLES)[index];
      assert.equal(problem.file, path.join(ws.dir, 'config', 'leaks.txt'));
      assert.equal(problem.line, index + 2);
      assert.equal(line.slice(problem.column - 1, (problem.endColumn ?? 0) - 1), secret, problem.code);
      assert.equal(problem.severity, 'error');
      assert.equal(problem.source, 'secret-scan');
      assert.ok(!problem.message.includes(secret.slice(0, 4)), `${problem.code} message shows the start of the secret`);
      assert.doesNotMatch(problem.message, /\(|…/, 'no preview of any kind');
      assert.ok(problem.message.includes(`\`config/leaks.txt:${problem.code}:${problem.line}\``), problem.message);
    }
    assert.match(
      result.problems[1].message,
      /^Possible AWS access key ID\. Remove it and rotate it; if it is not a secret, add `config\/leaks\.txt:aws-access-key-id:3` to \.conveyor\/secrets-ignore/,
    );
  });

  it('recognises the other private-key and GitHub token forms', () => {
    const codes = (line: string) => findSecretsInLine(line).map((m) => m.rule.id);
    assert.deepEqual(codes('-----BEGIN ' + 'OPENSSH PRIVATE KEY-----'), ['private-key']);
    assert.deepEqual(codes('-----BEGIN ' + 'PGP PRIVATE KEY BLOCK-----'), ['private-key']);
    assert.deepEqual(codes('-----BEGIN ' + 'PRIVATE KEY-----'), ['private-key']);
    assert.deepEqual(codes('-----BEGIN ' + 'PUBLIC KEY-----'), []);
    assert.deepEqual(codes('token = "' + 'github_pat_' + fakeToken(40, 8) + '"'), ['github-token']);
    assert.deepEqual(codes('export GITHUB_TOKEN=' + 'gho_' + fakeToken(36, 9)), ['github-token']);
  });

  it('leaves placeholders, references, prose and low-entropy values alone', () => {
    const harmless = [
      'password = "${DB_PASSWORD}"',
      'api_key: "<your api key here>"',
      'token = process.env.GITHUB_TOKEN',
      'const token = request.headers.authorization;',
      'const accessKey = readAccessKeyFromVault(config.vault.path)',
      'secret: "changeme-changeme-changeme"',
      "apiKey: 'xxxxxxxxxxxxxxxxxxxxxxxx'",
      'password = "aaaaaaaaaaaaaaaaaaaa"',
      'auth_token = "abababababababababababab"',
      'client_secret: "' + 'example-' + fakeToken(16, 10) + '"',
      '"author": "Jane Doe <jane@example.com> (https://jane.dev)",',
      '"authorName": "' + fakeToken(20, 11) + '",',
      'token_url = "https://oauth2.googleapis.com/token"',
      'passwordHint: "Use at least twelve characters and a digit",',
      'secretsFile: "./config/secrets/production.json",',
      'password: "Sh0rt!pw"',
    ];
    for (const line of harmless) assert.deepEqual(findSecretsInLine(line), [], line);
    assert.ok(shannonEntropy('aaaa') === 0 && shannonEntropy('abcd') === 2);
  });

  it('leaves code alone: constant names, comparisons, member access, indexing, translated text', () => {
    const code = [
      'export const FLOW_PASSWORD_REQUIRED_V2 = "FlowPasswordRequiredResultV2";',
      '    SHA256_TOKEN_TO_REFRESH: "token_sha256_to_refresh",',
      'if(n==`variable`&&(t.prevToken==`;`||t.prevToken==null))',
      'exports.BasicCredentialHandler = basiccreds_1.BasicCredentialHandler;',
      'type OpeningParenToken = OpeningParenToken$1;',
      'const firstTokenToRemove = tokenPairs2x[0][0];',
      '"Unexpected_token_1068": "予期しないトークンです。コンストラクター、メソッド、アクセサー",',
    ];
    for (const line of code) assert.deepEqual(findSecretsInLine(line), [], line);
  });

  it('takes a bare value for a secret in configuration files but not in source code', async () => {
    const value = fakeToken(24, 13);
    const ws = workspace({
      '.env': `API_TOKEN=${value}\n`,
      'src/client.ts': `const apiToken = ${value};\n`,
      'src/client.py': `api_token = "${value}"\n`,
    });
    const result = await scanSecrets(ws.dir);
    assert.deepEqual(
      result.problems.map((p) => path.relative(ws.dir, p.file)),
      ['.env', path.join('src', 'client.py')],
    );
  });

  it('skips a finding marked conveyor:allow-secret on its line', async () => {
    const key = 'AKIA' + 'IOSFODNN7EXAMPLE';
    const ws = workspace({ 'docs/aws.md': `Example: ${key} <!-- conveyor:allow-secret -->\nReal: ${key}\n` }, { git: true });
    const result = await scanSecrets(ws.dir);
    assert.deepEqual(
      result.problems.map((p) => p.line),
      [2],
    );
    assert.equal(result.ignored, 1);
  });

  it('skips files matched by a glob in .conveyor/secrets-ignore and single findings by fingerprint', async () => {
    const key = 'AKIA' + 'IOSFODNN7EXAMPLE';
    const ws = workspace(
      {
        'test/fixtures/keys/aws.txt': `${key}\n${key}\n`,
        'certs/dev.pem': '-----BEGIN ' + 'EC PRIVATE KEY-----\n',
        'src/config.ts': `export const a = '${key}';\nexport const b = '${key}';\n`,
      },
      { git: true },
    );
    const before = await scanSecrets(ws.dir);
    assert.equal(before.problems.length, 5);
    const fingerprint = /`([^`]+)`/.exec(before.problems.find((p) => p.file.endsWith('config.ts'))?.message ?? '')?.[1];
    assert.equal(fingerprint, 'src/config.ts:aws-access-key-id:1');
    ws.write('.conveyor/secrets-ignore', `# fixtures hold fake keys\n\ntest/fixtures/**\n*.pem\n${fingerprint}\n`);
    const after = await scanSecrets(ws.dir);
    assert.deepEqual(
      after.problems.map((p) => `${path.relative(ws.dir, p.file)}:${p.line}`),
      [`src${path.sep}config.ts:2`],
    );
    assert.equal(after.ignored, 4);
  });

  it('reads only tracked files in a git repository', async () => {
    const key = 'AKIA' + 'IOSFODNN7EXAMPLE';
    const ws = workspace({ 'app.js': `const key = '${key}';\n`, '.gitignore': '.env\n' }, { git: true });
    ws.write('.env', `AWS_ACCESS_KEY_ID=${key}\n`);
    ws.write('scratch/notes.txt', `${key}\n`);
    const result = await scanSecrets(ws.dir);
    assert.deepEqual(
      result.problems.map((p) => path.basename(p.file)),
      ['app.js'],
    );
    assert.equal(result.filesScanned, 2);
  });

  it('walks a folder that is not a repository, skipping dependency and build folders', async () => {
    const key = 'AKIA' + 'IOSFODNN7EXAMPLE';
    const files: Record<string, string> = { 'src/main.py': `KEY = "${key}"\n` };
    for (const folder of ['node_modules/lib', 'dist', 'out', 'build', 'coverage']) files[`${folder}/leak.js`] = `'${key}'\n`;
    const ws = workspace(files);
    const result = await scanSecrets(ws.dir);
    assert.deepEqual(
      result.problems.map((p) => path.relative(ws.dir, p.file)),
      [path.join('src', 'main.py')],
    );
    assert.equal(result.filesScanned, 1);
  });

  it('scans lock, minified, map and large files, and files with a stray NUL; skips only true binaries, saying why', async () => {
    const key = 'AKIA' + 'IOSFODNN7EXAMPLE';
    const binary = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0xff, 0xfe]), Buffer.from(key)]);
    const ws = workspace(
      {
        'big.txt': `${'a'.repeat(1024 * 1024)}\n${key}\n`,
        'package-lock.json': `"${key}"\n`,
        'yarn.lock': `${key}\n`,
        'pnpm-lock.yaml': `${key}\n`,
        'vendor/app.min.js': `var k="${key}";\n`,
        'vendor/app.js.map': `"${key}"\n`,
        'nul.txt': `text\0with a NUL ${key}\n`,
        'ok.txt': 'nothing to see\n',
      },
      { git: true },
    );
    writeFileSync(path.join(ws.dir, 'logo.png'), binary);
    const result = await scanSecrets(ws.dir, {
      files: [
        ...['big.txt', 'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml'],
        ...['vendor/app.min.js', 'vendor/app.js.map', 'nul.txt', 'ok.txt', 'logo.png'],
      ],
    });
    assert.deepEqual(
      result.problems.map((p) => `${path.relative(ws.dir, p.file).split(path.sep).join('/')}:${p.line}`),
      ['big.txt:2', 'package-lock.json:1', 'yarn.lock:1', 'pnpm-lock.yaml:1', 'vendor/app.min.js:1', 'vendor/app.js.map:1', 'nul.txt:1'],
    );
    assert.equal(result.filesScanned, 8);
    assert.deepEqual(result.skipped, [{ file: 'logo.png', reason: 'binary' }]);
  });

  it('tells binary from text by a NUL and invalid UTF-8 together', () => {
    assert.equal(isBinary(Buffer.from('plain text')), false);
    assert.equal(isBinary(Buffer.from('text with a \0 NUL, ünïcode')), false);
    assert.equal(isBinary(Buffer.from([0x00, 0xff, 0x41])), true);
    assert.equal(isBinary(Buffer.from([0xff, 0xfe, 0x41])), false, 'no NUL: read as text (with replacement characters)');
    assert.equal(
      isBinary(Buffer.concat([Buffer.from('a\0'), Buffer.from('é').subarray(0, 1)])),
      false,
      'a character cut at the end of the sniff',
    );
  });

  it('finds secrets across window edges of a long line, at their true column, each once', () => {
    const key = 'AKIA' + 'IOSFODNN7EXAMPLE';
    const found: Array<{ line: number; column: number }> = [];
    const segmenter = new LineSegmenter((segment) => {
      for (const match of findSecretsInLine(segment.text))
        if (match.start >= segment.acceptFrom && match.start < segment.acceptTo)
          found.push({ line: segment.line, column: segment.offset + match.start + 1 });
    });
    // Keys at the start, straddling the first window edge, in the overlap, and at the very end of a 300 KiB line.
    const columns = [1, WINDOW_CHARS - 5, WINDOW_CHARS + WINDOW_OVERLAP - 10, 3 * WINDOW_CHARS + 7];
    const line = Array.from({ length: 300 * 1024 }, () => '.');
    for (const column of columns) line.splice(column - 1, key.length, ...key);
    const text = `first line\r\n${line.join('')}\n${key}`;
    // Chunks of odd sizes, as a stream delivers them.
    for (let i = 0; i < text.length; i += 9999) segmenter.push(text.slice(i, i + 9999));
    segmenter.end();
    assert.deepEqual(found, [...columns.map((column) => ({ line: 2, column })), { line: 3, column: 1 }]);
  });

  it('scans the files it is given instead of the tracked ones', async () => {
    const key = 'AKIA' + 'IOSFODNN7EXAMPLE';
    const ws = workspace({ 'a.txt': `${key}\n`, 'b.txt': `${key}\n` }, { git: true });
    const result = await scanSecrets(ws.dir, { files: ['b.txt', path.join(ws.dir, 'missing.txt')] });
    assert.deepEqual(
      result.problems.map((p) => path.basename(p.file)),
      ['b.txt'],
    );
    assert.equal(result.filesScanned, 1);
  });

  it('stops with an AbortError when cancelled', async () => {
    const ws = workspace({ 'a.txt': 'hello\n' }, { git: true });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(scanSecrets(ws.dir, { signal: controller.signal }), { name: 'AbortError' });
  });

  it('stays fast on a long line of base64 (no catastrophic backtracking)', () => {
    const blob = `data = "${fakeToken(500_000, 12).replace(/[aeiou]/g, '+')}"`;
    const started = performance.now();
    findSecretsInLine(blob);
    findSecretsInLine(`tokenized${'a_b'.repeat(100_000)}`);
    assert.ok(performance.now() - started < 1000, `took ${Math.round(performance.now() - started)} ms`);
  });

  it('matches ignore globs like gitignore', () => {
    const matches = (glob: string, file: string) => globToRegExp(glob).test(file);
    assert.ok(matches('test/fixtures/**', 'test/fixtures/a/b.ts'));
    assert.ok(!matches('test/fixtures/**', 'test/fixturesX/a.ts'));
    assert.ok(matches('test/fixtures/', 'test/fixtures/a.ts'));
    assert.ok(matches('*.pem', 'certs/dev/server.pem'));
    assert.ok(matches('src/**/*.spec.ts', 'src/a.spec.ts') && matches('src/**/*.spec.ts', 'src/x/y/a.spec.ts'));
    assert.ok(!matches('src/*.ts', 'src/x/a.ts'));
    assert.ok(matches('docs/?.md', 'docs/a.md') && !matches('docs/?.md', 'docs/ab.md'));
    assert.ok(matches('./config/dev.env', 'config/dev.env'));
    assert.ok(!matches('a+b.txt', 'aab.txt'));
    const ignore = parseSecretsIgnore('# note\n\nsrc/a.ts:npm-token:3\r\n');
    assert.ok(ignore.ignoresFinding('src/a.ts:npm-token:3') && !ignore.ignoresFile('src/a.ts'));
  });
});
