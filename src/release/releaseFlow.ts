// Cuts a release: gate → version files and CHANGELOG committed → image built from that commit, tagged
// `<version>` and `sha-<short>`, pushed → digest checked against the registry → npm package packed, published
// and its integrity checked against the registry → annotated tag carrying the release record → (optionally)
// pushed. Anything failing before the tag undoes the release commit, so a failed release leaves no tag and no
// record behind. A published package cannot be taken back, so publishing comes last before the tag.
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { readTextIfExists, writeFileAtomic } from '../core/fsUtil';
import { commitReleaseFiles, createReleaseTag, pushRelease, undoRelease } from './gitRelease';
import { withoutCredentials } from '../core/http/urlCredentials';
import { readWorkingTree } from '../code/workingTree';
import { packBuildContext } from './image/buildContext';
import { buildImage, checkEngine, connectEngine, pushImage } from './image/imageEngine';
import type { LayerProgress, PushImageRequest } from './image/imageEngine';
import type { ReleaseRecord } from './releaseRecord';
import { gateProblem, ReleaseError } from './releasePlan';
import type { ImageTarget, ReleasePlan } from './releasePlan';
import type { RegistryCredentials } from './registry/credentials';
import { RegistryClient } from './registry/registryClient';
import { prependChangelog } from './version/changelog';
import { writeProjectVersion } from './version/versionFile';
import { isServiceError, messageOf } from '../core/errors';
import { NpmRegistryClient } from './package/npmRegistryClient';
import { alreadyPublished, packPackage, publishPackage, viewPublished } from './package/npmPublish';
import type { PackageTarget } from './package/packageDefinition';

export type ReleaseStep = 'gate' | 'version' | 'build' | 'push' | 'pack' | 'publish-package' | 'verify' | 'tag' | 'publish';

export interface ReleaseProgress {
  step: ReleaseStep;
  message: string;
  /** A build output line (build step). */
  buildLine?: string;
  /** A layer's push progress (push step). */
  layer?: LayerProgress;
}

export interface ReleaseOptions {
  /** Release although the pipeline did not mark HEAD ready; recorded in the release record. */
  override?: { reason: string; by?: string };
  /** Push the release commit and tag to the git remote. */
  pushGit?: boolean;
  credentials?: RegistryCredentials;
  /** The npm registry's token (SecretStorage, NPM_TOKEN); without one npm uses the user's .npmrc. */
  npmToken?: string;
  docker?: Docker;
  signal?: AbortSignal;
  onProgress?: (progress: ReleaseProgress) => void;
}

const CHANGELOG_FILE = 'CHANGELOG.md';

export async function executeRelease(plan: ReleasePlan, options: ReleaseOptions = {}): Promise<ReleaseRecord> {
  const progress = options.onProgress ?? (() => undefined);
  const problem = gateProblem(plan);
  if (problem && !(problem.kind === 'gate' && options.override)) throw problem;
  progress({
    step: 'gate',
    message: plan.ready
      ? `${plan.head.slice(0, 7)} is ready (pipeline run ${plan.ready.runId})`
      : `Gate overridden: ${options.override?.reason ?? ''}`,
  });

  // Fail before changing anything when the engine or the registry cannot be reached.
  const docker = plan.image ? (options.docker ?? connectEngine()) : undefined;
  const registry = plan.image ? new RegistryClient(plan.image.address, options.credentials) : undefined;
  if (docker && registry) {
    await checkEngine(docker);
    await registry.ping();
  }
  const npmRegistry = plan.package && new NpmRegistryClient(plan.package.registry, options.npmToken);
  if (plan.package && npmRegistry) await checkVersionIsFree(plan.package, plan.version, npmRegistry);

  // The plan may be minutes old (a question answered, an engine started): the release is made from the tree
  // it was planned on, or not at all, and a failure later takes back only what the release wrote.
  const tree = await readWorkingTree(plan.folder);
  if (tree?.commit !== plan.head || tree.dirty)
    throw new ReleaseError(
      `The working tree changed since the release was planned (${tree?.commit !== plan.head ? `HEAD is now ${tree?.commit?.slice(0, 7) ?? 'gone'}` : `uncommitted changes in ${tree.changes.slice(0, 3).join(', ')}`}): plan the release again.`,
      'dirty',
    );
  const changelogFile = path.join(plan.folder, CHANGELOG_FILE);
  const changelogExisted = (await readTextIfExists(changelogFile)) !== undefined;
  let record: ReleaseRecord | undefined;
  let published: string | undefined;
  const written: string[] = [];
  let releaseCommit: string | undefined;
  try {
    progress({ step: 'version', message: `Writing version ${plan.version} and the CHANGELOG` });
    await writeReleaseFiles(plan, changelogFile, written);
    releaseCommit = await commitReleaseFiles(plan.folder, written, plan.version);
    const image =
      docker && registry && plan.image ? await buildAndPush(plan, plan.image, releaseCommit, docker, registry, options) : undefined;
    const npmPackage =
      plan.package && npmRegistry
        ? await publishAndVerify(plan, plan.package, npmRegistry, options, (spec) => (published = spec))
        : undefined;
    record = {
      version: plan.version,
      tag: `v${plan.version}`,
      commit: releaseCommit,
      testedCommit: plan.head,
      readyRun: plan.ready?.runId,
      gateOverride: plan.ready ? undefined : options.override && { ...options.override, at: new Date().toISOString() },
      image,
      package: npmPackage,
      createdAt: new Date().toISOString(),
    };
    progress({ step: 'tag', message: `Tagging ${record.tag}` });
    await createReleaseTag(plan.folder, record, plan.changelog);
  } catch (error) {
    // Nothing was tagged: take the release commit and files back, so the tree is the tested commit again.
    const leftToDo = await undoRelease(plan.folder, plan.head, releaseCommit, written).catch((undo: unknown) => messageOf(undo));
    if (!changelogExisted && !leftToDo) await rm(changelogFile, { force: true });
    const after = leftToDo ? ` ${leftToDo}` : '';
    if (published) {
      throw new ReleaseError(
        `${published} was published, and a registry never takes a version back, but the release failed after that: ${messageOf(error)} Nothing was tagged: release the next version.${after}`,
        'failed',
        { cause: error },
      );
    }
    if (leftToDo) throw new ReleaseError(`${messageOf(error)}${after}`, 'failed', { cause: error });
    throw error instanceof ReleaseError ? error : new ReleaseError(messageOf(error), 'failed', { cause: error });
  }
  if (options.pushGit) {
    progress({ step: 'publish', message: `Pushing ${record.tag} to origin` });
    try {
      await pushRelease(plan.folder, record.tag);
    } catch (error) {
      throw new ReleaseError(
        `Release ${record.tag} was created here, but pushing it failed: ${messageOf(error)}. Push it later with git push --follow-tags.`,
        'unpushed',
        { cause: error, tag: record.tag },
      );
    }
  }
  return record;
}

/** Adds each file to `written` once it is written, so that a failure part way knows what to restore. */
async function writeReleaseFiles(plan: ReleasePlan, changelogFile: string, written: string[]): Promise<void> {
  if (plan.versionFile) written.push(...(await writeProjectVersion(plan.folder, plan.version)));
  await writeFileAtomic(changelogFile, prependChangelog(await readTextIfExists(changelogFile), plan.changelog));
  written.push(changelogFile);
}

async function buildAndPush(
  plan: ReleasePlan,
  image: ImageTarget,
  releaseCommit: string,
  docker: Docker,
  registry: RegistryClient,
  options: ReleaseOptions,
): Promise<NonNullable<ReleaseRecord['image']>> {
  const progress = options.onProgress ?? (() => undefined);
  const tags = [plan.version, `sha-${releaseCommit.slice(0, 7)}`];
  progress({ step: 'build', message: `Building ${image.repository}:${plan.version} from ${image.dockerfile}` });
  const context = await packBuildContext(plan.folder, image.context, image.dockerfile);
  await buildImage(docker, {
    context: context.stream,
    dockerfile: context.dockerfile,
    tags: tags.map((t) => `${image.repository}:${t}`),
    buildArgs: image.buildArgs,
    labels: {
      'org.opencontainers.image.revision': releaseCommit,
      'org.opencontainers.image.version': plan.version,
      'org.opencontainers.image.created': new Date().toISOString(),
      // Without the user and password a clone URL may carry (a CI token): the label is public with the image.
      ...(plan.originUrl ? { 'org.opencontainers.image.source': withoutCredentials(plan.originUrl) } : {}),
    },
    signal: options.signal,
    onProgress: ({ step, line }) => progress({ step: 'build', message: step ?? 'Building', buildLine: line }),
  });
  const { username, password, identityToken } = options.credentials ?? {};
  const auth = options.credentials ? { username, password, identitytoken: identityToken, serveraddress: image.host } : undefined;
  let digest: string | undefined;
  for (const tag of tags) {
    progress({ step: 'push', message: `Pushing ${image.repository}:${tag}` });
    const pushed = await pushWatchingRegistry(docker, registry, {
      repository: image.repository,
      tag,
      auth,
      signal: options.signal,
      onLayer: (layer) => progress({ step: 'push', message: `Pushing ${image.repository}:${tag}`, layer }),
    });
    digest ??= pushed.digest;
  }
  progress({ step: 'verify', message: `Checking the digest ${digest} in ${image.host}` });
  const stored = await registry.manifestDigest(image.path, plan.version);
  if (stored !== digest) {
    throw new ReleaseError(
      `The registry answers ${stored ?? 'nothing'} for ${image.repository}:${plan.version}, not the pushed ${digest}: someone pushed the same tag meanwhile?`,
    );
  }
  return { repository: image.repository, tags, digest: digest! };
}

/**
 * The engine retries a failing layer upload five times with growing pauses (about a minute in all). When
 * it starts retrying, ask the registry directly: if it is gone, stop the push now and say so.
 */
async function pushWatchingRegistry(docker: Docker, registry: RegistryClient, request: PushImageRequest): Promise<{ digest: string }> {
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  request.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let registryGone: Error | undefined;
  let probing = false;
  try {
    return await pushImage(docker, {
      ...request,
      signal: abort.signal,
      onLayer: (layer) => {
        request.onLayer?.(layer);
        if (!/^Retrying in/.test(layer.status) || probing || registryGone) return;
        probing = true;
        registry.ping().then(
          () => (probing = false),
          (error: unknown) => {
            registryGone = new ReleaseError(
              `Pushing ${request.repository}:${request.tag} failed: the registry stopped answering (${messageOf(error)}).`,
            );
            abort.abort();
          },
        );
      },
    });
  } catch (error) {
    throw registryGone ?? error;
  } finally {
    request.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/**
 * Before anything changes: the registry answers, and does not have the version yet. A registry that wants a
 * token to be read, when Conveyor has none, is left to npm: the user's .npmrc may well have one.
 */
async function checkVersionIsFree(target: PackageTarget, version: string, npmRegistry: NpmRegistryClient): Promise<void> {
  let versions: Map<string, string | undefined> | undefined;
  try {
    versions = (await npmRegistry.published(target.name))?.versions;
  } catch (error) {
    if (!npmRegistry.hasToken && (isServiceError(error, 'unauthorized') || isServiceError(error, 'forbidden'))) return;
    throw error;
  }
  if (versions?.has(version)) throw alreadyPublished(target, version);
}

async function publishAndVerify(
  plan: ReleasePlan,
  target: PackageTarget,
  npmRegistry: NpmRegistryClient,
  options: ReleaseOptions,
  onPublished: (spec: string) => void,
): Promise<NonNullable<ReleaseRecord['package']>> {
  const progress = options.onProgress ?? (() => undefined);
  const spec = `${target.name}@${plan.version}`;
  progress({ step: 'pack', message: `Packing ${spec}` });
  const packed = await packPackage(plan.folder, options.signal);
  try {
    if (packed.name !== target.name || packed.version !== plan.version) {
      throw new ReleaseError(
        `npm packed ${packed.name}@${packed.version}, not ${spec}: is the version in package.json the one the release wrote?`,
      );
    }
    progress({ step: 'publish-package', message: `Publishing ${spec} to ${target.registry} as ${target.distTag}` });
    await publishPackage(plan.folder, packed, target, { token: options.npmToken, signal: options.signal });
    onPublished(`${spec} (to ${target.registry})`);
  } finally {
    await rm(path.dirname(packed.tarball), { recursive: true, force: true });
  }
  progress({ step: 'verify', message: `Checking the integrity of ${spec} in ${target.registry}` });
  const recorded = {
    name: target.name,
    version: plan.version,
    registry: target.registry,
    distTag: target.distTag,
    integrity: packed.integrity,
  };
  const { copy, reason } = await readPublishedCopy(plan, target, npmRegistry, options, packed.integrity);
  if (copy?.integrity === undefined) {
    // The version is out and cannot be taken back: undoing the release would only burn it. Tag it, and say so.
    progress({
      step: 'verify',
      message: `${spec} published; the registry's copy could not be verified: ${reason ?? `${target.registry} does not list ${spec} yet`}`,
    });
    return recorded;
  }
  if (copy.integrity !== packed.integrity) {
    throw new ReleaseError(
      `The registry answers ${copy.integrity} for ${spec}, not the packed ${packed.integrity}: did someone else publish it meanwhile?`,
    );
  }
  if (copy.distTag !== plan.version) {
    throw new ReleaseError(
      `The registry's dist-tag ${target.distTag} of ${target.name} is ${copy.distTag ?? 'not set'}, not ${plan.version}.`,
    );
  }
  return recorded;
}

/** Pauses between reads of a just-published version: registries behind a CDN serve a cached packument for a while. */
const VERIFY_PAUSES_MS = [500, 1000, 2000, 4000];

interface PublishedCopy {
  integrity?: string;
  distTag?: string;
}

/**
 * The registry's copy of the published version, read until it shows (or a different tarball shows). Read over
 * HTTP, or by npm itself where the registry wants a token Conveyor does not have: npm found one to publish.
 */
async function readPublishedCopy(
  plan: ReleasePlan,
  target: PackageTarget,
  npmRegistry: NpmRegistryClient,
  options: ReleaseOptions,
  packedIntegrity: string,
): Promise<{ copy?: PublishedCopy; reason?: string }> {
  const read = async (): Promise<PublishedCopy> => {
    try {
      const stored = await npmRegistry.published(target.name);
      return { integrity: stored?.versions.get(plan.version), distTag: stored?.distTags[target.distTag] };
    } catch (error) {
      if (!isServiceError(error, 'unauthorized') && !isServiceError(error, 'forbidden')) throw error;
      return viewPublished(plan.folder, target, plan.version, { token: options.npmToken, signal: options.signal });
    }
  };
  let copy: PublishedCopy | undefined;
  let reason: string | undefined;
  for (const pause of [...VERIFY_PAUSES_MS, undefined]) {
    try {
      copy = await read();
      reason = undefined;
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      copy = undefined;
      reason = messageOf(error);
    }
    const settled = copy?.integrity !== undefined && (copy.integrity !== packedIntegrity || copy.distTag === plan.version);
    if (settled || pause === undefined) break;
    await sleep(pause, undefined, { signal: options.signal });
  }
  return { copy, reason };
}
