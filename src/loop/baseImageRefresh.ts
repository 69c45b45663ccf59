// Refresh Base Images: pinned FROM lines follow their tags. Every registry is asked first, with nothing
// touched; only when some digest moved does a branch appear (landPatch), with one commit that lists each
// image's old and new digest. A registry that cannot answer stops the refresh before any branch exists.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ServiceError } from '../core/errors';
import { writeFileAtomic } from '../core/fsUtil';
import { imageLabel, shortDigest } from '../release/image/baseImages';
import { planBaseImageRefresh } from '../release/image/baseImageDigests';
import type { BaseImageUpdate, DigestSourceFor, DockerfileText } from '../release/image/baseImageDigests';
import { landPatch, patchBranchName } from './patchLanding';
import type { LandedPatch } from './patchLanding';

export interface BaseImageRefreshRequest {
  folder: string;
  /** Dockerfiles relative to the folder. */
  dockerfiles: string[];
  sources: DigestSourceFor;
  /** The day in the branch name; today by default. */
  today?: Date;
}

export interface BaseImageRefresh {
  /** The branch and commit, when some digest moved. */
  landed?: LandedPatch<BaseImageUpdate[]>;
  updates: BaseImageUpdate[];
  /** What happened, first line for a notification, one line per image after it. */
  summary: string;
}

export const REFRESH_SUBJECT = 'fix(docker): refresh base images';

export async function refreshBaseImages(request: BaseImageRefreshRequest): Promise<BaseImageRefresh> {
  const read = await Promise.all(
    request.dockerfiles.map(async (file): Promise<DockerfileText> => ({
      file,
      text: await readFile(path.join(request.folder, file), 'utf8'),
    })),
  );
  const plan = await planBaseImageRefresh(read, request.sources);
  if (plan.updates.length === 0) {
    const checked = plan.checked === 0 ? 'no pinned base images to follow' : `${plan.checked} pinned base image(s) checked`;
    return { updates: [], summary: `All base images are current (${checked}).` };
  }
  const landed = await landPatch({
    folder: request.folder,
    branch: patchBranchName('base-images', request.today ?? new Date()),
    files: plan.texts.map((changed) => changed.file),
    apply: async () => {
      for (const changed of plan.texts) {
        const file = path.join(request.folder, changed.file);
        const before = read.find((original) => original.file === changed.file)?.text;
        // The new text was made from what was read before the registries answered; a later edit is not overwritten.
        if ((await readFile(file, 'utf8')) !== before) {
          throw new ServiceError('Conveyor', 'conflict', `${changed.file} changed while the registries were asked: refresh again.`);
        }
        await writeFileAtomic(file, changed.text);
      }
      return plan.updates;
    },
    message: refreshCommitMessage,
  });
  return {
    landed,
    updates: plan.updates,
    summary: [`Refreshed ${plan.updates.length} base image(s).`, ...plan.updates.map(updateLine)].join('\n'),
  };
}

/** `fix(docker): refresh base images`, and a body with one line per moved digest. */
export function refreshCommitMessage(updates: BaseImageUpdate[]): string {
  return [REFRESH_SUBJECT, '', ...updates.map(updateLine)].join('\n');
}

function updateLine(update: BaseImageUpdate): string {
  return `- ${imageLabel(update.image)}: ${shortDigest(update.from)} → ${shortDigest(update.to)} (${update.file}:${update.line + 1})`;
}
