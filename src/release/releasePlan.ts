// What a release would be, before anything changes: the next version and why, the changelog section, the
// image it would push, the package it would publish, and whether the pipeline gate lets it through. Shown to the user for confirmation.
import { readWorkingTree } from '../code/workingTree';
import type { GitInfo } from '../code/gitInfo';
import { pipelineStateDir, RunHistory } from '../pipeline/run/runHistory';
import type { ReadyCommit } from '../pipeline/run/runHistory';
import { commitsSince, lastReleaseTag, remoteCompareUrl, tagExists } from './gitRelease';
import type { ReleaseCommit } from './gitRelease';
import type { ImageDefinition } from './imageDefinition';
import { packageTarget } from './package/packageDefinition';
import type { PackageDefinition, PackageTarget } from './package/packageDefinition';
import { changelogSection } from './version/changelog';
import { nextVersion } from './version/conventionalCommits';
import type { VersionBump } from './version/conventionalCommits';
import { readProjectVersion } from './version/versionFile';
import type { ProjectVersion } from './version/versionFile';
import { messageOf } from '../core/errors';

/** What a release needs to know of its folder; the folder model (FolderStatus) has it. */
export interface ReleaseFolder {
  folder: string;
  name: string;
  git: GitInfo;
  image?: ImageDefinition;
  package?: PackageDefinition;
}

export interface ReleasePlan {
  folder: string;
  /** The version before the release: the version file's, else the last tag's, else 0.0.0. */
  currentVersion: string;
  versionFile?: ProjectVersion;
  version: string;
  bump?: VersionBump;
  reason: string;
  previousTag?: string;
  commits: ReleaseCommit[];
  changelog: string;
  head: string;
  branch?: string;
  dirty: boolean;
  changes: string[];
  /** The pipeline's mark for HEAD, when a clean run of every stage passed on it. */
  ready?: ReadyCommit;
  image?: ImageTarget;
  /** The npm package published with the release, when package.json is publishable. */
  package?: PackageTarget;
  originUrl?: string;
  /** `v<version>` is a tag already, on another branch (a tag behind HEAD would have been the previous one). */
  tagTaken?: boolean;
}

export interface ImageTarget extends ImageDefinition {
  /** Registry host[:port] (where credentials live, and the engine's name for the registry). */
  host: string;
  /** The registry's address for its HTTP API: the host, with `http://` or `https://` when conveyor.yml wrote one. */
  address: string;
  /** Repository path inside the registry: `shop-api`, `acme/shop-api`. */
  path: string;
  /** Full repository name for the engine: `127.0.0.1:5000/shop-api`. */
  repository: string;
}

export class ReleaseError extends Error {
  constructor(
    message: string,
    /**
     * `gate` errors may be overridden with an explicit confirmation; the others may not. `unpushed`: the release
     * was made and tagged here, only pushing it failed.
     */
    readonly kind: 'gate' | 'dirty' | 'input' | 'failed' | 'unpushed' = 'failed',
    /**
     * `cause`: the service's error, whose kind (unauthorized…) tells the UI what to offer. `tag`: the release's
     * tag when it was made (an unpushed release is pushed again by it).
     */
    options?: ErrorOptions & { tag?: string },
  ) {
    super(message, options);
    this.name = 'ReleaseError';
    this.tag = options?.tag;
  }

  readonly tag: string | undefined;
}

export async function planRelease(status: ReleaseFolder, request: { bump?: VersionBump; version?: string } = {}): Promise<ReleasePlan> {
  const { folder } = status;
  const tree = await readWorkingTree(folder);
  if (!tree?.commit) throw new ReleaseError(`${status.name} is not a git repository with a commit: a release tags a commit.`, 'input');
  const previousTag = await lastReleaseTag(folder);
  const commits = await commitsSince(folder, previousTag);
  const versionFile = await readProjectVersion(folder);
  const currentVersion = versionFile?.version ?? previousTag?.replace(/^v/, '') ?? '0.0.0';
  let next;
  try {
    next = nextVersion(currentVersion, commits, request.version ?? request.bump);
  } catch (error) {
    throw new ReleaseError(messageOf(error), 'input');
  }
  const compareUrl = previousTag ? remoteCompareUrl(status.git.originUrl, previousTag, `v${next.version}`) : undefined;
  const ready = await new RunHistory(pipelineStateDir(folder, status.git)).isReady(tree.commit);
  return {
    folder,
    currentVersion,
    versionFile,
    version: next.version,
    bump: next.bump,
    reason: next.reason,
    previousTag,
    commits,
    changelog: changelogSection(next.version, new Date(), commits, { compareUrl, previousTag }),
    head: tree.commit,
    branch: tree.branch,
    dirty: tree.dirty,
    changes: tree.changes,
    ready,
    image: status.image && imageTarget(status.image),
    package: status.package && packageTarget(status.package, next.version),
    originUrl: status.git.originUrl,
    tagTaken: await tagExists(folder, `v${next.version}`),
  };
}

export function imageTarget(image: ImageDefinition): ImageTarget {
  // `http://10.0.0.5:5000` names a plain-HTTP registry: the scheme is for its API, never part of the image name.
  const scheme = /^https?:\/\//i.exec(image.registry)?.[0] ?? '';
  const [host, ...namespace] = image.registry.slice(scheme.length).replace(/\/+$/, '').split('/');
  const path = [...namespace, image.name].join('/');
  return { ...image, host, address: `${scheme.toLowerCase()}${host}`, path, repository: `${host}/${path}` };
}

/** Why the release may not go ahead, or undefined. A dirty tree always stops it; a missing ready mark can be overridden. */
export function gateProblem(plan: ReleasePlan): ReleaseError | undefined {
  if (plan.dirty) {
    return new ReleaseError(
      `The working tree has uncommitted changes (${plan.changes.slice(0, 3).join(', ')}${plan.changes.length > 3 ? ', …' : ''}): commit or stash them — a release is built from a commit.`,
      'dirty',
    );
  }
  if (plan.commits.length === 0 && plan.previousTag && plan.version === plan.currentVersion) {
    // Most often a release whose push failed, tried again: its tag is offered to push (pushing a pushed one is harmless).
    return new ReleaseError(
      `HEAD is release ${plan.previousTag} already, with no commits since: if it did not reach origin, push it; otherwise commit the next change first.`,
      'input',
      { tag: plan.previousTag },
    );
  }
  if (plan.version === plan.currentVersion) {
    return new ReleaseError(
      `Nothing to release since ${plan.previousTag ?? 'the start'}: no feat, fix or breaking commits. Choose a bump explicitly to release anyway.`,
      'input',
    );
  }
  if (plan.tagTaken && plan.version !== plan.currentVersion) {
    // Found now, not after the image was pushed over that release's registry tag.
    return new ReleaseError(
      `Tag v${plan.version} already exists on another branch: a release there took this version. Merge that branch, or choose a later version explicitly.`,
      'input',
    );
  }
  if (!plan.ready) {
    return new ReleaseError(
      `${plan.head.slice(0, 7)} is not marked ready for release: run the pipeline on this commit with a clean tree until every stage passes.`,
      'gate',
    );
  }
  return undefined;
}
