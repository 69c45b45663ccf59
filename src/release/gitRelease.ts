// The git half of a release: find the last release, read the commits since, commit the version files, tag
// with the release record, push. Starts git processes (through simple-git), so trusted workspaces only.
import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import * as semver from 'semver';
import { simpleGit, type SimpleGit } from 'simple-git';
import { messageOf } from '../core/errors';
import { formatTagMessage, parseTagMessage, type ReleaseRecord } from './releaseRecord';

export interface ReleaseCommit {
  sha: string;
  /** The full message: subject, body and footers. */
  message: string;
}

export interface ReleaseTagEntry {
  tag: string;
  /** Undefined for tags without a Conveyor record (lightweight tags, tags made by other tools). */
  record?: ReleaseRecord;
  /** The tagger's date for annotated tags, the commit's date for lightweight ones (ISO 8601). */
  date: string;
  /** The commit the tag points at (peeled). */
  commit: string;
  /** Why the record could not be read, when the tag has a broken one. */
  error?: string;
}

// Separators git writes with %x1e/%x1f (for-each-ref: %1e/%1f) and that commit messages do not contain.
const RECORD = '\x1e';
const FIELD = '\x1f';

function gitIn(folder: string): SimpleGit {
  return simpleGit({ baseDir: folder, timeout: { block: 60_000 } });
}

/** Runs git, turning its failure into an Error that says which step failed along with git's own words. */
async function run(git: SimpleGit, args: string[], step: string): Promise<string> {
  try {
    return await git.raw(args);
  } catch (error) {
    throw new Error(`${step} failed: ${(error as Error).message.trim()}`, { cause: error });
  }
}

async function headCommit(git: SimpleGit): Promise<string | undefined> {
  const sha = await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).catch(() => '');
  return sha.trim() || undefined;
}

/**
 * The highest release tag reachable from HEAD: `v<semver>`, or a bare `<semver>` as some projects tag. Sorted by
 * semver rather than asking `git describe`, which answers the nearest tag, and rather than by name, which puts
 * v1.2.0 above v1.10.0.
 */
export async function lastReleaseTag(folder: string): Promise<string | undefined> {
  const git = gitIn(folder);
  if (!(await headCommit(git))) return undefined;
  const output = await run(git, ['tag', '--list', 'v[0-9]*', '[0-9]*', '--merged', 'HEAD'], 'Listing release tags');
  const versionOf = (tag: string) => tag.replace(/^v/, '');
  const tags = output
    .split('\n')
    .map((t) => t.trim())
    .filter((t) => semver.valid(versionOf(t)) !== null);
  return tags.sort((a, b) => semver.rcompare(versionOf(a), versionOf(b)))[0];
}

/** Whether the tag exists anywhere in the repository (on any branch), not only behind HEAD. */
export async function tagExists(folder: string, tag: string): Promise<boolean> {
  const sha = await gitIn(folder)
    .raw(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`])
    .catch(() => '');
  return sha.trim() !== '';
}

/**
 * Commits after `tag` up to HEAD (the whole history when there is no tag), newest first. Merge commits are
 * left out: the commits they bring in are listed themselves, and "Merge pull request #12" is not a change.
 */
export async function commitsSince(folder: string, tag?: string): Promise<ReleaseCommit[]> {
  const git = gitIn(folder);
  if (!(await headCommit(git))) return [];
  const range = tag ? `refs/tags/${tag}..HEAD` : 'HEAD';
  const output = await run(
    git,
    ['log', '--no-merges', `--format=%H${FIELD}%B${RECORD}`, range, '--'],
    `Reading commits since ${tag ?? 'the start'}`,
  );
  return parseLog(output);
}

export function parseLog(output: string): ReleaseCommit[] {
  return output
    .split(RECORD)
    .map((entry) => entry.replace(/^\n/, ''))
    .filter((entry) => entry.includes(FIELD))
    .map((entry) => {
      const [sha, message] = entry.split(FIELD);
      return { sha: sha.trim(), message: message.trimEnd() };
    });
}

/**
 * Commits `files` as `chore(release): v<version>` with the repository's configured identity and returns the
 * new HEAD. Only those files go into the commit, whatever else is staged. With no files, or no change in
 * them, nothing is committed and HEAD is returned: the release is then the tag alone.
 */
export async function commitReleaseFiles(folder: string, files: string[], version: string): Promise<string> {
  const git = gitIn(folder);
  await ensureIdentity(git);
  if (files.length > 0) {
    await run(git, ['add', '--', ...files], 'Staging the release files');
    const staged = await run(git, ['diff', '--cached', '--name-only', '--', ...files], 'Checking the release files');
    if (staged.trim() !== '') {
      await run(
        git,
        ['-c', 'user.useConfigOnly=true', 'commit', '--quiet', '-m', `chore(release): v${version}`, '--', ...files],
        'Committing the release',
      );
    }
  }
  const head = await headCommit(git);
  if (!head) throw new Error('The repository has no commit to release: commit your work first.');
  return head;
}

/**
 * Git would otherwise make up `user@hostname`, which then sits in the history for good. `useConfigOnly`
 * makes `git var` fail unless an identity was configured (or given through GIT_AUTHOR_* variables).
 */
async function ensureIdentity(git: SimpleGit): Promise<void> {
  for (const ident of ['GIT_AUTHOR_IDENT', 'GIT_COMMITTER_IDENT']) {
    try {
      await git.raw(['-c', 'user.useConfigOnly=true', 'var', ident]);
    } catch (error) {
      const message = (error as Error).message;
      if (!/tell me who you are|auto-detection is disabled|empty ident/i.test(message))
        throw new Error(`Reading the git identity failed: ${message.trim()}`, { cause: error });
      throw new Error(
        'Git has no identity to release with: set one with `git config --global user.name "Your Name"` and ' +
          '`git config --global user.email you@example.com` (or without --global for this repository only).',
        { cause: error },
      );
    }
  }
}

/** The annotated tag `record.tag` on `record.commit`, its message made by formatTagMessage. */
export async function createReleaseTag(folder: string, record: ReleaseRecord, changelogSection: string): Promise<void> {
  if (record.tag !== `v${record.version}`)
    throw new Error(`The release record's tag ${record.tag} does not match its version ${record.version}.`);
  const git = gitIn(folder);
  const existing = (await git.raw(['rev-parse', '--verify', '--quiet', `refs/tags/${record.tag}^{commit}`]).catch(() => '')).trim();
  if (existing) {
    throw new Error(
      `Tag ${record.tag} already exists (on ${existing.slice(0, 7)}): release another version, or delete the tag with \`git tag -d ${record.tag}\` if it was a mistake.`,
    );
  }
  await ensureIdentity(git);
  // verbatim: the default cleanup would strip the changelog's `## `/`### ` lines as comments.
  const message = formatTagMessage(record, changelogSection);
  await run(
    git,
    [
      '-c',
      'user.useConfigOnly=true',
      'tag',
      '--annotate',
      '--cleanup=verbatim',
      '--message',
      message,
      record.tag,
      `${record.commit}^{commit}`,
    ],
    `Creating tag ${record.tag}`,
  );
}

/** Every `v*` tag, newest first, with the release record read from its message. */
export async function listReleaseRecords(folder: string): Promise<ReleaseTagEntry[]> {
  const format = ['%(refname)', '%(objectname)', '%(*objectname)', '%(creatordate:iso-strict)', '%(contents)'].join('%1f') + '%1e';
  // The last --sort is the primary key; equal dates (tags made in the same second) fall back to the version.
  const output = await run(
    gitIn(folder),
    ['for-each-ref', '--sort=-v:refname', '--sort=-creatordate', `--format=${format}`, 'refs/tags/v*'],
    'Listing releases',
  );
  return parseTagList(output);
}

export function parseTagList(output: string): ReleaseTagEntry[] {
  const entries: ReleaseTagEntry[] = [];
  for (const raw of output.split(RECORD)) {
    const fields = raw.replace(/^\n/, '').split(FIELD);
    if (fields.length < 5) continue;
    const [ref, object, peeled, date, ...contents] = fields;
    const entry: ReleaseTagEntry = { tag: ref.replace(/^refs\/tags\//, ''), date, commit: peeled || object };
    // Only an annotated tag has its own message; a lightweight tag's %(contents) is the commit's.
    if (peeled) {
      try {
        const record = parseTagMessage(contents.join(FIELD));
        if (record) entry.record = record;
      } catch (error) {
        entry.error = (error as Error).message;
      }
    }
    entries.push(entry);
  }
  return entries;
}

/** `git reset --hard sha`: undoes the release commit when a later step fails. Only for a tree that was clean. */
/**
 * Takes a failed release back without touching anything else in the working tree: a release commit goes with
 * `reset --keep`, which restores only the files it changed and refuses when one of them was edited meanwhile;
 * release files not yet committed get the tested commit's content back. A HEAD that moved on during the
 * release (a commit made meanwhile) is left alone. Returns what is left for the user to do, if anything.
 */
export async function undoRelease(
  folder: string,
  tested: string,
  releaseCommit: string | undefined,
  files: readonly string[],
): Promise<string | undefined> {
  if (!/^[0-9a-f]{7,64}$/i.test(tested)) throw new Error(`"${tested}" is not a commit id.`);
  const git = gitIn(folder);
  const short = (sha: string | undefined) => sha?.slice(0, 7) ?? 'no commit';
  const head = await headCommit(git);
  if (releaseCommit !== undefined && releaseCommit !== tested) {
    if (head !== releaseCommit)
      return `HEAD moved during the release (now ${short(head)}), so the release commit ${short(releaseCommit)} was left in place: take it back with git revert ${short(releaseCommit)}.`;
    try {
      await run(git, ['reset', '--quiet', '--keep', tested], `Taking back the release commit ${short(releaseCommit)}`);
      return undefined;
    } catch (error) {
      return `The release commit ${short(releaseCommit)} was left in place (${messageOf(error)}): take it back with git reset --keep ${short(tested)} once your changes to the release files are saved elsewhere.`;
    }
  }
  if (head !== tested) return undefined;
  const tracked = new Set((await run(git, ['ls-tree', '-r', '--name-only', tested], 'Listing the tested commit')).split('\n'));
  const root = (await run(git, ['rev-parse', '--show-toplevel'], 'Finding the repository root')).trim();
  const relative = await Promise.all(
    files.map(async (file) =>
      path
        .relative(root, await realpath(file).catch(() => file))
        .split(path.sep)
        .join('/'),
    ),
  );
  const restorable = relative.filter((file) => tracked.has(file));
  if (restorable.length > 0) await run(git, ['checkout', tested, '--', ...restorable], 'Restoring the release files');
  return undefined;
}

/**
 * Pushes the current branch and the tag in one atomic push: if the branch is rejected (someone pushed in
 * the meantime) the tag is not published either, so the remote never has a tag on a commit its branch lacks.
 */
export async function pushRelease(folder: string, tag: string, remote = 'origin'): Promise<void> {
  const git = gitIn(folder);
  const remotes = (await run(git, ['remote'], 'Listing remotes')).split('\n').map((r) => r.trim());
  if (!remotes.includes(remote)) {
    throw new Error(
      `There is no git remote named "${remote}" to push ${tag} to: add one with \`git remote add ${remote} <url>\`, then push the branch and the tag.`,
    );
  }
  const branch = (await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
  if (!branch)
    throw new Error(`HEAD is not on a branch, so there is no branch to push with ${tag}: check out the branch you release from.`);
  await run(
    git,
    ['push', '--atomic', '--quiet', remote, `refs/heads/${branch}:refs/heads/${branch}`, `refs/tags/${tag}:refs/tags/${tag}`],
    `Pushing ${branch} and ${tag} to ${remote}`,
  );
}

/** The web page comparing two refs, for GitHub and GitLab remotes (https, ssh:// and scp-like git@ forms). */
export function remoteCompareUrl(originUrl: string | undefined, from: string, to: string): string | undefined {
  const remote = originUrl ? parseRemote(originUrl) : undefined;
  if (!remote) return undefined;
  const range = `${encodeURIComponent(from)}...${encodeURIComponent(to)}`;
  if (remote.host.includes('github')) return `https://${remote.host}/${remote.path}/compare/${range}`;
  if (remote.host.includes('gitlab')) return `https://${remote.host}/${remote.path}/-/compare/${range}`;
  return undefined;
}

function parseRemote(url: string): { host: string; path: string } | undefined {
  const scpLike = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(url.trim());
  const urlLike = /^(?:https?|ssh|git):\/\/(?:[^@/\s]+@)?([^:/\s]+)(?::\d+)?\/(.+)$/.exec(url.trim());
  const match = urlLike ?? scpLike;
  if (!match) return undefined;
  const repoPath = match[2].replace(/\/+$/, '').replace(/\.git$/, '');
  return repoPath.includes('/') ? { host: match[1].toLowerCase(), path: repoPath } : undefined;
}
