// Which branches and commits belong to which work item: a branch whose name holds the key, a commit whose
// subject mentions it. One `for-each-ref` and one bounded `git log`, whatever the number of items.
import { simpleGit } from 'simple-git';

export interface ItemLinks {
  branches: string[];
  commits: { sha: string; subject: string }[];
  /** The scan stopped at its limit: older commits may mention the item too. */
  truncated?: boolean;
}

export interface ItemLinkOptions {
  /** How many commits of history are read (newest first). */
  scanned?: number;
  /** How many commits are kept per item (the board's tooltip wants a few, the trace all). */
  kept?: number;
  /** Read every local branch and tag too, not only what HEAD reaches (a feature branch not merged yet). */
  allRefs?: boolean;
}

const COMMITS_SCANNED = 2000;
const COMMITS_KEPT = 20;

export async function readItemLinks(
  folder: string,
  keys: readonly string[],
  options: ItemLinkOptions = {},
): Promise<Map<string, ItemLinks>> {
  const { scanned = COMMITS_SCANNED, kept = COMMITS_KEPT, allRefs = false } = options;
  const git = simpleGit({ baseDir: folder, timeout: { block: 30_000 } });
  const branches = (await git.raw(['for-each-ref', 'refs/heads', '--format=%(refname:short)']).catch(() => '')).split('\n').filter(Boolean);
  const log = await git
    .raw(['log', `-n${scanned}`, '--format=%H%x1f%s', ...(allRefs ? ['HEAD', '--branches', '--tags'] : [])])
    .catch(() => '');
  const commits = log
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, subject] = line.split('\x1f');
      return { sha, subject: subject ?? '' };
    });
  return linkItems(keys, branches, commits, { kept, truncated: commits.length >= scanned });
}

/** Pure matching: `SHOP-1` matches `SHOP-1` but not `SHOP-12`; `#4` matches `#4` but not `#42`. */
export function linkItems(
  keys: readonly string[],
  branches: readonly string[],
  commits: readonly { sha: string; subject: string }[],
  { kept = COMMITS_KEPT, truncated = false }: { kept?: number; truncated?: boolean } = {},
): Map<string, ItemLinks> {
  const links = new Map<string, ItemLinks>();
  for (const key of keys) {
    const escaped = escapeKey(key);
    const mention = keyMention(key);
    const branchPattern = branchMention(key, escaped);
    const item: ItemLinks = {
      branches: branches.filter((b) => branchPattern.test(b)),
      commits: commits.filter((c) => mention.test(c.subject)).slice(0, kept),
      ...(truncated ? { truncated } : {}),
    };
    if (item.branches.length > 0 || item.commits.length > 0) links.set(key, item);
  }
  return links;
}

/**
 * A branch named after the item. `SHOP-1` anywhere as a word; an issue number (`#3`) only where a branch name
 * puts its key, first in a segment (`feat/3-slug`, `3-slug`, `issue-3`): `python-3`, `node-18` or `lodash-4.17.21`
 * name versions, not issues.
 */
function branchMention(key: string, escaped: string): RegExp {
  if (!key.startsWith('#')) return new RegExp(`(^|[/_-])${escaped}(?![0-9])`, 'i');
  return new RegExp(`(^|/)(?:(?:issue|issues|gh)[-_]?)?${escaped.slice(1)}(?=$|[-_/])`, 'i');
}

/**
 * Text (a commit subject) that mentions the item: `SHOP-1` but not `SHOP-12`, `#4` but not `#42`. A number key
 * is not mentioned by GitHub's pull-request references, `Add login (#4)` (a squash merge) or `Merge pull request #4
 * from…`: they name pull request 4, which on a Notion board numbered #1, #2… is another item.
 */
export function keyMention(key: string): RegExp {
  if (!key.startsWith('#')) return new RegExp(`(^|[^A-Za-z0-9])${escapeKey(key)}(?![0-9])`, 'i');
  return new RegExp(`(^|[^A-Za-z0-9])(?<!Merge pull request )${escapeKey(key)}(?![0-9])(?!\\)\\s*$)`);
}

function escapeKey(key: string): string {
  return key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
