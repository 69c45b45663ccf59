// The release's CHANGELOG.md section, in the shape conventional-changelog writes, so projects moving to or
// from semantic-release or release-please keep one consistent file.
import { parseConventionalCommit, type ConventionalCommit } from './conventionalCommits';

export interface ChangelogCommit {
  sha: string;
  message: string;
}

export interface ChangelogOptions {
  /** Link for the heading, such as remoteCompareUrl's answer; the heading is plain text without it. */
  compareUrl?: string;
  /** Named in the note a release with no listed change gets ("No notable changes since v1.3.0"). */
  previousTag?: string;
}

interface Group {
  title: string;
  includes(commit: ConventionalCommit): boolean;
}

/** Housekeeping that users of the release do not need to read about. */
const OMITTED_TYPES = new Set(['chore', 'docs', 'style', 'test', 'ci', 'build']);
const LISTED_TYPES = new Set(['feat', 'fix', 'perf']);

const GROUPS: readonly Group[] = [
  { title: 'Features', includes: (c) => c.type === 'feat' },
  { title: 'Bug Fixes', includes: (c) => c.type === 'fix' },
  { title: 'Performance', includes: (c) => c.type === 'perf' },
  { title: 'Other changes', includes: (c) => !c.type || (!LISTED_TYPES.has(c.type) && !OMITTED_TYPES.has(c.type)) },
];

/**
 * `## [1.4.0](compare-url) (2026-11-26)` then one `###` group per kind of change. The date is the UTC day,
 * so the text does not depend on the machine's time zone. A breaking change is listed under
 * ⚠ BREAKING CHANGES (with its footer's explanation) and again in its own group.
 */
export function changelogSection(version: string, date: Date, commits: readonly ChangelogCommit[], options: ChangelogOptions = {}): string {
  const day = date.toISOString().slice(0, 10);
  const heading = options.compareUrl ? `## [${version}](${options.compareUrl}) (${day})` : `## ${version} (${day})`;
  const parsed = commits.map((commit) => ({ sha: commit.sha, commit: parseConventionalCommit(commit.message) }));
  const blocks: string[] = [];
  const breaking = parsed.filter(({ commit }) => commit.breaking);
  if (breaking.length > 0)
    blocks.push(
      block(
        '⚠ BREAKING CHANGES',
        breaking.map(({ sha, commit }) => line(commit, commit.breakingNote ?? commit.subject, sha)),
      ),
    );
  for (const group of GROUPS) {
    const entries = parsed.filter(({ commit }) => group.includes(commit));
    if (entries.length > 0)
      blocks.push(
        block(
          group.title,
          entries.map(({ sha, commit }) => line(commit, commit.subject, sha)),
        ),
      );
  }
  if (blocks.length === 0)
    blocks.push(options.previousTag ? `_No notable changes since ${options.previousTag}._` : '_No notable changes._');
  return [heading, ...blocks].join('\n\n') + '\n';
}

function block(title: string, lines: string[]): string {
  return [`### ${title}`, '', ...lines].join('\n');
}

function line(commit: ConventionalCommit, text: string, sha: string): string {
  const scope = commit.scope ? `**${commit.scope}:** ` : '';
  return `- ${scope}${text} (${sha.slice(0, 7)})`;
}

/**
 * The changelog with `section` as its newest entry: below a leading `# Title` and any introduction, above
 * the previous newest `## ` section. A missing or empty file becomes `# Changelog` plus the section. Keeps
 * the file's line endings.
 */
export function prependChangelog(existing: string | undefined, section: string): string {
  if (!existing?.trim()) return `# Changelog\n\n${section.trimEnd()}\n`;
  const eol = existing.includes('\r\n') ? '\r\n' : '\n';
  const lines = existing.split(/\r?\n/);
  const firstSection = lines.findIndex((l) => l.startsWith('## '));
  const hasTitle = lines.find((l) => l.trim() !== '')?.startsWith('# ') ?? false;
  const insertAt = firstSection >= 0 ? firstSection : hasTitle ? lines.length : 0;
  const before = lines.slice(0, insertAt).join('\n').trimEnd();
  const after = lines.slice(insertAt).join('\n').trim();
  const text = [before, section.trim(), after].filter((part) => part !== '').join('\n\n') + '\n';
  return eol === '\n' ? text : text.replace(/\n/g, eol);
}
