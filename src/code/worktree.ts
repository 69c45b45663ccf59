// Start Work in a git worktree of its own, opened in a new window: the checkout the user is in, dirty or not,
// stays as it is. Worktrees go where GitLens puts them: a sibling folder `<repo>.worktrees/<branch-slug>`.
import * as path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { branchNameFor } from './branchName';
import type { BranchItem } from './branchName';
import { defaultBranch, gitStep, repositoryAt } from './startWork';

export interface Worktree {
  path: string;
  /** Undefined when detached or bare. */
  branch?: string;
  /** Its folder is gone: git keeps the entry (and the branch taken) until `git worktree prune`. */
  prunable: boolean;
}

/** Opens a folder in VS Code (`vscode.openFolder`); Start Work always asks for a new window. */
export interface FolderOpener {
  openFolder(folder: string, options: { forceNewWindow: true }): PromiseLike<unknown>;
}

export interface WorktreeStartResult {
  branch: string;
  /** True when the branch existed (it is checked out in the worktree, not created). */
  existed: boolean;
  base: string;
  /** The worktree's root folder. */
  worktree: string;
  /** True when a worktree already had the branch and was only opened. */
  reused: boolean;
  /** What was opened: the worktree's counterpart of the folder Start Work ran in. */
  opened: string;
}

export interface WorktreeOptions {
  branchTemplate?: string;
  /** Where new worktrees go, relative to `folder`; default: `<repo>.worktrees` next to the repository. */
  worktreeFolder?: string;
  opener: FolderOpener;
}

/**
 * Creates the item's branch in a new worktree (or checks the existing branch out there), or finds the worktree
 * that already has it, and opens it in a new window. Nothing in `folder`'s checkout changes.
 */
export async function startWorkInWorktree(folder: string, item: BranchItem, options: WorktreeOptions): Promise<WorktreeStartResult> {
  const git = await repositoryAt(folder);
  const branch = branchNameFor(item, options.branchTemplate);
  let worktrees = await listWorktrees(git);
  if (worktrees.some((w) => w.branch === branch && w.prunable)) {
    // Its folder was deleted by hand: git would refuse the branch until the stale entry goes.
    await gitStep(() => git.raw(['worktree', 'prune']), 'Pruning the worktree whose folder is gone');
    worktrees = await listWorktrees(git);
  }
  const base = await defaultBranch(git);
  const existing = worktrees.find((w) => w.branch === branch);
  const existed = existing !== undefined || (await git.branchLocal()).all.includes(branch);
  let worktree = existing?.path;
  if (worktree === undefined) {
    // Next to the main checkout (listed first), even when Start Work runs in a worktree's window: no nesting.
    const root = worktrees[0]?.path ?? (await git.revparse(['--show-toplevel'])).trim();
    const target = worktreePathFor(root, folder, branch, options.worktreeFolder);
    await gitStep(
      () => git.raw(existed ? ['worktree', 'add', target, branch] : ['worktree', 'add', '-b', branch, target, base]),
      `Creating the worktree ${target}`,
    );
    worktree = target;
  }
  // conveyor.yml may sit below the repository's root: open the same folder in the worktree.
  const prefix = (await git.revparse(['--show-prefix'])).trim();
  const opened = path.resolve(worktree, prefix);
  await options.opener.openFolder(opened, { forceNewWindow: true });
  return { branch, existed, base, worktree, reused: existing !== undefined, opened };
}

/** `<repo>.worktrees/feat-CNV-12-login` next to the repository, or in the configured folder. */
export function worktreePathFor(root: string, folder: string, branch: string, configured?: string): string {
  const parent = configured ? path.resolve(folder, configured) : path.join(path.dirname(root), `${path.basename(root)}.worktrees`);
  return path.join(parent, branch.replace(/\//g, '-'));
}

async function listWorktrees(git: SimpleGit): Promise<Worktree[]> {
  return parseWorktreeList(await gitStep(() => git.raw(['worktree', 'list', '--porcelain']), 'Listing the worktrees'));
}

/** `git worktree list --porcelain`: a `worktree <path>` line opens each entry, then `branch refs/heads/<name>`, `prunable …`. */
export function parseWorktreeList(output: string): Worktree[] {
  const worktrees: Worktree[] = [];
  for (const line of output.split('\n')) {
    const [label, ...rest] = line.split(' ');
    const value = rest.join(' ');
    const current = worktrees[worktrees.length - 1];
    if (label === 'worktree') worktrees.push({ path: value, prunable: false });
    else if (!current) continue;
    else if (label === 'branch') current.branch = value.replace(/^refs\/heads\//, '');
    else if (label === 'prunable') current.prunable = true;
  }
  return worktrees;
}
