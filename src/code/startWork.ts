// Start Work on a work item: a branch `<type>/<KEY>-<slug>` (or conveyor.yml's template) from the default branch, checked out. A dirty
// tree is never lost: the caller chooses to carry the changes over or to stash them first.
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';
import { messageOf } from '../core/errors';
import { branchNameFor } from './branchName';
import type { BranchItem } from './branchName';

export type DirtyTreeChoice = 'carry' | 'stash';

export interface StartWorkResult {
  branch: string;
  /** True when the branch existed and was only checked out. */
  existed: boolean;
  base: string;
  stashed: boolean;
}

export class StartWorkError extends Error {
  constructor(
    message: string,
    readonly kind: 'dirty' | 'not-a-repository' | 'git',
  ) {
    super(message);
    this.name = 'StartWorkError';
  }
}

/** The default branch of the repository at `folder` (see defaultBranch). */
export function defaultBranchOf(folder: string): Promise<string> {
  return defaultBranch(simpleGit({ baseDir: folder }));
}

/** The branch new work starts from: origin's HEAD, else main or master, else the current branch. */
export async function defaultBranch(git: SimpleGit): Promise<string> {
  const originHead = await git.raw(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']).then(
    (s) => s.trim(),
    () => '',
  );
  if (originHead) return originHead.replace(/^origin\//, '');
  const local = (await git.branchLocal()).all;
  return local.find((b) => b === 'main') ?? local.find((b) => b === 'master') ?? (await git.revparse(['--abbrev-ref', 'HEAD'])).trim();
}

/**
 * Creates (or checks out) the item's branch. With uncommitted changes and no choice given, throws a
 * `dirty` StartWorkError listing them, so the UI can ask; nothing has changed at that point.
 */
export async function startWork(
  folder: string,
  item: BranchItem,
  dirtyChoice?: DirtyTreeChoice,
  options: { branchTemplate?: string } = {},
): Promise<StartWorkResult> {
  const git = await repositoryAt(folder);
  const branch = branchNameFor(item, options.branchTemplate);
  const status = await git.status();
  let stashed = false;
  if (!status.isClean()) {
    if (!dirtyChoice) {
      const files = status.files
        .slice(0, 5)
        .map((f) => f.path)
        .join(', ');
      throw new StartWorkError(
        `Uncommitted changes (${files}${status.files.length > 5 ? ', …' : ''}): carry them to ${branch}, or stash them first.`,
        'dirty',
      );
    }
    if (dirtyChoice === 'stash') {
      await gitStep(
        () => git.stash(['push', '--include-untracked', '-m', `conveyor: before starting ${item.key}`]),
        'Stashing the changes',
      );
      stashed = true;
    }
  }
  const base = await defaultBranch(git);
  const exists = (await git.branchLocal()).all.includes(branch);
  try {
    if (exists) await git.checkout(branch);
    else await git.checkout(['-b', branch, base]);
  } catch (error) {
    // Put the stash back where it came from: nothing may be lost because the checkout failed.
    if (stashed) await git.stash(['pop']).catch(() => undefined);
    throw new StartWorkError(`git could not check out ${branch}${exists ? '' : ` from ${base}`}: ${firstLine(error)}`, 'git');
  }
  return { branch, existed: exists, base, stashed };
}

/** simple-git for the repository at `folder`; a folder outside one is a `not-a-repository` StartWorkError. */
export async function repositoryAt(folder: string): Promise<SimpleGit> {
  const git = simpleGit({ baseDir: folder, timeout: { block: 60_000 } });
  if (!(await git.checkIsRepo().catch(() => false)))
    throw new StartWorkError(`${folder} is not a git repository: Start Work creates a branch.`, 'not-a-repository');
  return git;
}

/** Runs one git step; its failure is a `git` StartWorkError that says which step. */
export async function gitStep<T>(work: () => Promise<T>, what: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new StartWorkError(`${what} failed: ${firstLine(error)}`, 'git');
  }
}

export function firstLine(error: unknown): string {
  return messageOf(error).trim().split('\n')[0];
}
