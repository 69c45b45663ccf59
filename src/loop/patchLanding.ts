// A patch (dependency updates, refreshed base images) lands like any change: on a branch of its own, as one
// commit, so the pipeline and the belt take it from there. Whatever fails, the user's tree is as it was:
// the files come back byte for byte, the previous branch is checked out and the new branch is gone.
import { readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { firstLine } from '../code/startWork';
import { isServiceError, ServiceError } from '../core/errors';

const GIT = 'git';

export interface PatchRequest<T> {
  /** The git work tree (a workspace folder; it may sit below the repository's root). */
  folder: string;
  /** The wanted branch name; `-2`, `-3`… are appended when it is taken. */
  branch: string;
  /** Paths relative to `folder` that the patch may change; they must have no uncommitted changes before. */
  files: string[];
  /** Makes the change (runs npm, edits a Dockerfile); throws a ServiceError when it fails. */
  apply: () => Promise<T>;
  /** The commit message (Conventional Commits, e.g. `fix(deps): …`). */
  message: (result: T) => string;
}

export interface LandedPatch<T> {
  branch: string;
  /** The branch (or commit, when HEAD was detached) the patch branched from. */
  previousBranch: string;
  commit: string;
  result: T;
  /** The `files` the patch changed, as committed. */
  changedFiles: string[];
}

/** `fix/security-2026-12-03`, `fix/security-minimist`, `fix/base-images-2026-12-03`. */
export function patchBranchName(kind: 'security' | 'base-images', subject: string | Date): string {
  const text = subject instanceof Date ? subject.toISOString().slice(0, 10) : subject;
  // A scoped package (@scope/name) and other characters git refuses become dashes.
  const slug = text
    .replace(/^@/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return `fix/${kind}-${slug || 'patch'}`;
}

/**
 * Creates the branch from HEAD, applies the patch and commits the `files` it changed. On a failure, or when
 * nothing changed, restores the files, returns to the previous branch, deletes the new one and throws a
 * ServiceError whose message ends by saying so.
 */
export async function landPatch<T>(request: PatchRequest<T>): Promise<LandedPatch<T>> {
  const git = simpleGit({ baseDir: request.folder, timeout: { block: 120_000 } });
  if (!(await git.checkIsRepo().catch(() => false))) {
    throw new ServiceError(GIT, 'unsupported', `${request.folder} is not a git repository: a patch lands on a branch of its own.`);
  }
  const root = (await git.revparse(['--show-toplevel'])).trim();
  // Two patches at once would branch from each other's half-applied files.
  if (landing.has(root)) {
    throw new ServiceError(GIT, 'conflict', `Another patch is being applied in ${root}: wait for it to finish. Nothing changed.`);
  }
  landing.add(root);
  try {
    return await landOn(git, request);
  } finally {
    landing.delete(root);
  }
}

/** Repositories with a patch being applied (per extension host or CLI process). */
const landing = new Set<string>();

async function landOn<T>(git: SimpleGit, request: PatchRequest<T>): Promise<LandedPatch<T>> {
  const dirty = await changedAmong(git, request.files);
  if (dirty.length > 0) {
    throw new ServiceError(
      GIT,
      'conflict',
      `${dirty.join(', ')} ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes: commit or stash them first, so the patch does not mix with them. Nothing changed.`,
    );
  }
  const previousBranch = await currentBranch(git);
  const start = (await git.revparse(['HEAD'])).trim();
  const branch = await freeBranchName(git, request.branch);
  const originals = await Promise.all(request.files.map((file) => readOriginal(path.join(request.folder, file))));
  await gitStep(() => git.checkoutLocalBranch(branch), `Creating branch ${branch}`);

  /** Puts everything back; says what could not be put back (the user must know before trusting "nothing changed"). */
  const undo = async (): Promise<string[]> => {
    const left: string[] = [];
    const step = (what: string, work: () => Promise<unknown>) =>
      work().catch((error: unknown) => void left.push(`${what} (${firstLine(error)})`));
    // Unstage first: a failed commit leaves the patched files in the index.
    await step('unstaging the patched files', () => git.raw(['reset', '-q', '--', ...request.files]));
    for (const [index, file] of request.files.entries()) {
      await step(`restoring ${file}`, () => restore(path.join(request.folder, file), originals[index]));
    }
    if ((await currentBranch(git).catch(() => '')) === branch)
      await step(`checking out ${previousBranch}`, () => git.checkout(previousBranch));
    // Someone may have committed on the branch meanwhile (the Source Control view stays usable): keep their work.
    const tip = await git.revparse([branch]).then(
      (sha) => sha.trim(),
      () => start,
    );
    if (tip === start) await step(`deleting branch ${branch}`, () => git.deleteLocalBranch(branch, true));
    else left.push(`branch ${branch} was kept: it has commits made while the patch ran`);
    return left;
  };
  try {
    const result = await request.apply();
    const now = await currentBranch(git);
    if (now !== branch) {
      throw new ServiceError(GIT, 'conflict', `${now} was checked out while the patch ran; the patch is only committed on ${branch}.`);
    }
    const changedFiles = await changedAmong(git, request.files);
    if (changedFiles.length === 0) throw new ServiceError(GIT, 'invalid', `The patch changed none of ${request.files.join(', ')}.`);
    await gitStep(() => git.add(changedFiles), 'Staging the patch');
    await gitStep(() => git.commit(request.message(result), changedFiles), 'Committing the patch');
    const commit = (await git.revparse(['HEAD'])).trim();
    return { branch, previousBranch, commit, result, changedFiles };
  } catch (error) {
    throw afterUndo(error, request.files, await undo());
  }
}

/** Which of `files` differ from HEAD (modified, added, deleted or untracked), relative to the folder. */
async function changedAmong(git: SimpleGit, files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  // --porcelain paths are relative to the repository root; asking one file at a time keeps the caller's spelling.
  const changed = await Promise.all(
    files.map(async (file) => ((await git.raw(['status', '--porcelain', '--untracked-files=all', '--', file])).trim() ? file : undefined)),
  );
  return changed.filter((file): file is string => file !== undefined);
}

async function currentBranch(git: SimpleGit): Promise<string> {
  const name = (await git.raw(['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
  return name === 'HEAD' ? (await git.revparse(['HEAD'])).trim() : name;
}

async function freeBranchName(git: SimpleGit, wanted: string): Promise<string> {
  const taken = new Set((await git.branchLocal()).all);
  if (!taken.has(wanted)) return wanted;
  for (let n = 2; ; n++) if (!taken.has(`${wanted}-${n}`)) return `${wanted}-${n}`;
}

/** The file's bytes, or undefined when it does not exist (the patch may create it, e.g. a lockfile). */
function readOriginal(file: string): Promise<Buffer | undefined> {
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

async function restore(file: string, original: Buffer | undefined): Promise<void> {
  if (original === undefined) await rm(file, { force: true });
  else await writeFile(file, original);
}

async function gitStep<T>(work: () => Promise<T>, what: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new ServiceError(GIT, 'invalid', `${what} failed: ${firstLine(error)}`);
  }
}

/** The failure, ending with what was put back (the patched files and the branch), else with what was not. */
function afterUndo(error: unknown, files: string[], left: string[]): ServiceError {
  const ending =
    left.length === 0 ? `${files.join(', ')} and the branch are as they were.` : `Not everything could be put back: ${left.join('; ')}.`;
  const said = (message: string) => `${message.replace(/\s*$/, '')}${/[.!?]$/.test(message.trim()) ? '' : '.'} ${ending}`;
  if (isServiceError(error)) {
    return new ServiceError(error.service, error.kind, said(error.message), { status: error.status, detail: error.detail, cause: error });
  }
  return new ServiceError(GIT, 'invalid', said(firstLine(error)), { cause: error });
}
