// The Releases view's data: versions from the annotated tags, joined with what the registry holds, so a
// tag whose image digest differs from the recorded one (re-pushed, tampered with, deleted) stands out.
import { listReleaseRecords } from './gitRelease';
import type { ReleaseRecord } from './releaseRecord';
import type { ImageTarget } from './releasePlan';
import type { RegistryClient } from './registry/registryClient';
import { messageOf } from '../core/errors';

export type RegistryCheck = 'verified' | 'mismatch' | 'missing' | 'unchecked' | 'no-image';

export interface ReleaseEntry {
  tag: string;
  date: string;
  commit: string;
  record?: ReleaseRecord;
  /** A tag whose record cannot be read. */
  error?: string;
  check: RegistryCheck;
  /** What the registry answers for the recorded image tag, when it differs from the record. */
  registryDigest?: string;
}

export interface ReleaseCatalog {
  releases: ReleaseEntry[];
  /** Why the registry could not be asked (unreachable, unauthorized): the git side is shown anyway. */
  registryError?: string;
}

const CHECKED_RELEASES = 20;

export async function readReleaseCatalog(
  folder: string,
  image: ImageTarget | undefined,
  registry: RegistryClient | undefined,
): Promise<ReleaseCatalog> {
  const tags = await listReleaseRecords(folder);
  let registryError: string | undefined;
  const releases: ReleaseEntry[] = [];
  for (const [index, entry] of tags.entries()) {
    const recorded = entry.record?.image;
    const release: ReleaseEntry = { ...entry, check: recorded ? 'unchecked' : 'no-image' };
    releases.push(release);
    // Older releases are checked on demand: a view of 200 tags must not cost 200 registry round trips.
    if (!recorded || !registry || !image || registryError || index >= CHECKED_RELEASES) continue;
    const path = recorded.repository.startsWith(`${image.host}/`) ? recorded.repository.slice(image.host.length + 1) : undefined;
    if (!path) continue;
    try {
      const digest = await registry.manifestDigest(path, entry.record!.version);
      release.check = digest === undefined ? 'missing' : digest === recorded.digest ? 'verified' : 'mismatch';
      if (digest && digest !== recorded.digest) release.registryDigest = digest;
    } catch (error) {
      registryError = messageOf(error);
    }
  }
  return { releases, registryError };
}
