// Reads commit messages as Conventional Commits (https://www.conventionalcommits.org/en/v1.0.0/) and turns
// them into the next version. Plain functions over text: git is asked elsewhere (gitRelease.ts).
import { sync as parseCommit } from 'conventional-commits-parser';
import * as semver from 'semver';

export interface ConventionalCommit {
  /** Lower-cased type (`feat`, `fix`, …); undefined when the message is not conventional. */
  type?: string;
  scope?: string;
  /** `type!:` in the header, or a `BREAKING CHANGE:` / `BREAKING-CHANGE:` footer. */
  breaking: boolean;
  /** What the changelog says under ⚠ BREAKING CHANGES: the footer's text, else the subject. */
  breakingNote?: string;
  /** The header's description; the whole first line when the message is not conventional. */
  subject: string;
  /** Everything after the header, footers included, without surrounding blank lines. */
  body: string;
  conventional: boolean;
}

export type VersionBump = 'major' | 'minor' | 'patch';

/** Anything that carries a commit message, such as the entries `commitsSince` returns. */
export interface CommitMessage {
  message: string;
}

export interface NextVersion {
  version: string;
  /** Undefined when no commit warrants a release and none was asked for: `version` is then the current one. */
  bump: VersionBump | undefined;
  reason: string;
}

// The reference parser (conventional-changelog's) reads footers, notes and references. Its header patterns are
// the `conventionalcommits` preset's, widened to allow `-` in types and an empty description: `feat(api):`
// followed by a BREAKING CHANGE footer is still a breaking change, as the reference tools read it.
const PARSER_OPTIONS = {
  headerPattern: /^(\w[\w-]*)(?:\(([^()\n]*)\))?!?:(?: +(.*))?$/,
  breakingHeaderPattern: /^(\w[\w-]*)(?:\(([^()\n]*)\))?!:(?: +(.*))?$/,
  headerCorrespondence: ['type', 'scope', 'subject'],
};

export function parseConventionalCommit(message: string): ConventionalCommit {
  const text = message.replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  const header = lines[0].trim();
  const body = lines.slice(1).join('\n').trim();
  const parsed = parseCommit(`${header}\n${lines.slice(1).join('\n')}`, PARSER_OPTIONS);
  const type = parsed.type ?? undefined;
  const subject = parsed.subject?.trim() ?? '';
  // The spec makes the footer token case-sensitive (the parser does not): "breaking change:" is body text.
  const note = parsed.notes.find((n) => /^BREAKING[ -]CHANGE$/.test(n.title));
  // A header with no description is only a conventional commit when a breaking footer says what it changes.
  if (!type || (subject === '' && !note)) {
    return { breaking: false, subject: header, body, conventional: false };
  }
  const noteText = note?.text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
  return {
    type: type.toLowerCase(),
    scope: parsed.scope?.trim() || undefined,
    breaking: note !== undefined,
    breakingNote: note ? noteText || subject || header : undefined,
    subject: subject || header,
    body,
    conventional: true,
  };
}

const BUMP_ORDER: readonly VersionBump[] = ['patch', 'minor', 'major'];

/**
 * The release the commits call for: any breaking change → major, a `feat` → minor, a `fix` or `perf` →
 * patch, nothing else (chore, docs, non-conventional messages…) → no release. Semver is kept strict: a
 * breaking change bumps major even before 1.0.0 (0.3.1 → 1.0.0), as semantic-release's commit-analyzer
 * does by default, so the rule needs no footnote. Ask for `minor` explicitly to stay in 0.x.
 */
export function releaseBump(commits: readonly CommitMessage[]): VersionBump | undefined {
  let bump: VersionBump | undefined;
  for (const commit of commits) {
    const found = bumpOf(parseConventionalCommit(commit.message));
    if (found && (!bump || BUMP_ORDER.indexOf(found) > BUMP_ORDER.indexOf(bump))) bump = found;
  }
  return bump;
}

function bumpOf(commit: ConventionalCommit): VersionBump | undefined {
  if (!commit.conventional) return undefined;
  if (commit.breaking) return 'major';
  if (commit.type === 'feat') return 'minor';
  if (commit.type === 'fix' || commit.type === 'perf') return 'patch';
  return undefined;
}

/**
 * The version to release after `current`. `override` is a VersionBump (`major`/`minor`/`patch`) or an exact
 * version, which must be valid semver and greater than `current`; for an exact version `bump` is the
 * part of the version that changed.
 */
export function nextVersion(current: string, commits: readonly CommitMessage[], override?: string): NextVersion {
  const from = semver.valid(current);
  if (!from)
    throw new Error(`The current version "${current}" is not valid semver (expected something like 1.4.0): fix the version file first.`);
  const fromCommits = releaseBump(commits);
  const summary = summarize(commits);
  if (override === undefined || override === '') {
    if (!fromCommits && semver.prerelease(from)) return graduate(from, summary);
    if (!fromCommits)
      return { version: from, bump: undefined, reason: `No release needed: ${summary}. Choose a bump or a version to release anyway.` };
    return { version: increment(from, fromCommits), bump: fromCommits, reason: `${fromCommits} release: ${summary}.` };
  }
  if (isBump(override)) {
    const unlike = fromCommits === override ? '' : ` (the commits alone call for ${fromCommits ?? 'no release'})`;
    return { version: increment(from, override), bump: override, reason: `${override} release requested${unlike}: ${summary}.` };
  }
  return explicitVersion(from, override.trim(), summary);
}

/** After `4.0.0-1`, commits that call for no bump of their own release the version it was leading to: `4.0.0`. */
function graduate(from: string, summary: string): NextVersion {
  const version = `${semver.major(from)}.${semver.minor(from)}.${semver.patch(from)}`;
  return { version, bump: bumpBetween(from, version), reason: `${version} release: the prerelease ${from} graduates (${summary}).` };
}

function explicitVersion(from: string, requested: string, summary: string): NextVersion {
  const version = semver.valid(requested);
  if (!version)
    throw new Error(`"${requested}" is not a valid version: use semver such as 1.5.0 or 2.0.0-rc.1, or one of major, minor, patch.`);
  if (!semver.gt(version, from))
    throw new Error(`Version ${version} is not greater than the current version ${from}: a release must move forward.`);
  return { version, bump: bumpBetween(from, version), reason: `version ${version} requested: ${summary}.` };
}

function bumpBetween(from: string, to: string): VersionBump {
  const diff = semver.diff(from, to);
  if (diff === 'major' || diff === 'premajor') return 'major';
  if (diff === 'minor' || diff === 'preminor') return 'minor';
  return 'patch';
}

function increment(version: string, bump: VersionBump): string {
  // semver.inc only returns null for an invalid version, which nextVersion has ruled out.
  return semver.inc(version, bump) ?? version;
}

function isBump(value: string): value is VersionBump {
  return value === 'major' || value === 'minor' || value === 'patch';
}

function summarize(commits: readonly CommitMessage[]): string {
  if (commits.length === 0) return 'no commits since the last release';
  const parsed = commits.map((commit) => parseConventionalCommit(commit.message));
  const counts: [number, string, string][] = [
    [parsed.filter((c) => c.conventional && c.breaking).length, 'breaking change', 'breaking changes'],
    [parsed.filter((c) => c.type === 'feat').length, 'feature', 'features'],
    [parsed.filter((c) => c.type === 'fix').length, 'fix', 'fixes'],
    [parsed.filter((c) => c.type === 'perf').length, 'performance improvement', 'performance improvements'],
  ];
  const listed = counts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  const total = `${commits.length} commit${commits.length === 1 ? '' : 's'}`;
  return listed.length > 0 ? `${listed.join(', ')} in ${total}` : `${total}, none of them a feat, fix, perf or breaking change`;
}
