// Packs and publishes a package with the user's own npm CLI, so their .npmrc, scripts (prepack) and npm's
// own rules apply. What was packed is what is published: the tarball from `npm pack`, whose integrity the
// release records and then checks against the registry.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ServiceError } from '../../core/errors';
import { readTextIfExists } from '../../core/fsUtil';
import { refuseClearTextToken } from '../../core/http/tokenHost';
import { runProcess } from '../../core/processRunner';
import type { CommandSpec } from '../../core/processRunner';
import { NPM_TOKEN_HINT } from './npmRegistryClient';
import type { PackageTarget } from './packageDefinition';

export interface PackedPackage {
  name: string;
  version: string;
  /** Absolute path of the tarball. */
  tarball: string;
  /** `sha512-…`, as the registry's `dist.integrity` has it. */
  integrity: string;
  shasum: string;
}

/**
 * The variable the temporary userconfig reads the token from: npm expands `${VAR}` in .npmrc files, so the
 * token is only ever in the child's environment. Not `npm_config_…`, which npm would take as a setting.
 */
const TOKEN_VARIABLE = 'CONVEYOR_NPM_TOKEN';
const NPM_TIMEOUT_MS = 5 * 60_000;

export function packCommand(folder: string, destination: string): CommandSpec {
  return { command: 'npm', args: ['pack', '--json', '--pack-destination', destination], cwd: folder };
}

export function publishCommand(folder: string, tarball: string, target: PackageTarget, userconfig?: string): CommandSpec {
  return {
    command: 'npm',
    args: ['publish', tarball, '--tag', target.distTag, ...registryArgs(target), ...(userconfig ? ['--userconfig', userconfig] : [])],
    cwd: folder,
  };
}

/** `npm view <name>@<version> dist.integrity dist-tags --json`: the registry's copy, read with npm's own auth. */
export function viewCommand(folder: string, target: PackageTarget, version: string, userconfig?: string): CommandSpec {
  return {
    command: 'npm',
    args: [
      'view',
      `${target.name}@${version}`,
      'dist.integrity',
      'dist-tags',
      '--json',
      ...registryArgs(target),
      ...(userconfig ? ['--userconfig', userconfig] : []),
    ],
    cwd: folder,
  };
}

/**
 * `--registry`, and for a scoped package `--@scope:registry` too: an `@scope:registry` line in an .npmrc
 * would otherwise send a scoped package elsewhere than the registry Conveyor checked.
 */
function registryArgs(target: PackageTarget): string[] {
  const scope = /^(@[^/]+)\//.exec(target.name)?.[1];
  return ['--registry', target.registry, ...(scope ? [`--${scope}:registry=${target.registry}`] : [])];
}

/** `npm pack` into a temporary folder; the caller removes `dirname(tarball)` when done. */
export async function packPackage(folder: string, signal?: AbortSignal): Promise<PackedPackage> {
  const destination = await mkdtemp(path.join(os.tmpdir(), 'conveyor-pack-'));
  try {
    const { stdout } = await runNpm(
      packCommand(folder, destination),
      signal,
      (output) => new Error(`npm pack failed: ${npmErrorLines(output)}`),
    );
    const packed = parsePackOutput(stdout);
    return { ...packed, tarball: path.join(destination, packed.filename) };
  } catch (error) {
    await rm(destination, { recursive: true, force: true });
    throw error;
  }
}

/** `npm publish <tarball>`; with a token, through a userconfig that only names the variable holding it. */
export async function publishPackage(
  folder: string,
  packed: PackedPackage,
  target: PackageTarget,
  options: { token?: string; signal?: AbortSignal } = {},
): Promise<void> {
  const describe = (output: string) => publishFailure(output, target, packed.version, options.token !== undefined);
  await withNpmAuth(folder, target.registry, options, (userconfig, env) =>
    runNpm({ ...publishCommand(folder, packed.tarball, target, userconfig), env }, options.signal, describe),
  );
}

/** What the registry holds for `version`, read by npm with the same config as the publish; undefined integrity while it is not visible. */
export async function viewPublished(
  folder: string,
  target: PackageTarget,
  version: string,
  options: { token?: string; signal?: AbortSignal } = {},
): Promise<{ integrity?: string; distTag?: string }> {
  const spec = `${target.name}@${version}`;
  try {
    const { stdout } = await withNpmAuth(folder, target.registry, options, (userconfig, env) =>
      runNpm({ ...viewCommand(folder, target, version, userconfig), env }, options.signal, (output) =>
        Object.assign(new Error(`npm view ${spec} failed: ${npmErrorLines(output)}`), { notFound: /\bE404\b/.test(output) }),
      ),
    );
    const view = parseViewOutput(stdout);
    return { integrity: view.integrity, distTag: view.distTags[target.distTag] };
  } catch (error) {
    // A package the registry does not list yet: not visible, as a version it does not list yet.
    if ((error as { notFound?: boolean }).notFound) return {};
    throw error;
  }
}

/** `npm view … dist.integrity dist-tags --json` output; empty when npm found no such version. */
export function parseViewOutput(stdout: string): { integrity?: string; distTags: Record<string, string> } {
  if (stdout.trim() === '') return { distTags: {} };
  const data = JSON.parse(stdout) as { 'dist.integrity'?: unknown; 'dist-tags'?: unknown };
  const distTags = typeof data['dist-tags'] === 'object' && data['dist-tags'] !== null ? (data['dist-tags'] as Record<string, string>) : {};
  return { integrity: typeof data['dist.integrity'] === 'string' ? data['dist.integrity'] : undefined, distTags };
}

/**
 * Runs npm as the user would, or with a stored token: then through a temporary userconfig made of the user's
 * own (proxy, cafile, strict-ssl, scope registries still apply) plus a token line that names a variable.
 */
async function withNpmAuth<T>(
  folder: string,
  registry: string,
  options: { token?: string; signal?: AbortSignal },
  run: (userconfig?: string, env?: Record<string, string>) => Promise<T>,
): Promise<T> {
  const { token } = options;
  if (!token) return run();
  refuseClearTextToken(`the npm registry ${registry}`, registry, `The npm registry ${registry}`);
  const own = await readTextIfExists(await userconfigFile(folder, options.signal));
  const home = await mkdtemp(path.join(os.tmpdir(), 'conveyor-npmrc-'));
  try {
    const userconfig = path.join(home, 'npmrc');
    await writeFile(userconfig, userconfigWithToken(own, registry), { mode: 0o600 });
    return await run(userconfig, { [TOKEN_VARIABLE]: token });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** The user's own userconfig file (npm's `userconfig`: NPM_CONFIG_USERCONFIG, a project setting, else ~/.npmrc). */
async function userconfigFile(folder: string, signal?: AbortSignal): Promise<string> {
  try {
    const { stdout } = await runNpm(
      { command: 'npm', args: ['config', 'get', 'userconfig'], cwd: folder },
      signal,
      (output) => new Error(output),
    );
    const file = stdout.trim();
    if (file && file !== 'undefined') return path.resolve(folder, file);
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
  }
  return path.join(os.homedir(), '.npmrc');
}

/** The user's userconfig text with any token line for `registry` replaced by one that names TOKEN_VARIABLE. */
export function userconfigWithToken(own: string | undefined, registry: string): string {
  const key = authTokenKey(registry);
  const kept = (own ?? '').split(/\r?\n/).filter((line) => line.split('=', 1)[0].trim() !== key);
  while (kept.length > 0 && kept.at(-1)!.trim() === '') kept.pop();
  return [...kept, `${key}=\${${TOKEN_VARIABLE}}`, ''].join('\n');
}

/** `http://127.0.0.1:4873/` → `//127.0.0.1:4873/:_authToken`: the key npm looks a registry's token up by. */
export function authTokenKey(registry: string): string {
  const url = new URL(registry);
  return `//${url.host}${url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`}:_authToken`;
}

/** The package `npm pack --json` reports. Lifecycle scripts (prepack) may print before the JSON: it is the last array. */
export function parsePackOutput(stdout: string): Omit<PackedPackage, 'tarball'> & { filename: string } {
  const starts = [...stdout.matchAll(/^\[/gm)].map((m) => m.index).reverse();
  for (const start of starts) {
    let entries: unknown;
    try {
      entries = JSON.parse(stdout.slice(start));
    } catch {
      continue;
    }
    const [entry] = Array.isArray(entries) ? (entries as Record<string, unknown>[]) : [];
    const { name, version, filename, integrity, shasum } = entry ?? {};
    if ([name, version, filename, integrity, shasum].every((value) => typeof value === 'string'))
      return { name, version, filename, integrity, shasum } as Omit<PackedPackage, 'tarball'> & { filename: string };
  }
  throw new Error('npm pack did not report the package it packed (no JSON with its name, version, filename and integrity).');
}

/** Why `npm publish` failed, in words the user can act on; the kind lets the UI offer the token command. */
export function publishFailure(output: string, target: PackageTarget, version: string, hadToken: boolean): ServiceError {
  const service = `the npm registry ${target.registry}`;
  const spec = `${target.name}@${version}`;
  if (/EPUBLISHCONFLICT|cannot publish over the previously published version|\bE409\b/i.test(output))
    return alreadyPublished(target, version);
  const code = /npm error code (E\d{3}|ENEEDAUTH|E[A-Z]+)/.exec(output)?.[1];
  if (code === 'E401' || code === 'ENEEDAUTH') {
    return new ServiceError(
      service,
      'unauthorized',
      `${target.registry} did not accept ${hadToken ? 'the stored token' : 'a token'} to publish ${spec} (${code === 'E401' ? '401' : 'no token'}): ${NPM_TOKEN_HINT} ${target.registry}\`.`,
      { status: 401 },
    );
  }
  if (code === 'E403') {
    return new ServiceError(
      service,
      'forbidden',
      `${target.registry} refused to let this token publish ${spec} (403): check that it may publish ${target.name} (its scope, the package's owners), or ${NPM_TOKEN_HINT} ${target.registry}\`. npm said: ${npmErrorLines(output)}`,
      { status: 403 },
    );
  }
  if (code && /^E(CONNREFUSED|NOTFOUND|AI_AGAIN|TIMEDOUT|CONNRESET|HOSTUNREACH)$/.test(code)) {
    return new ServiceError(service, 'unreachable', `Cannot reach ${service} to publish ${spec}: ${npmErrorLines(output)}`);
  }
  return new ServiceError(service, 'invalid', `npm publish ${spec} to ${target.registry} failed: ${npmErrorLines(output)}`);
}

export function alreadyPublished(target: PackageTarget, version: string): ServiceError {
  return new ServiceError(
    `the npm registry ${target.registry}`,
    'conflict',
    `${target.registry} already has ${target.name}@${version}: a registry never takes a version twice, so release the next version.`,
  );
}

/** npm's own `npm error` lines, without the pointer to its debug log. */
export function npmErrorLines(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .filter((line) => line.startsWith('npm error') || line.startsWith('npm ERR!'))
    .map((line) => line.replace(/^npm (error|ERR!)\s*/, '').trim())
    .filter((line) => line !== '' && !/^A complete log of this run/.test(line));
  const text = lines.join(' ').slice(0, 400);
  return text || output.trim().split(/\r?\n/).slice(-3).join(' ').slice(0, 400) || 'no output';
}

async function runNpm(
  spec: CommandSpec,
  signal: AbortSignal | undefined,
  describe: (output: string) => Error,
): Promise<{ stdout: string }> {
  const stdout: Buffer[] = [];
  const all: Buffer[] = [];
  const result = await runProcess(spec, {
    signal,
    timeoutMs: NPM_TIMEOUT_MS,
    onOutput: (chunk, stream) => {
      all.push(chunk);
      if (stream === 'stdout') stdout.push(chunk);
    },
  });
  if (result.spawnError)
    throw new Error(`npm could not be started (${result.spawnError}): install Node.js with npm, and make sure npm is on PATH.`);
  if (result.cancelled) throw Object.assign(new Error(`${spec.args[0]} was cancelled`), { name: 'AbortError' });
  if (result.timedOut) throw new Error(`npm ${spec.args[0]} did not finish within ${NPM_TIMEOUT_MS / 60_000} minutes.`);
  if (result.exitCode !== 0) throw describe(Buffer.concat(all).toString('utf8'));
  return { stdout: Buffer.concat(stdout).toString('utf8') };
}
