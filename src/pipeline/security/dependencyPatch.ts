// Security patches for npm findings: which change fixes each vulnerable package (update it, update the
// direct dependency that brings it in, or override it), planned from the parsed audit report, and applied
// by npm itself so the lockfile stays npm's. What changed is read from package-lock.json before and after.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';
import { forEachLimited } from '../../core/concurrency';
import { isServiceError, ServiceError } from '../../core/errors';
import type { ServiceErrorKind } from '../../core/errors';
import { readTextIfExists, writeFileAtomic } from '../../core/fsUtil';
import { runProcess } from '../../core/processRunner';
import { isRecord } from '../../core/records';
import { DEPENDENCY_SECTIONS, directDependentOf, parseNpmAudit } from './dependencyAudit';
import type { AuditResult, AuditVulnerability } from './dependencyAudit';

/** How npm is run: extra environment (a test's registry and cache) and a way to stop it. */
export interface NpmOptions {
  env?: Record<string, string>;
  signal?: AbortSignal;
}

/** One way to fix one vulnerable package. */
export type FixAction =
  /** `npm install <name>@<version>`: the vulnerable package itself when direct, else the direct dependency that brings it in. */
  | { kind: 'update'; name: string; version: string; isSemVerMajor: boolean; brings?: { name: string; version: string | undefined } }
  /** `npm update <name>`: a transitive package whose patched version its dependents' ranges already allow. */
  | { kind: 'update-in-range'; name: string; version: string; within: string }
  /** An `overrides` entry, when no release of the direct dependency fixes it. */
  | { kind: 'override'; name: string; version: string; blockedBy: string };

export interface DependencyFix {
  /** The vulnerable package the finding is about. */
  vulnerable: string;
  installed: string;
  /** The lowest published version above the installed one that no advisory covers; unknown when no advisory has a readable range. */
  patched: string | undefined;
  /** Advisory ids (npm's `source`). */
  advisories: string[];
  action: FixAction;
  /** The quick fix's title: "Update mkdirp to 0.5.6 (brings minimist 1.2.8)". */
  title: string;
}

/** What planning knows about the registry, asked through npm (`npm view`). */
export interface RegistryFacts {
  versions: ReadonlyMap<string, readonly string[]>;
  /** `dependencies` of a version a fix would install, by `name@version`. */
  dependencies: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
}

/** package-lock.json (lockfileVersion 2 or 3): `packages` by install path, `""` being the project. */
export interface PackageLock {
  packages: Record<string, LockedPackage>;
}

/** package.json's dependency sections merged: name → declared range. */
export type DeclaredDependencies = Readonly<Record<string, string>>;

/**
 * The lowest published version above `installed` that none of the vulnerable ranges covers (prereleases aside);
 * none when no range is readable, since then any version could still be vulnerable.
 */
export function firstPatchedVersion(
  installed: string,
  published: readonly string[],
  vulnerableRanges: readonly string[],
): string | undefined {
  const ranges = vulnerableRanges.filter((range) => semver.validRange(range) !== null);
  if (ranges.length === 0) return undefined;
  return published
    .filter((version) => semver.valid(version) && !semver.prerelease(version) && semver.gt(version, installed))
    .sort(semver.compare)
    .find((version) => !ranges.some((range) => semver.satisfies(version, range)));
}

/**
 * The fix for each vulnerable package with advisories of its own (a package that is only "via" another is
 * fixed by that one's fix). Packages without a patched release, or not in the lockfile, get none.
 */
export function planFixes(audit: AuditResult, lock: PackageLock, manifest: DeclaredDependencies, registry: RegistryFacts): DependencyFix[] {
  const byName = new Map(audit.vulnerabilities.map((v) => [v.name, v]));
  return audit.vulnerabilities.flatMap((vulnerability) => {
    const fix = planFix(vulnerability, byName, lock, manifest, registry);
    return fix ? [fix] : [];
  });
}

function planFix(
  vulnerability: AuditVulnerability,
  all: Map<string, AuditVulnerability>,
  lock: PackageLock,
  manifest: DeclaredDependencies,
  registry: RegistryFacts,
): DependencyFix | undefined {
  if (vulnerability.advisories.length === 0) return undefined;
  const installed = installedVersion(vulnerability, lock);
  if (!installed) return undefined;
  const ranges = vulnerability.advisories.flatMap((a) => (a.range && semver.validRange(a.range) !== null ? [a.range] : []));
  const name = vulnerability.name;
  const advisories = vulnerability.advisories.flatMap((a) => (a.id ? [a.id] : []));
  if (ranges.length === 0) {
    const action = npmFixAction(vulnerability);
    const patched = action?.name === name ? action.version : undefined;
    return action && { vulnerable: name, installed, patched, advisories, action, title: fixTitle(name, action) };
  }
  const patched = firstPatchedVersion(installed, registry.versions.get(name) ?? [], ranges);
  const action = patched && fixAction(vulnerability, all, lock, manifest, registry, patched);
  if (!action) return undefined;
  return { vulnerable: name, installed, patched, advisories, action, title: fixTitle(name, action) };
}

/** Without a readable vulnerable range no version can be called patched: only npm's `fixAvailable` update is left. */
function npmFixAction(vulnerability: AuditVulnerability): FixAction | undefined {
  const fix = vulnerability.fix;
  return typeof fix === 'object' ? { kind: 'update', name: fix.name, version: fix.version, isSemVerMajor: fix.isSemVerMajor } : undefined;
}

function fixAction(
  vulnerability: AuditVulnerability,
  all: Map<string, AuditVulnerability>,
  lock: PackageLock,
  manifest: DeclaredDependencies,
  registry: RegistryFacts,
  patched: string,
): FixAction | undefined {
  const name = vulnerability.name;
  if (vulnerability.isDirect) return { kind: 'update', name, version: patched, isSemVerMajor: needsMajor(manifest[name], patched) };
  const direct = directDependentOf(vulnerability, all);
  const upgrade = directUpgrade(vulnerability, all, lock, manifest, registry.versions);
  if (upgrade) {
    const brought = registry.dependencies.get(`${upgrade.name}@${upgrade.version}`);
    const range = brought?.[name];
    return {
      kind: 'update',
      ...upgrade,
      isSemVerMajor: needsMajor(manifest[upgrade.name], upgrade.version),
      // Only a package that depends on it directly says what it brings; deeper chains just fix it.
      brings:
        brought && dependsDirectlyOn(lock, upgrade.name, name)
          ? { name, version: range === undefined ? undefined : maxVersion(registry, name, range) }
          : undefined,
    };
  }
  const fix = vulnerability.fix;
  if (fix === 'npm audit fix') {
    const within = direct ?? vulnerability.effects[0] ?? 'its dependents';
    return { kind: 'update-in-range', name, version: patched, within };
  }
  return direct ? { kind: 'override', name, version: patched, blockedBy: direct } : undefined;
}

/**
 * The update of a direct dependency that fixes a transitive finding: npm's `fixAvailable`, or, where npm says
 * `npm audit fix` fixes it, the newest release of the direct dependency that its declared range allows.
 */
export function directUpgrade(
  vulnerability: AuditVulnerability,
  all: Map<string, AuditVulnerability>,
  lock: PackageLock,
  manifest: DeclaredDependencies,
  versions: RegistryFacts['versions'],
): { name: string; version: string } | undefined {
  const fix = vulnerability.fix;
  if (vulnerability.isDirect) return undefined;
  if (typeof fix === 'object') return fix.name === vulnerability.name ? undefined : { name: fix.name, version: fix.version };
  const direct = fix === 'npm audit fix' ? directDependentOf(vulnerability, all) : undefined;
  const declared = direct && manifest[direct];
  const installed = direct && lock.packages[`node_modules/${direct}`]?.version;
  if (!direct || !declared || !installed || semver.validRange(declared) === null) return undefined;
  const newest = semver.maxSatisfying([...(versions.get(direct) ?? [])], declared);
  return newest && semver.gt(newest, installed) ? { name: direct, version: newest } : undefined;
}

/** A bump the declared range does not allow; a range semver cannot read (a git URL, a tag) counts as one. */
function needsMajor(declared: string | undefined, version: string): boolean {
  return declared === undefined || semver.validRange(declared) === null || !semver.satisfies(version, declared);
}

function dependsDirectlyOn(lock: PackageLock, dependent: string, dependency: string): boolean {
  return lock.packages[`node_modules/${dependent}`]?.dependencies?.[dependency] !== undefined;
}

function maxVersion(registry: RegistryFacts, name: string, range: string): string | undefined {
  return semver.maxSatisfying([...(registry.versions.get(name) ?? [])], range) ?? undefined;
}

/** A direct dependency's own install (not a copy nested under another package), else the lowest installed version. */
function installedVersion(vulnerability: AuditVulnerability, lock: PackageLock): string | undefined {
  const own = vulnerability.isDirect ? lock.packages[`node_modules/${vulnerability.name}`]?.version : undefined;
  if (own && semver.valid(own)) return own;
  const versions = vulnerability.nodes.map((node) => lock.packages[node]?.version).filter((v): v is string => semver.valid(v) !== null);
  return versions.sort(semver.compare)[0];
}

function fixTitle(vulnerable: string, action: FixAction): string {
  switch (action.kind) {
    case 'update': {
      const update = `Update ${action.name} to ${action.version}`;
      if (action.name === vulnerable) return update;
      if (!action.brings) return `${update} (fixes ${vulnerable})`;
      return `${update} (${action.brings.version ? `brings ${vulnerable} ${action.brings.version}` : `no longer needs ${vulnerable}`})`;
    }
    case 'update-in-range':
      return `Update ${vulnerable} to ${action.version} (within ${action.within}'s range)`;
    case 'override':
      return `Override ${vulnerable} to ${action.version} (no ${action.blockedBy} release fixes it)`;
  }
}

/** A fix Patch All leaves to the user: a major bump, or an override that forces a version on a dependent. */
export function needsChoice(fix: DependencyFix): boolean {
  return fix.action.kind === 'override' || (fix.action.kind === 'update' && fix.action.isSemVerMajor);
}

export interface PackageChange {
  /** The package-lock.json `packages` key. */
  path: string;
  name: string;
  from?: string;
  to?: string;
}

export interface LockfileChanges {
  changed: PackageChange[];
  added: PackageChange[];
  removed: PackageChange[];
}

/** The installed packages whose version changed, appeared or went away (the project's own entry aside). */
export function lockfileChanges(before: PackageLock, after: PackageLock): LockfileChanges {
  const changes: LockfileChanges = { changed: [], added: [], removed: [] };
  const paths = new Set([...Object.keys(before.packages), ...Object.keys(after.packages)]);
  for (const key of [...paths].sort()) {
    if (key === '') continue;
    const from = before.packages[key]?.version;
    const to = after.packages[key]?.version;
    const change = { path: key, name: packageNameOf(key), from, to };
    if (!(key in before.packages)) changes.added.push(change);
    else if (!(key in after.packages)) changes.removed.push(change);
    else if (from !== to) changes.changed.push(change);
  }
  return changes;
}

/** `node_modules/@scope/a/node_modules/b` → `b`. */
function packageNameOf(key: string): string {
  return key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

export function lockfileSummary(changes: LockfileChanges): string {
  return `package-lock.json: ${changes.changed.length} changed, ${changes.added.length} added, ${changes.removed.length} removed`;
}

/** What a landed patch did. */
export interface PatchOutcome {
  lockfile: LockfileChanges;
  /** Advisory ids the audit reported before and not after. */
  advisoriesClosed: string[];
  /** Vulnerable packages the audit still reports. */
  stillVulnerable: number;
}

/** "minimist 1.2.0 → 1.2.8; closed advisory 1179; package-lock.json: 1 changed, 0 added, 0 removed". */
export function patchSummary(outcome: PatchOutcome): string {
  const { changed, added, removed } = outcome.lockfile;
  const moves = [
    ...changed.map((c) => `${c.name} ${c.from ?? '?'} → ${c.to ?? '?'}`),
    ...added.map((c) => `+${c.name} ${c.to ?? ''}`.trim()),
    ...removed.map((c) => `−${c.name} ${c.from ?? ''}`.trim()),
  ];
  const closed = outcome.advisoriesClosed;
  return [
    [...new Set(moves)].join(', ') || 'no package changed version',
    closed.length ? `closed advisor${closed.length === 1 ? 'y' : 'ies'} ${closed.join(', ')}` : 'no advisory closed',
    lockfileSummary(outcome.lockfile),
    outcome.stillVulnerable ? `${outcome.stillVulnerable} vulnerable package${outcome.stillVulnerable === 1 ? '' : 's'} left` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
}

/** A plan for a folder: the audit it came from and the fix of each finding that has one. */
export interface PatchPlan {
  audit: AuditResult;
  fixes: DependencyFix[];
}

const NPM_TIMEOUT_MS = 300_000;
const IGNORE_SCRIPTS = '--ignore-scripts';
/** A report with dozens of findings would otherwise start one `npm view` process per package at once. */
const NPM_VIEWS_AT_ONCE = 4;

/** Runs `npm audit` and plans a fix for each finding, asking npm for the published versions it needs. */
export async function planDependencyFixes(folder: string, npm: NpmOptions = {}): Promise<PatchPlan> {
  const audit = await auditFolder(folder, npm);
  const lock = await readLock(folder);
  const manifest = declaredDependencies(await readManifest(folder));
  const all = new Map(audit.vulnerabilities.map((v) => [v.name, v]));
  const vulnerable = audit.vulnerabilities.filter((v) => v.advisories.length > 0);
  // Where npm only says `npm audit fix` fixes a transitive one, the direct dependency's versions tell how.
  const dependents = vulnerable
    .filter((v) => !v.isDirect && v.fix === 'npm audit fix')
    .map((v) => directDependentOf(v, all))
    .filter((name): name is string => name !== undefined);
  const names = new Set([...vulnerable.map((v) => v.name), ...dependents]);
  const versions = new Map<string, string[]>();
  await forEachLimited([...names], NPM_VIEWS_AT_ONCE, async (name) => void versions.set(name, await publishedVersions(folder, name, npm)));
  const upgrades = new Set(
    vulnerable.flatMap((v) => {
      const upgrade = directUpgrade(v, all, lock, manifest, versions);
      return upgrade ? [`${upgrade.name}@${upgrade.version}`] : [];
    }),
  );
  const dependencies = new Map<string, Record<string, string>>();
  await forEachLimited(
    [...upgrades],
    NPM_VIEWS_AT_ONCE,
    async (spec) => void dependencies.set(spec, stringRecord(await viewJson(folder, [spec, 'dependencies'], npm))),
  );
  return { audit, fixes: planFixes(audit, lock, manifest, { versions, dependencies }) };
}

/** What to apply: `npm audit fix` (every fix within the declared ranges) and/or chosen fixes one by one. */
export interface PatchSelection {
  auditFix: boolean;
  fixes: DependencyFix[];
}

/** Applies the selection with npm and says what changed; a failing npm throws a ServiceError with npm's reason. */
export async function applyDependencyPatch(
  folder: string,
  selection: PatchSelection,
  before: AuditResult,
  npm: NpmOptions = {},
): Promise<PatchOutcome> {
  const lockBefore = await readLock(folder);
  // Without --audit-level=none npm exits 1 whenever a vulnerability is left, which is what a major bump leaves.
  if (selection.auditFix) await installWithNpm(folder, ['audit', 'fix', '--audit-level=none'], npm);
  for (const fix of selection.fixes) await applyFix(folder, fix, npm);
  const after = await auditFolder(folder, npm);
  const open = new Set(after.vulnerabilities.flatMap((v) => v.advisories.flatMap((a) => (a.id ? [a.id] : []))));
  const closed = before.vulnerabilities.flatMap((v) => v.advisories.flatMap((a) => (a.id && !open.has(a.id) ? [a.id] : [])));
  return {
    lockfile: lockfileChanges(lockBefore, await readLock(folder)),
    advisoriesClosed: [...new Set(closed)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
    stillVulnerable: after.vulnerabilities.length,
  };
}

async function applyFix(folder: string, fix: DependencyFix, npm: NpmOptions): Promise<void> {
  const action = fix.action;
  if (action.kind === 'update') await installWithNpm(folder, ['install', `${action.name}@${action.version}`], npm);
  else if (action.kind === 'update-in-range') await installWithNpm(folder, ['update', action.name], npm);
  else {
    await writeOverride(folder, action.name, action.version);
    await installWithNpm(folder, ['install'], npm);
  }
}

/**
 * An npm command that changes node_modules. Install scripts stay off: the release it fetches is new to this
 * project and nobody has reviewed it yet (npm ci or npm rebuild runs them once someone chooses to). When it
 * fails, the lockfile is restored but node_modules may be half updated, so the message says how to match them.
 */
async function installWithNpm(folder: string, args: string[], npm: NpmOptions): Promise<void> {
  try {
    await runNpm(folder, [...args, IGNORE_SCRIPTS], npm);
  } catch (error) {
    if (!isServiceError(error)) throw error;
    const message = `${error.message.replace(/\.?\s*$/, '.')} node_modules may no longer match package-lock.json: run npm ci to match node_modules to the lockfile again`;
    throw new ServiceError(error.service, error.kind, message, { status: error.status, detail: error.detail, cause: error });
  }
}

/** Adds `"overrides": { name: version }` to package.json, keeping its indentation and final newline. */
async function writeOverride(folder: string, name: string, version: string): Promise<void> {
  const file = path.join(folder, 'package.json');
  const text = await fs.readFile(file, 'utf8');
  const manifest = parseManifest(text);
  const overrides = isRecord(manifest.overrides) ? manifest.overrides : {};
  manifest.overrides = { ...overrides, [name]: version };
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
  await writeFileAtomic(file, `${JSON.stringify(manifest, null, indent)}${text.endsWith('\n') ? '\n' : ''}`);
}

/** `npm audit --json`, parsed; an audit that cannot answer (registry down, no advisory endpoint) throws. */
export async function auditFolder(folder: string, npm: NpmOptions = {}): Promise<AuditResult> {
  // npm audit exits 1 when it finds vulnerabilities, so its exit code says nothing about failure.
  const stdout = await runNpm(folder, ['audit', '--json'], npm, { acceptExitCodes: [0, 1] });
  const packageJson = path.join(folder, 'package.json');
  const audit = parseNpmAudit(stdout, (await readTextIfExists(packageJson)) ?? '{}', packageJson);
  if (audit.error) throw new ServiceError('npm', auditErrorKind(audit.error), audit.error);
  return audit;
}

function auditErrorKind(message: string): ServiceErrorKind {
  return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT/.test(message) ? 'unreachable' : 'invalid';
}

async function publishedVersions(folder: string, name: string, npm: NpmOptions): Promise<string[]> {
  const versions = await viewJson(folder, [name, 'versions'], npm);
  // npm prints a bare string when a package has one version.
  if (typeof versions === 'string') return [versions];
  return Array.isArray(versions) ? versions.filter((v): v is string => typeof v === 'string') : [];
}

async function viewJson(folder: string, args: string[], npm: NpmOptions): Promise<unknown> {
  const stdout = await runNpm(folder, ['view', ...args, '--json'], npm);
  if (stdout.trim() === '') return undefined;
  try {
    return JSON.parse(stdout) as unknown;
  } catch {
    throw new ServiceError(
      'npm',
      'malformed',
      `npm view ${args.join(' ')} printed something that is not JSON: ${stdout.trim().slice(0, 200)}`,
    );
  }
}

async function runNpm(folder: string, args: string[], npm: NpmOptions, options: { acceptExitCodes?: number[] } = {}): Promise<string> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const result = await runProcess(
    {
      command: 'npm',
      args,
      cwd: folder,
      env: { npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_progress: 'false', ...npm.env },
    },
    { timeoutMs: NPM_TIMEOUT_MS, signal: npm.signal, onOutput: (chunk, stream) => (stream === 'stdout' ? stdout : stderr).push(chunk) },
  );
  const what = `npm ${args.filter((arg) => arg !== '--json' && arg !== IGNORE_SCRIPTS).join(' ')}`;
  if (result.spawnError) throw new ServiceError('npm', 'unsupported', `${what} could not start: ${result.spawnError}`);
  if (result.timedOut) throw new ServiceError('npm', 'timeout', `${what} did not finish within ${NPM_TIMEOUT_MS / 1000} s`);
  if (result.cancelled) throw new ServiceError('npm', 'invalid', `${what} was stopped`);
  const output = Buffer.concat(stdout).toString('utf8');
  if (!(options.acceptExitCodes ?? [0]).includes(result.exitCode ?? -1)) {
    const log = Buffer.concat(stderr).toString('utf8');
    throw new ServiceError('npm', npmFailureKind(log), `${what} failed: ${npmFailureReason(log) || `exit code ${result.exitCode}`}`);
  }
  return output;
}

const NPM_ERROR_PREFIX = /^npm (?:error|ERR!) ?/;
/** Lines of npm's error block that are bookkeeping, not the reason. */
const NPM_ERROR_NOISE = /^(?:code|errno|syscall|path|dest|A complete log|Log files were|\s*$|[/\\])/;

/** npm's own reason for a failure, one line, from the `npm error` block it prints to stderr (not its whole log). */
export function npmFailureReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((line) => NPM_ERROR_PREFIX.test(line))
    .map((line) => line.replace(NPM_ERROR_PREFIX, '').trim())
    .filter((line) => !NPM_ERROR_NOISE.test(line))
    // "FetchError: request to …", "notarget No matching version …": the class and the category say nothing to the user.
    .map((line) => line.replace(/^\w*Error: /, '').replace(/^[a-z]+ (?=[A-Z])/, ''));
  return lines.find((line) => /reason:/.test(line)) ?? lines[0] ?? '';
}

function npmFailureKind(stderr: string): ServiceErrorKind {
  const code = /^npm (?:error|ERR!) code (\S+)/m.exec(stderr)?.[1] ?? '';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT'].includes(code)) return 'unreachable';
  if (code === 'E404' || code === 'ETARGET') return 'not-found';
  if (code === 'E401') return 'unauthorized';
  if (code === 'E403') return 'forbidden';
  return 'invalid';
}

async function readLock(folder: string): Promise<PackageLock> {
  const text = await readTextIfExists(path.join(folder, 'package-lock.json'));
  if (text === undefined)
    throw new ServiceError('npm', 'invalid', `${folder} has no package-lock.json: run npm install first, so npm can audit it.`);
  let lock: unknown;
  try {
    lock = JSON.parse(text);
  } catch {
    throw new ServiceError('npm', 'malformed', 'package-lock.json is not valid JSON: run npm install to repair it.');
  }
  if (!isRecord(lock) || !isRecord(lock.packages)) {
    throw new ServiceError(
      'npm',
      'unsupported',
      'package-lock.json has no "packages" (lockfile version 1): run npm install with npm 7 or later.',
    );
  }
  return { packages: Object.fromEntries(Object.entries(lock.packages).map(([key, entry]) => [key, lockedPackage(entry)])) };
}

function lockedPackage(raw: unknown): LockedPackage {
  if (!isRecord(raw)) return {};
  return { version: typeof raw.version === 'string' ? raw.version : undefined, dependencies: stringRecord(raw.dependencies) };
}

async function readManifest(folder: string): Promise<Record<string, unknown>> {
  return parseManifest((await readTextIfExists(path.join(folder, 'package.json'))) ?? '{}');
}

function parseManifest(text: string): Record<string, unknown> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new ServiceError('npm', 'malformed', 'package.json is not valid JSON: fix it first.');
  }
  if (!isRecord(manifest)) throw new ServiceError('npm', 'malformed', 'package.json is not a JSON object: fix it first.');
  return manifest;
}

/** As npm reads them: a package in both `dependencies` and `devDependencies` is installed as the former. */
export function declaredDependencies(manifest: Record<string, unknown>): DeclaredDependencies {
  const preferredLast = [...DEPENDENCY_SECTIONS].reverse();
  return Object.assign({}, ...preferredLast.map((section) => stringRecord(manifest[section]))) as DeclaredDependencies;
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
