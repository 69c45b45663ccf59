// The Releases view's data: versions from the annotated tags, joined with what the registries hold, so a
// tag whose image digest or package integrity differs from the recorded one (re-pushed, tampered with,
// deleted) stands out.
import { listReleaseRecords } from './gitRelease';
import type { ReleaseRecord } from './releaseRecord';
import type { ImageTarget } from './releasePlan';
import type { RegistryClient } from './registry/registryClient';
import { messageOf } from '../core/errors';
import { NpmRegistryClient } from './package/npmRegistryClient';
import type { PublishedPackage } from './package/npmRegistryClient';

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
  /** The recorded npm package against its registry's packument. */
  packageCheck: PackageCheck;
  /** The registry's integrity for the recorded package version, when it differs from the record. */
  registryIntegrity?: string;
}

export type PackageCheck = Exclude<RegistryCheck, 'no-image'> | 'no-package';

/** The npm registry token Conveyor has for a registry URL (SecretStorage, NPM_TOKEN), if any. */
export type NpmTokenLookup = (registry: string) => Promise<string | undefined>;

export interface ReleaseCatalog {
  releases: ReleaseEntry[];
  /** Why the registry could not be asked (unreachable, unauthorized): the git side is shown anyway. */
  registryError?: string;
  /** Why an npm registry could not be asked. */
  npmRegistryError?: string;
}

const CHECKED_RELEASES = 20;

/** `registry` may be made on first use: a credential helper that fails then becomes the registry check's error. */
export async function readReleaseCatalog(
  folder: string,
  image: ImageTarget | undefined,
  registry: RegistryClient | (() => Promise<RegistryClient>) | undefined,
  npmToken: NpmTokenLookup = () => Promise.resolve(undefined),
): Promise<ReleaseCatalog> {
  const tags = await listReleaseRecords(folder);
  let client = typeof registry === 'function' ? undefined : registry;
  let registryError: string | undefined;
  const releases: ReleaseEntry[] = [];
  const packages = new PackumentCache(npmToken);
  for (const [index, entry] of tags.entries()) {
    const recorded = entry.record?.image;
    const release: ReleaseEntry = {
      ...entry,
      check: recorded ? 'unchecked' : 'no-image',
      packageCheck: entry.record?.package ? 'unchecked' : 'no-package',
    };
    if (index < CHECKED_RELEASES) await checkPackage(release, packages);
    releases.push(release);
    // Older releases are checked on demand: a view of 200 tags must not cost 200 registry round trips.
    if (!recorded || !registry || !image || registryError || index >= CHECKED_RELEASES) continue;
    const path = recorded.repository.startsWith(`${image.host}/`) ? recorded.repository.slice(image.host.length + 1) : undefined;
    if (!path) continue;
    try {
      client ??= await (registry as () => Promise<RegistryClient>)();
      const digest = await client.manifestDigest(path, entry.record!.version);
      release.check = digest === undefined ? 'missing' : digest === recorded.digest ? 'verified' : 'mismatch';
      if (digest && digest !== recorded.digest) release.registryDigest = digest;
    } catch (error) {
      registryError = messageOf(error);
    }
  }
  return { releases, registryError, npmRegistryError: packages.error };
}

async function checkPackage(release: ReleaseEntry, packages: PackumentCache): Promise<void> {
  const recorded = release.record?.package;
  if (!recorded || packages.error) return;
  const published = await packages.get(recorded.registry, recorded.name);
  if (packages.error) return;
  const integrity = published?.versions.get(recorded.version);
  release.packageCheck = integrity === undefined ? 'missing' : integrity === recorded.integrity ? 'verified' : 'mismatch';
  if (integrity && integrity !== recorded.integrity) release.registryIntegrity = integrity;
}

/** One packument read per package, however many releases it has; the first failure stops the asking. */
class PackumentCache {
  private readonly packuments = new Map<string, PublishedPackage | undefined>();
  error?: string;

  constructor(private readonly npmToken: NpmTokenLookup) {}

  async get(registry: string, name: string): Promise<PublishedPackage | undefined> {
    const key = `${registry} ${name}`;
    if (this.packuments.has(key)) return this.packuments.get(key);
    try {
      const published = await new NpmRegistryClient(registry, await this.npmToken(registry)).published(name);
      this.packuments.set(key, published);
      return published;
    } catch (error) {
      this.error = messageOf(error);
      return undefined;
    }
  }
}
