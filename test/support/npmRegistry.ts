// npm registries for the dependency audit and patch tests. The advisory stub answers npm's bulk-advisory
// POST from recorded responses (the registry this machine reaches answers that endpoint with 405), and serves
// recorded packuments, or forwards every other request to a real Verdaccio on loopback to which the recorded
// tarballs are published with the real `npm publish`; npm then sees one registry URL.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { StubServer } from './stubServer';
import type { StubExchange } from './stubServer';
import { startVerdaccio } from './verdaccio';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'npm-audit');
export const npmAuditFixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const BULK_ADVISORIES_PATH = '/-/npm/v1/security/advisories/bulk';
const NPM_TIMEOUT_MS = 60_000;

/** The recorded advisories (test/fixtures/npm-audit/advisory-bulk.json), by package name. */
export const recordedAdvisories = (): Record<string, unknown[]> =>
  JSON.parse(npmAuditFixture('advisory-bulk.json')) as Record<string, unknown[]>;

export type AdvisoryStubMode =
  /** Advisories, and the recorded packuments of lodash and minimist (or none). */
  | { advisories: Record<string, unknown[]>; packuments: boolean }
  /** Advisories; every other request goes to the registry at `registry`. */
  | { advisories: Record<string, unknown[]>; registry: string }
  /** Every request answered with this status and body. */
  | { status: number; body: string };

export interface AdvisoryStub {
  url: string;
  requests: { method: string; url: string; body: string }[];
  close(): Promise<void>;
}

/** Answers the bulk-advisory POST like the registry does: only the packages asked about. */
export async function startAdvisoryStub(mode: AdvisoryStubMode): Promise<AdvisoryStub> {
  const server = await StubServer.start<AdvisoryStub['requests'][number]>({
    urlPath: '/',
    decode: (raw, request) => (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'),
    record: (e) => ({ method: e.method, url: e.path, body: e.body }),
    handle: (e) => answer(mode, e),
  });
  return { url: server.url, requests: server.requests, close: () => server.stop() };
}

function answer(mode: AdvisoryStubMode, e: StubExchange): void | Promise<void> {
  const json = { 'content-type': 'application/json' };
  if ('status' in mode) return e.send(mode.status, mode.body, mode.status === 405 ? { allow: 'GET,HEAD' } : json);
  if (e.method === 'POST' && e.path === BULK_ADVISORIES_PATH) {
    const asked = Object.keys(JSON.parse(e.body) as Record<string, string[]>);
    return e.send(
      200,
      JSON.stringify(Object.fromEntries(asked.filter((name) => mode.advisories[name]).map((name) => [name, mode.advisories[name]]))),
      json,
    );
  }
  if ('registry' in mode) return forward(e, mode.registry);
  const packument = /^\/([a-z][a-z0-9-]*)$/.exec(e.path)?.[1];
  if (e.method === 'GET' && mode.packuments && packument && ['lodash', 'minimist'].includes(packument)) {
    return e.send(200, npmAuditFixture(`packuments/${packument}.json`), json);
  }
  e.send(404, '{"error":"Not found"}', json);
}

/** Forwards a body-less request (npm only reads through the stub) as it came, Host header included, so tarball URLs name the stub. */
function forward(e: StubExchange, registry: string): Promise<void> {
  return new Promise((resolve) => {
    const upstream = http.request(new URL(e.path, registry), { method: e.method, headers: e.headers }, (response) => {
      e.res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(e.res).on('finish', resolve);
    });
    upstream.on('error', (error) => {
      e.send(502, JSON.stringify({ error: error.message }), { 'content-type': 'application/json' });
      resolve();
    });
    upstream.end();
  });
}

/** Where npm runs in a test: its own cache and user config, this registry, no funding or update notices. */
export interface NpmHome {
  dir: string;
  env(registry: string): Record<string, string>;
  remove(): void;
}

export function npmHome(): NpmHome {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-npm-'));
  const userconfig = path.join(dir, 'npmrc');
  writeFileSync(userconfig, '');
  return {
    dir,
    env: (registry) => ({
      npm_config_cache: path.join(dir, 'cache'),
      npm_config_userconfig: userconfig,
      npm_config_registry: registry,
      npm_config_audit_level: 'low',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_fetch_retries: '0',
    }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface NpmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The real npm CLI; resolves with its exit code (npm audit exits 1 on findings), rejects when it does not finish. */
export function runNpm(cwd: string, args: string[], env: Record<string, string>): Promise<NpmResult> {
  return new Promise((resolve, reject) => {
    execFile('npm', args, { cwd, env: { ...process.env, ...env }, timeout: NPM_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`npm ${args.join(' ')} did not finish: ${error.message}\n${stderr}`));
      else resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

export interface NpmRegistry {
  /** The advisory stub in front of Verdaccio: the one registry URL npm is given. */
  url: string;
  /** Publishes recorded tarballs (`minimist-1.2.8`, from test/fixtures/npm-audit/tarballs) with the real `npm publish`. */
  publish(...tarballs: string[]): Promise<void>;
  close(): Promise<void>;
}

/** A real Verdaccio on 127.0.0.1 (storage in a temp folder, no uplinks), behind the advisory stub. */
export async function startNpmRegistry(advisories = recordedAdvisories()): Promise<NpmRegistry> {
  const verdaccio = await startVerdaccio();
  const verdaccioUrl = verdaccio.url;
  const front = await startAdvisoryStub({ advisories, registry: verdaccioUrl });
  const home = npmHome();
  const close = async () => {
    await front.close();
    await verdaccio.close();
    home.remove();
  };
  try {
    writeFileSync(path.join(home.dir, 'npmrc'), `${verdaccioUrl.replace(/^http:/, '')}:_authToken=${await verdaccio.token()}\n`);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url: front.url,
    publish: async (...tarballs) => {
      // One at a time, in the order given: the last published becomes `latest`.
      for (const tarball of tarballs) {
        const file = path.join(FIXTURES, 'tarballs', `${tarball}.tgz`);
        const run = await runNpm(home.dir, ['publish', file, '--ignore-scripts', '--registry', verdaccioUrl], home.env(verdaccioUrl));
        if (run.exitCode !== 0) throw new Error(`npm publish ${tarball} failed:\n${run.stderr}`);
      }
    },
    close,
  };
}
