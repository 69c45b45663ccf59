import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getFromCredentialHelper, parseCredentialHelperOutput } from '../../../src/release/registry/credentialHelper';
import type { CredentialHelperRequest } from '../../../src/release/registry/credentialHelper';
import { findDockerCredentials } from '../../../src/release/registry/dockerConfig';

const SECRET = 'hunter2-do-not-print';

/** A stand-in helper: answers by the server URL it reads on stdin, as docker-credential-* programs do. */
const FAKE_HELPER = `#!/bin/sh
[ "$1" = get ] || exit 3
read -r url
case "$url" in
  ok.example) printf '{"ServerURL":"ok.example","Username":"alice","Secret":"${SECRET}"}' ;;
  token.example) printf '{"ServerURL":"token.example","Username":"<token>","Secret":"refresh-${SECRET}"}' ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"hub","Username":"hubber","Secret":"${SECRET}"}' ;;
  absent.example) echo "credentials not found in native keychain"; exit 1 ;;
  broken.example) echo "gpg: decryption failed: No secret key"; exit 2 ;;
  leaky.example) printf '{"Username":"alice","Secret":"${SECRET}"}'; exit 1 ;;
  garbled.example) printf 'Secret=${SECRET}' ;;
  slow.example) sleep 5 ;;
  family.example) sleep 30 & echo $! > "$CNV_HELPER_CHILD_PID"; wait ;;
  *) printf '{"ServerURL":"","Username":"","Secret":""}' ;;
esac
`;

describe('Docker credential helpers (unit)', () => {
  let dir: string;
  let savedPath: string | undefined;
  const ask = (host: string, extra: Partial<CredentialHelperRequest> = {}) =>
    getFromCredentialHelper({ helper: 'fake', serverUrl: host, host, ...extra });
  const rejection = async (promise: Promise<unknown>): Promise<Error> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    assert.ok(error instanceof Error, 'the lookup rejects');
    assert.ok(!error.message.includes(SECRET) && !String(error.stack).includes(SECRET), `no secret in: ${error.message}`);
    return error;
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cnv-cred-helper-'));
    writeFileSync(path.join(dir, 'docker-credential-fake'), FAKE_HELPER);
    chmodSync(path.join(dir, 'docker-credential-fake'), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}${path.delimiter}${savedPath ?? ''}`;
  });
  after(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses the protocol: user and secret, an identity token, empty answers as none, anything else as an error without the text', () => {
    assert.deepEqual(parseCredentialHelperOutput('{"ServerURL":"h","Username":"u","Secret":"p"}'), { username: 'u', password: 'p' });
    assert.deepEqual(parseCredentialHelperOutput('{"Username":"<token>","Secret":"t"}'), { identityToken: 't' });
    assert.equal(parseCredentialHelperOutput('{"ServerURL":"h","Username":"","Secret":""}'), undefined);
    assert.throws(
      () => parseCredentialHelperOutput(`user ${SECRET}`),
      (e: Error) => !e.message.includes(SECRET),
    );
    assert.throws(() => parseCredentialHelperOutput('{"Username":"u"}'), /without a string Username and Secret/);
    assert.throws(() => parseCredentialHelperOutput('[]'), /not an object/);
  });

  it('runs docker-credential-<name> get with the server URL on stdin', async () => {
    assert.deepEqual(await ask('ok.example'), { username: 'alice', password: SECRET });
    assert.deepEqual(await ask('token.example'), { identityToken: `refresh-${SECRET}` });
    assert.equal(await ask('absent.example'), undefined, 'the protocol’s "not found" is no credentials, not a failure');
    assert.equal(await ask('other.example'), undefined, 'older helpers answer empty strings');
  });

  it('names the helper and the host when it is missing, fails, prints no JSON or hangs', async () => {
    assert.equal(
      (await rejection(ask('ok.example', { helper: 'nowhere' }))).message,
      'docker-credential-nowhere, the Docker credential helper for ok.example, is not installed (not found on PATH): install it or remove it from your Docker config',
    );
    assert.equal(
      (await rejection(ask('broken.example'))).message,
      'docker-credential-fake, the Docker credential helper for broken.example, failed (exit code 2: gpg: decryption failed: No secret key)',
    );
    assert.equal(
      (await rejection(ask('leaky.example'))).message,
      'docker-credential-fake, the Docker credential helper for leaky.example, failed (exit code 1)',
      'JSON printed by a failing helper is not repeated',
    );
    assert.equal(
      (await rejection(ask('garbled.example'))).message,
      'docker-credential-fake, the Docker credential helper for garbled.example, printed something that is not JSON',
    );
    const started = Date.now();
    assert.equal(
      (await rejection(ask('slow.example', { timeoutMs: 300 }))).message,
      'docker-credential-fake, the Docker credential helper for slow.example, gave no answer within 0.3 s',
    );
    assert.ok(Date.now() - started < 3000, 'the hung helper is killed at the timeout');

    // What the helper started (pass starts gpg) ends with it.
    const pidFile = path.join(dir, 'child.pid');
    process.env.CNV_HELPER_CHILD_PID = pidFile;
    try {
      await rejection(ask('family.example', { timeoutMs: 1_000 }));
    } finally {
      delete process.env.CNV_HELPER_CHILD_PID;
    }
    const child = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(child > 0);
    // A killed child not yet reaped is a zombie (state Z): dead for this purpose.
    const alive = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${child}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let waited = 0; alive() && waited < 2000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(), false, `the helper's child ${child} was killed with it`);
    assert.match((await rejection(ask('ok.example', { helper: '../evil' }))).message, /is not a program name Docker would run/);
  });

  it('asks credHelpers[host] before credsStore before the auths entry, as the docker CLI does', async () => {
    const configFile = path.join(dir, 'config.json');
    const asked: string[] = [];
    const runner = (request: CredentialHelperRequest) => {
      asked.push(`${request.helper} ${request.serverUrl}`);
      return Promise.resolve(request.serverUrl === 'none.example' ? undefined : { username: request.helper, password: 'x' });
    };
    const lookup = (host: string) => findDockerCredentials(host, configFile, runner);
    const plain = { auth: Buffer.from('file:pw').toString('base64') };
    writeFileSync(
      configFile,
      JSON.stringify({
        auths: { 'gcr.io': plain, 'ghcr.io': plain, 'none.example': plain },
        credsStore: 'desktop',
        credHelpers: { 'https://gcr.io': 'gcloud' },
      }),
    );
    assert.deepEqual((await lookup('gcr.io')).credentials, { username: 'gcloud', password: 'x' });
    assert.deepEqual((await lookup('ghcr.io')).credentials, { username: 'desktop', password: 'x' });
    assert.deepEqual((await lookup('docker.io')).credentials, { username: 'desktop', password: 'x' });
    const none = await lookup('none.example');
    assert.equal(none.credentials, undefined, 'a helper without credentials is not overruled by an auths entry');
    assert.equal(none.helper, 'desktop');
    assert.equal(
      none.reason,
      `docker-credential-desktop (credsStore in ${configFile}) has no credentials for none.example: run \`docker login none.example\``,
    );
    assert.deepEqual(asked, ['gcloud gcr.io', 'desktop ghcr.io', 'desktop https://index.docker.io/v1/', 'desktop none.example']);

    writeFileSync(configFile, JSON.stringify({ auths: { 'ghcr.io': plain } }));
    assert.deepEqual((await lookup('ghcr.io')).credentials, { username: 'file', password: 'pw' }, 'no helper: the auths entry');
    assert.equal(asked.length, 4);
  });

  it('uses the real helper from findDockerCredentials by default', async () => {
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ credHelpers: { 'ok.example': 'fake' } }));
    assert.deepEqual((await findDockerCredentials('ok.example', configFile)).credentials, { username: 'alice', password: SECRET });
    writeFileSync(configFile, JSON.stringify({ credsStore: 'fake' }));
    assert.deepEqual((await findDockerCredentials('docker.io', configFile)).credentials, { username: 'hubber', password: SECRET });
  });
});
