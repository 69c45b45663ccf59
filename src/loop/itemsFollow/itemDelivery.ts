// Where each work item has got to on the belt, from the folder's local records alone: the first release whose
// commits mention its key, and the environments where that release or a later one runs now (the last
// verified deployment of each, by the belt's records).
import * as semver from 'semver';
import { linkItems } from '../../code/itemLinks';
import type { ItemDelivery } from '../../plan/workItem';
import type { LoopRecords, ReleaseChange } from '../loopRecords';
import { versionOf } from '../../core/releaseVersion';
import { deploymentsFrom, standingReleases } from '../metrics/deployments';

export type DeliveryRecords = Pick<LoopRecords, 'releases' | 'belt'>;

export function itemDeliveries(records: DeliveryRecords, keys: readonly string[]): Map<string, ItemDelivery> {
  const releaseOf = new Map<string, ReleaseChange>();
  for (const release of records.releases) for (const commit of release.commits) releaseOf.set(commit.sha, release);
  // Oldest release first, so the first commit linked to a key is in the first release that brought it.
  const commits = records.releases.flatMap((r) => r.commits);
  const standing = [...standingReleases(deploymentsFrom(records.belt)).values()].filter((d) => semver.valid(d.version));
  const deliveries = new Map<string, ItemDelivery>();
  for (const [key, links] of linkItems(keys, [], commits)) {
    const first = releaseOf.get(links.commits[0].sha);
    if (!first) continue;
    deliveries.set(key, {
      release: first.tag,
      environments: standing.filter((d) => semver.gte(d.version, first.version)).map((d) => d.environment),
    });
  }
  return deliveries;
}

/**
 * The releases that arrive with `version`: the release alone, or in an environment every release since the one
 * it last ran verified (by the belt's records). Without such a record only the release itself, so a first ship
 * does not move every item ever released.
 */
export function releasesArriving(records: DeliveryRecords, version: string, environment?: string): ReleaseChange[] {
  const target = versionOf(version);
  if (!semver.valid(target)) return [];
  const before = environment
    ? deploymentsFrom(records.belt)
        .filter((d) => d.environment === environment && d.outcome === 'verified' && semver.valid(d.version) && semver.lt(d.version, target))
        .map((d) => d.version)
        .sort(semver.compare)
        .at(-1)
    : undefined;
  return records.releases.filter((r) => (before ? semver.gt(r.version, before) && semver.lte(r.version, target) : r.version === target));
}

/** The keys among `keys` that commits of these releases mention. */
export function keysBrought(releases: readonly ReleaseChange[], keys: readonly string[]): string[] {
  return [
    ...linkItems(
      keys,
      [],
      releases.flatMap((r) => r.commits),
    ).keys(),
  ];
}
