// Which release a deploy takes: the one asked for, else the newest release that passed the pipeline and
// has an image digest. Releases made with a gate override are only deployed when named explicitly.
import type { ReleaseTagEntry } from '../release/gitRelease';
import { DeployError } from './deployError';
import type { ReleaseToDeploy } from './renderManifests';

/** @param entries release tags, newest first (as `listReleaseRecords` returns them). */
export function selectRelease(entries: ReleaseTagEntry[], requested?: string): ReleaseToDeploy {
  if (requested) {
    const tag = requested.startsWith('v') ? requested : `v${requested}`;
    const entry = entries.find((e) => e.tag === tag);
    if (!entry) throw new DeployError('not-found', `There is no release ${tag} (no tag ${tag} in this repository).`);
    if (!entry.record)
      throw new DeployError(
        'invalid-release',
        `Tag ${tag} has no Conveyor release record${entry.error ? ` (${entry.error})` : ''}: deploy a release made with \`conveyor release\`.`,
      );
    return toDeploy(entry);
  }
  const ready = entries.find((e) => e.record?.image && !e.record.gateOverride);
  if (!ready)
    throw new DeployError(
      'not-found',
      'No release with an image digest that passed the pipeline: cut one with `conveyor release`, or name one with --release.',
    );
  return toDeploy(ready);
}

function toDeploy(entry: ReleaseTagEntry): ReleaseToDeploy {
  const record = entry.record!;
  if (!record.image)
    throw new DeployError(
      'invalid-release',
      `Release ${entry.tag} has no image digest recorded: only images pinned by digest are deployed.`,
    );
  return { version: record.tag, commit: record.commit, image: record.image.repository, digest: record.image.digest };
}
