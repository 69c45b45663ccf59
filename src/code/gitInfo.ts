// Reads where a folder sits in git by looking at .git directly: no process is started, so this is
// safe in Restricted Mode and cheap enough for activation.
import * as path from 'node:path';
import { readTextIfExists } from '../core/fsUtil';

export interface GitInfo {
  isRepository: boolean;
  /** Root of the working tree (may be above the workspace folder). */
  root?: string;
  /** This working tree's git directory (`.git`, or the worktree's folder inside the main `.git`). */
  gitDir?: string;
  /** Branch name, or undefined when HEAD is detached. */
  branch?: string;
  /** Commit SHA of HEAD, when it has one (a new repository has none yet). */
  head?: string;
  /** URL of the `origin` remote. */
  originUrl?: string;
}

export async function readGitInfo(folder: string): Promise<GitInfo> {
  const found = await findGitDir(path.resolve(folder));
  if (!found) return { isRepository: false };
  const { root, gitDir, commonDir } = found;
  const headText = (await readTextIfExists(path.join(gitDir, 'HEAD')))?.trim() ?? '';
  const refMatch = /^ref:\s*(\S+)$/.exec(headText);
  const branch = refMatch?.[1]?.replace(/^refs\/heads\//, '');
  const head = refMatch ? await resolveRef(commonDir, gitDir, refMatch[1]) : /^[0-9a-f]{40,64}$/.test(headText) ? headText : undefined;
  const originUrl = parseOriginUrl((await readTextIfExists(path.join(commonDir, 'config'))) ?? '');
  return { isRepository: true, root, gitDir, branch, head, originUrl };
}

async function findGitDir(start: string): Promise<{ root: string; gitDir: string; commonDir: string } | undefined> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    const asFile = await readTextIfExists(dotGit).catch((e: NodeJS.ErrnoException) => (e.code === 'EISDIR' ? '' : undefined));
    if (asFile === '') return { root: dir, gitDir: dotGit, commonDir: dotGit };
    const pointer = asFile && /^gitdir:\s*(.+)$/m.exec(asFile)?.[1]?.trim();
    if (pointer) {
      // A worktree or submodule: .git is a file naming the real git directory.
      const gitDir = path.resolve(dir, pointer);
      const common = (await readTextIfExists(path.join(gitDir, 'commondir')))?.trim();
      return { root: dir, gitDir, commonDir: common ? path.resolve(gitDir, common) : gitDir };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

async function resolveRef(commonDir: string, gitDir: string, ref: string): Promise<string | undefined> {
  for (const dir of [gitDir, commonDir]) {
    const loose = (await readTextIfExists(path.join(dir, ref)))?.trim();
    if (loose) return loose;
  }
  const packed = (await readTextIfExists(path.join(commonDir, 'packed-refs'))) ?? '';
  for (const line of packed.split('\n')) {
    const [sha, name] = line.trim().split(/\s+/);
    if (name === ref && sha) return sha;
  }
  return undefined;
}

export function parseOriginUrl(gitConfig: string): string | undefined {
  const section = /\[remote "origin"\]([^[]*)/.exec(gitConfig)?.[1];
  return section ? /^\s*url\s*=\s*(.+?)\s*$/m.exec(section)?.[1] : undefined;
}

/** owner/repo of a GitHub remote (https or ssh form), for the CI and board providers' defaults. */
export function parseGitHubRemote(url: string | undefined): { owner: string; repo: string } | undefined {
  const match = url && /github\.com[:/]([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(url);
  return match ? { owner: match[1], repo: match[2] } : undefined;
}
