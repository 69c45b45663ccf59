// The commit a run builds and whether the tree matches it, asked of the system git (through simple-git).
// Unlike gitInfo.ts this starts a process, so it is only used where commands may run (trusted workspaces).
import { simpleGit } from 'simple-git';

export interface WorkingTreeState {
  commit?: string;
  branch?: string;
  /** Modified, staged or untracked files (relative to the repository root), at most 20. */
  changes: string[];
  dirty: boolean;
}

const LISTED_CHANGES = 20;

/** Undefined when the folder is not inside a git working tree. */
export async function readWorkingTree(folder: string): Promise<WorkingTreeState | undefined> {
  const git = simpleGit({ baseDir: folder, timeout: { block: 30_000 } });
  if (!(await git.checkIsRepo().catch(() => false))) return undefined;
  const status = await git.status(['--untracked-files=normal']);
  const commit = await git.revparse(['HEAD']).then((sha) => sha.trim(), () => undefined);
  const changes = status.files.map((f) => f.path);
  return { commit, branch: status.detached ? undefined : (status.current ?? undefined), changes: changes.slice(0, LISTED_CHANGES), dirty: changes.length > 0 };
}
