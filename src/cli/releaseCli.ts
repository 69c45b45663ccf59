// `conveyor release`: plan, confirm on a terminal, cut the release; `conveyor release list`: the releases
// with their registry check. Same core as the extension's Create Release.
import * as path from 'node:path';
import { confirmOnTerminal } from '../core/askOnTerminal';
import { describeFolder } from '../loop/folderStatus';
import { reportConfigErrors } from './configErrors';
import { readReleaseCatalog } from '../release/releaseCatalog';
import { executeRelease } from '../release/releaseFlow';
import type { ReleaseProgress } from '../release/releaseFlow';
import { gateProblem, imageTarget, planRelease, ReleaseError } from '../release/releasePlan';
import type { ReleasePlan } from '../release/releasePlan';
import type { RegistryCredentials } from '../release/registry/credentials';
import { RegistryClient } from '../release/registry/registryClient';
import type { VersionBump } from '../release/version/conventionalCommits';
import { messageOf } from '../core/errors';
import { dockerCredentialsFor } from './dockerCredentials';
import { npmTokenBinding } from './npmToken';

export interface ReleaseCliOptions {
  folder: string;
  /** major, minor, patch, or an explicit version such as 2.0.0. */
  bump?: string;
  push: boolean;
  override?: string;
  dryRun: boolean;
  yes: boolean;
  json: boolean;
  tty: boolean;
  /** The registry NPM_TOKEN belongs to (`--registry`); NPM_TOKEN_REGISTRY wins over it. */
  registry?: string;
  write: (text: string) => void;
  signal?: AbortSignal;
}

export async function releaseCommand(options: ReleaseCliOptions): Promise<number> {
  const { write } = options;
  if (options.bump && !/^(major|minor|patch|v?\d+\.\d+\.\d+(?:[-+].*)?)$/.test(options.bump)) {
    process.stderr.write(`conveyor: --bump must be major, minor, patch or a version such as 2.0.0, not "${options.bump}"\n`);
    return 2;
  }
  const status = await describeFolder(options.folder);
  if (reportConfigErrors(status, (text) => process.stderr.write(text))) return 2;
  let plan: ReleasePlan;
  try {
    const named = ['major', 'minor', 'patch'].includes(options.bump ?? '');
    plan = await planRelease(status, named ? { bump: options.bump as VersionBump } : { version: options.bump?.replace(/^v/, '') });
  } catch (error) {
    return fail(error);
  }
  const problem = gateProblem(plan);
  const blocked = problem !== undefined && !(problem.kind === 'gate' && options.override);
  if (!options.json) write(describePlan(plan));
  else if (options.dryRun) write(`${JSON.stringify(planJson(plan, blocked ? problem : undefined, options.override), null, 2)}\n`);
  if (blocked) {
    process.stderr.write(`conveyor: ${problem.message}${problem.kind === 'gate' ? ' (or release anyway with --override "reason")' : ''}\n`);
    return 1;
  }
  if (options.dryRun) return 0;
  if (options.tty && !options.yes && !(await confirmOnTerminal(`Release v${plan.version}? [y/N] `))) {
    write('Nothing released.\n');
    return 1;
  }
  let credentials: RegistryCredentials | undefined;
  try {
    credentials = plan.image ? await dockerCredentialsFor(plan.image.host) : undefined;
  } catch (error) {
    return fail(error);
  }
  const npmTokens = npmTokenBinding(process.env, options.registry);
  const npmToken = plan.package && npmTokens.tokenFor(plan.package.registry);
  for (const note of npmTokens.withheld) process.stderr.write(`conveyor: ${note}\n`);
  try {
    const record = await executeRelease(plan, {
      override: options.override ? { reason: options.override, by: process.env.USER } : undefined,
      pushGit: options.push,
      credentials,
      npmToken,
      signal: options.signal,
      onProgress: options.json ? undefined : progressPrinter(write),
    });
    write(
      options.json
        ? `${JSON.stringify(record, null, 2)}\n`
        : `Released ${record.tag} at ${record.commit.slice(0, 7)}${record.image ? ` — ${record.image.repository}@${record.image.digest}` : ''}${record.package ? ` — ${record.package.name}@${record.package.version} (${record.package.distTag}) ${record.package.integrity}` : ''}\n`,
    );
    return 0;
  } catch (error) {
    return fail(error);
  }
}

export async function releaseListCommand(
  folder: string,
  json: boolean,
  write: (text: string) => void,
  options: { registry?: string } = {},
): Promise<number> {
  const status = await describeFolder(folder);
  const image = status.image && imageTarget(status.image);
  const registry = image && (async () => new RegistryClient(image.address, await dockerCredentialsFor(image.host)));
  const npmTokens = npmTokenBinding(process.env, options.registry);
  const catalog = await readReleaseCatalog(status.folder, image, registry, (url) => Promise.resolve(npmTokens.tokenFor(url)));
  for (const note of npmTokens.withheld) process.stderr.write(`conveyor: ${note}\n`);
  if (json) {
    write(`${JSON.stringify(catalog, null, 2)}\n`);
    return 0;
  }
  if (catalog.releases.length === 0) write(`No releases in ${status.name} yet.\n`);
  for (const r of catalog.releases) {
    const digest = r.record?.image?.digest;
    const npmPackage = r.record?.package;
    const imageColumn = digest
      ? `${digest.slice(0, 19)}…  ${r.check}${r.registryDigest ? ` (registry has ${r.registryDigest.slice(0, 19)}…)` : ''}`
      : npmPackage
        ? undefined
        : (r.error ?? 'no image');
    const packageColumn = npmPackage
      ? `${npmPackage.name}@${npmPackage.version} ${npmPackage.integrity.slice(0, 19)}…  ${r.packageCheck}${r.registryIntegrity ? ` (registry has ${r.registryIntegrity.slice(0, 19)}…)` : ''}`
      : undefined;
    write(
      `${[`${r.tag.padEnd(12)} ${r.commit.slice(0, 7)}`, r.date.slice(0, 10), imageColumn, packageColumn].filter(Boolean).join('  ')}\n`,
    );
  }
  if (catalog.registryError) write(`Registry not checked: ${catalog.registryError}\n`);
  if (catalog.npmRegistryError) write(`npm registry not checked: ${catalog.npmRegistryError}\n`);
  return catalog.releases.some((r) => r.check === 'mismatch' || r.packageCheck === 'mismatch') ? 1 : 0;
}

function describePlan(plan: ReleasePlan): string {
  const lines = [
    `Release ${path.basename(plan.folder)}: ${plan.currentVersion} → ${plan.version} (${plan.reason})`,
    `  from ${plan.head.slice(0, 7)}${plan.branch ? ` on ${plan.branch}` : ''}, ${plan.commits.length} commit(s) since ${plan.previousTag ?? 'the start'}`,
    `  pipeline: ${plan.ready ? `ready (run ${plan.ready.runId})` : 'not marked ready'}`,
    `  image: ${plan.image ? `${plan.image.repository}:${plan.version}` : 'none (no Dockerfile or image in conveyor.yml)'}`,
    ...(plan.package ? [`  package: ${plan.package.name}@${plan.version} to ${plan.package.registry} as ${plan.package.distTag}`] : []),
    '',
  ];
  return lines.join('\n');
}

/** What `--dry-run --json` prints: the plan a release would follow, and whether the gate lets it through. */
function planJson(plan: ReleasePlan, problem: ReleaseError | undefined, override: string | undefined) {
  return {
    dryRun: true,
    folder: plan.folder,
    currentVersion: plan.currentVersion,
    version: plan.version,
    bump: plan.bump ?? null,
    reason: plan.reason,
    previousTag: plan.previousTag ?? null,
    head: plan.head,
    branch: plan.branch ?? null,
    commits: plan.commits.map((c) => ({ sha: c.sha, subject: c.message.split('\n', 1)[0] })),
    changelog: plan.changelog,
    image: plan.image ? { repository: plan.image.repository, tag: plan.version } : null,
    package: plan.package
      ? { name: plan.package.name, version: plan.version, registry: plan.package.registry, distTag: plan.package.distTag }
      : null,
    gate: {
      ready: plan.ready ?? null,
      dirty: plan.dirty,
      passes: problem === undefined,
      ...(problem ? { problem: { kind: problem.kind, message: problem.message } } : {}),
      ...(override ? { override } : {}),
    },
  };
}

function progressPrinter(write: (text: string) => void): (p: ReleaseProgress) => void {
  let last = '';
  return (p) => {
    if (p.layer || p.buildLine) return;
    if (p.message !== last) write(`• ${p.message}\n`);
    last = p.message;
  };
}

function fail(error: unknown): number {
  const message = messageOf(error);
  process.stderr.write(`conveyor: ${message}\n`);
  return error instanceof ReleaseError && error.kind === 'input' ? 2 : 1;
}
