// Commits as the loop needs them: sha, subject and when the change was written, for a range of revisions,
// and a revision resolved to the commit it names. One `git log` per range; a revision git does not know (a
// force-pushed branch, a deleted tag) is an empty answer, not an error, so callers can say what is missing.
import { simpleGit } from 'simple-git';

export interface LoggedCommit {
  sha: string;
  subject: string;
  /** When the change was first written (the author date, kept through rebases), ISO 8601. */
  authoredAt: string;
}

const FIELD = '\x1f';

/** `git log --no-merges <revisions>`, newest first, at most `max` commits; [] when git cannot answer. */
export async function logCommits(folder: string, revisions: readonly string[], max = 2000): Promise<LoggedCommit[]> {
  return gitLog(folder, ['--no-merges', `-n${max}`, ...revisions]);
}

/** The one commit a full sha names (a merge too), or undefined. */
export async function showCommit(folder: string, sha: string): Promise<LoggedCommit | undefined> {
  return (await gitLog(folder, ['--no-walk', sha]))[0];
}

async function gitLog(folder: string, args: string[]): Promise<LoggedCommit[]> {
  const git = simpleGit({ baseDir: folder, timeout: { block: 30_000 } });
  const output = await git.raw(['log', `--format=%H${FIELD}%aI${FIELD}%s`, ...args, '--']).catch(() => '');
  return parseCommitLog(output);
}

export function parseCommitLog(output: string): LoggedCommit[] {
  return output
    .split('\n')
    .filter((line) => line.includes(FIELD))
    .map((line) => {
      const [sha, authoredAt, ...subject] = line.split(FIELD);
      return { sha, authoredAt: new Date(authoredAt).toISOString(), subject: subject.join(FIELD) };
    });
}

/** The full sha of the commit `revision` names, or undefined when the repository has no such commit. */
export async function resolveCommit(folder: string, revision: string): Promise<string | undefined> {
  if (revision.startsWith('-')) return undefined;
  const git = simpleGit({ baseDir: folder, timeout: { block: 30_000 } });
  const sha = await git.raw(['rev-parse', '--verify', '--quiet', `${revision}^{commit}`]).catch(() => '');
  return sha.trim() || undefined;
}

/** What `git show` says of a commit or a tag (its annotation, then the commit's stat and patch), for reading. */
export async function showRevision(folder: string, revision: string): Promise<string | undefined> {
  if (revision.startsWith('-')) return undefined;
  const git = simpleGit({ baseDir: folder, timeout: { block: 30_000 } });
  const text = await git.raw(['show', '--format=fuller', '--stat', '--patch', revision, '--']).catch(() => '');
  return text || undefined;
}
