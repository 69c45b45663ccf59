// Asks registries what a Dockerfile's base image tags point to now: the digest a pin writes, and the digests a
// refresh compares. The registry client is the releases' (same sign-in, same credentials); every failure
// names the image and its line, and nothing is written until every line has its answer.
import { simpleGit } from 'simple-git';
import { isServiceError, ServiceError } from '../../core/errors';
import type { RegistryCredentials } from '../registry/credentials';
import { readDockerCredentials } from '../registry/dockerConfig';
import { RegistryClient } from '../registry/registryClient';
import type { RegistryClientOptions } from '../registry/registryClient';
import { applyReferenceEdits, imageLabel, isDockerfileName, pinnedReference, readBaseImages, refreshable } from './baseImages';
import type { BaseImageLine, ImageReference, ReferenceEdit } from './baseImages';

/** What is asked of a registry: RegistryClient.manifestDigest (a tag's digest, undefined when there is no such tag). */
export interface DigestSource {
  manifestDigest(repository: string, reference: string): Promise<string | undefined>;
}

/** A registry's client, made once per registry for a pin or a refresh (with its credentials). */
export type DigestSourceFor = (registry: string) => Promise<DigestSource>;

/** A Dockerfile as read from disk or from the editor; `file` names it in messages (relative to the folder). */
export interface DockerfileText {
  file: string;
  text: string;
}

/** A line whose digest a refresh changes. */
export interface BaseImageUpdate {
  file: string;
  line: number;
  image: ImageReference;
  from: string;
  to: string;
}

export interface BaseImageRefreshPlan {
  updates: BaseImageUpdate[];
  /** The new text of each file that changes. */
  texts: DockerfileText[];
  /** Pinned lines with a tag that were asked about. */
  checked: number;
}

/** One registry client per registry, signed in as releases are: `credentialsFor`, else the Docker config's. */
export function registryDigestSources(
  credentialsFor: (host: string) => Promise<RegistryCredentials | undefined> = readDockerCredentials,
  options?: RegistryClientOptions,
): DigestSourceFor {
  const clients = new Map<string, Promise<RegistryClient>>();
  return (registry) => {
    let client = clients.get(registry);
    if (!client)
      clients.set(registry, (client = credentialsFor(registry).then((credentials) => new RegistryClient(registry, credentials, options))));
    return client;
  };
}

/** The Dockerfiles git tracks in `folder` (what a refresh may commit), with `also` (conveyor.yml's image) when tracked. */
export async function trackedDockerfiles(folder: string, also: string[] = []): Promise<string[]> {
  const tracked = (await simpleGit({ baseDir: folder, timeout: { block: 30_000 } }).raw(['ls-files', '-z'])).split('\0').filter(Boolean);
  const wanted = new Set(also.map((file) => file.replace(/^\.\//, '')));
  return tracked.filter((file) => isDockerfileName(file) || wanted.has(file));
}

/** The digest `image`'s tag points to now (`latest` when it has none), as `docker pull` would resolve it. */
export async function currentDigest(image: ImageReference, where: string, sources: DigestSourceFor): Promise<string> {
  const tag = image.tag ?? 'latest';
  const label = imageLabel({ ...image, tag });
  let digest: string | undefined;
  try {
    digest = await (await sources(image.registry)).manifestDigest(image.repository, tag);
  } catch (error) {
    throw withImage(error, label, where);
  }
  if (!digest) {
    throw new ServiceError(
      `registry ${image.registry}`,
      'not-found',
      `${label} (${where}): ${image.registry} has no tag ${tag} of ${image.repository}`,
      {
        status: 404,
      },
    );
  }
  return digest;
}

/** The edit that pins `from` to what its tag points to now. */
export async function pinEdit(
  from: BaseImageLine & { image: ImageReference },
  file: string,
  sources: DigestSourceFor,
): Promise<ReferenceEdit> {
  const digest = await currentDigest(from.image, lineName(file, from.line), sources);
  return { line: from.line, start: from.start, end: from.end, reference: pinnedReference(from.image, digest) };
}

/** Asks for every pinned line's tag and plans the new texts; throws on the first line the registry cannot answer. */
export async function planBaseImageRefresh(dockerfiles: DockerfileText[], sources: DigestSourceFor): Promise<BaseImageRefreshPlan> {
  const updates: BaseImageUpdate[] = [];
  const texts: DockerfileText[] = [];
  let checked = 0;
  for (const { file, text } of dockerfiles) {
    const edits: ReferenceEdit[] = [];
    for (const from of refreshable(readBaseImages(text))) {
      checked++;
      const digest = await currentDigest(from.image, lineName(file, from.line), sources);
      if (digest === from.image.digest) continue;
      updates.push({ file, line: from.line, image: from.image, from: from.image.digest, to: digest });
      edits.push({ line: from.line, start: from.start, end: from.end, reference: pinnedReference(from.image, digest) });
    }
    if (edits.length > 0) texts.push({ file, text: applyReferenceEdits(text, edits) });
  }
  return { updates, texts, checked };
}

/** "Dockerfile, line 3" (1-based, as editors number lines). */
export function lineName(file: string, line: number): string {
  return `${file}, line ${line + 1}`;
}

/** The registry's own error, with the image and line it was asked for in front. */
function withImage(error: unknown, label: string, where: string): unknown {
  if (!isServiceError(error)) return error;
  return new ServiceError(error.service, error.kind, `${label} (${where}): ${error.message}`, {
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    detail: error.detail,
    cause: error,
  });
}
