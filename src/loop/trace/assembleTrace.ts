// Joins the stages' records into one trace. Pure: the caller reads the records (readLoopRecords) and asks
// git what only git knows (an item's links, a commit); each link below is the one the stage keeps:
// item ↔ commit by the key in the subject, commit → run by the run's commit, commit → release by the tag
// that first contains it, release → environment by the belt's deployments, release → error by the error's
// first release, error ↔ item by the link Create Work Item from Error records.
import * as semver from 'semver';
import type { LoggedCommit } from '../../code/commitLog';
import type { ItemLinks } from '../../code/itemLinks';
import type { ErrorIssue } from '../../monitor/errors/errorModel';
import type { PipelineRun } from '../../pipeline/run/pipelineRun';
import { deploymentsFrom, standingReleases, type Deployment } from '../metrics/deployments';
import { versionOf } from '../../core/releaseVersion';
import type { LoopRecords, ReleaseChange } from '../loopRecords';
import type { ErrorItemLink } from '../errorItems/errorItemLinks';
import type { LoopTrace, TraceQuery, TracedCommit, TracedEnvironment, TracedError, TracedRelease, TracedRun } from './loopTrace';

export interface TraceSources {
  records: LoopRecords;
  /** For an item: the branches and commits that name it (undefined: none). */
  itemLinks?: ItemLinks;
  /** For a commit: the commit git knows by that name (undefined: git has no such commit). */
  commit?: LoggedCommit;
  /** Which items were made from which errors. */
  errorLinks?: readonly ErrorItemLink[];
}

const KEY_IN_SUBJECT = /(?:^|[^A-Za-z0-9])([A-Z][A-Z0-9]+-\d+)(?![A-Za-z0-9])/g;

/** How far back the trace of an item reads history (HEAD, every branch and tag). */
export const TRACE_COMMITS_SCANNED = 10_000;

export function assembleTrace(query: TraceQuery, sources: TraceSources): LoopTrace {
  const { records } = sources;
  const gaps = records.gaps.map((g) => g.message);
  const deployments = deploymentsFrom(records.belt);
  const releaseOf = firstReleaseOfCommits(records.releases);
  const known = new Map(records.releases.flatMap((r) => r.commits.map((c) => [c.sha, c] as const)));
  const traced = (sha: string, subject?: string): TracedCommit => {
    const commit = known.get(sha);
    const text = subject ?? commit?.subject ?? '';
    return {
      sha,
      subject: text,
      ...(commit ? { authoredAt: commit.authoredAt } : {}),
      items: itemKeysIn(text),
      ...(releaseOf.has(sha) ? { release: releaseOf.get(sha) } : {}),
    };
  };

  let kind: LoopTrace['query']['kind'];
  let value: string;
  let found: boolean;
  let commits: TracedCommit[] = [];
  let items: LoopTrace['items'] = [];
  const versions: string[] = [];
  const errorLinks = sources.errorLinks ?? [];
  /** The errors asked about (an error, or those an item was made from), listed first. */
  let asked: ErrorIssue[] = [];
  /** For an error: the item made from it. */
  let madeInto: string[] = [];
  /** A commit only records name (git lost it): runs and releases are matched by this prefix. */
  let lostCommit: string | undefined;

  if ('item' in query) {
    kind = 'item';
    value = query.item;
    const links = sources.itemLinks;
    const madeFrom = errorLinks.filter((l) => l.itemKey.toUpperCase() === query.item.toUpperCase());
    asked = madeFrom.flatMap((l) => records.issues.filter((i) => i.id === l.errorId));
    for (const l of madeFrom)
      if (!asked.some((i) => i.id === l.errorId))
        gaps.push(
          `${query.item} was made from error ${l.errorShortId}, which this folder's error store does not hold (the editor and Sentry keep their own): its counts and releases are not shown.`,
        );
    found = links !== undefined || madeFrom.length > 0;
    items = [{ key: query.item, branches: links?.branches ?? [] }];
    commits = (links?.commits ?? []).map((c) => {
      const commit = traced(c.sha, c.subject);
      return { ...commit, items: [query.item, ...commit.items.filter((k) => k !== query.item)] };
    });
    addUnique(
      versions,
      commits.flatMap((c) => (c.release ? [c.release] : [])),
    );
    if (links?.truncated)
      gaps.push(
        `Only the newest ${TRACE_COMMITS_SCANNED} commits were searched for ${query.item}: older commits that mention it are not shown.`,
      );
  } else if ('commit' in query) {
    kind = 'commit';
    value = query.commit;
    if (sources.commit) {
      commits = [traced(sources.commit.sha, sources.commit.subject)];
      if (!commits[0].authoredAt) commits[0].authoredAt = sources.commit.authoredAt;
      addUnique(versions, commits[0].release ? [commits[0].release] : []);
    } else {
      lostCommit = query.commit;
      gaps.push(
        `Commit ${short(query.commit)} is not in this repository (its branch was force-pushed or it was never fetched): its subject, work items and later history are unknown; what the records name it in is shown.`,
      );
    }
    const sha = sources.commit?.sha ?? query.commit;
    addUnique(
      versions,
      records.releases.filter((r) => [r.commit, r.record?.testedCommit].some((c) => c?.startsWith(sha))).map((r) => r.version),
    );
    addUnique(
      versions,
      deployments.filter((d) => d.commit?.startsWith(sha)).map((d) => d.version),
    );
    found = sources.commit !== undefined || versions.length > 0 || records.runs.some((r) => r.commit?.startsWith(sha));
  } else if ('release' in query) {
    kind = 'release';
    value = query.release;
    versions.push(versionOf(query.release));
    found = records.releases.some((r) => r.version === versions[0]) || deployments.some((d) => d.version === versions[0]);
  } else {
    kind = 'error';
    value = query.errorId;
    const wanted = query.errorId.toLowerCase();
    const errorFirst = records.issues.find((i) => i.id.toLowerCase() === wanted || i.shortId.toLowerCase() === wanted);
    asked = errorFirst ? [errorFirst] : [];
    // Short ids are per store (LOCAL-3 here may be another LOCAL-3 in the editor's): a known error goes by its id.
    const link = errorFirst
      ? errorLinks.find((l) => l.errorId === errorFirst.id)
      : errorLinks.find((l) => [l.errorId, l.errorShortId].some((id) => id.toLowerCase() === wanted));
    madeInto = link ? [link.itemKey] : [];
    found = errorFirst !== undefined || link !== undefined;
    if (link && !errorFirst)
      gaps.push(
        `Error ${link.errorShortId} is not in this folder's error store (the editor and Sentry keep their own): only the item made from it, ${link.itemKey}, is known.`,
      );
    if (errorFirst?.firstRelease) versions.push(versionOf(errorFirst.firstRelease));
    else if (errorFirst)
      gaps.push(
        `${errorFirst.shortId} carries no release: set the SDK's release option (the version, e.g. 1.4.0) so errors link to releases.`,
      );
  }

  versions.sort((a, b) => (semver.valid(a) && semver.valid(b) ? semver.compare(a, b) : a.localeCompare(b)));
  const releases = versions.map((v) => tracedRelease(v, records.releases, deployments, gaps));
  if (kind === 'release' || kind === 'error') {
    const change = records.releases.find((r) => r.version === versions[0]);
    if (change) commits = change.commits.map((c) => traced(c.sha, c.subject));
  }
  if (kind !== 'item') {
    // The item made from the error comes first: it is the one that fixes it.
    const keys = [...madeInto];
    addUnique(
      keys,
      commits.flatMap((c) => c.items),
    );
    items = keys.map((key) => ({ key, branches: [] }));
  }

  const runs = tracedRuns(records.runs, commits, releases, lostCommit, gaps);
  const environments = tracedEnvironments(versions, deployments);
  const errors = tracedErrors(records.issues, versions, asked, errorLinks);
  return { query: { kind, value }, found, items, commits, runs, releases, environments, errors, gaps };
}

/** sha → the first release (oldest version) whose change brought it. */
function firstReleaseOfCommits(releases: readonly ReleaseChange[]): Map<string, string> {
  const first = new Map<string, string>();
  for (const r of releases) for (const c of r.commits) if (!first.has(c.sha)) first.set(c.sha, r.version);
  return first;
}

function tracedRelease(
  version: string,
  releases: readonly ReleaseChange[],
  deployments: readonly Deployment[],
  gaps: string[],
): TracedRelease {
  const change = releases.find((r) => r.version === version);
  if (change) {
    const record = change.record;
    return {
      version,
      tag: change.tag,
      commit: change.commit,
      ...(record?.testedCommit ? { testedCommit: record.testedCommit } : {}),
      ...(record?.readyRun ? { readyRun: record.readyRun } : {}),
      ...(record?.image ? { image: record.image.repository, digest: record.image.digest } : {}),
      createdAt: record?.createdAt ?? change.date,
    };
  }
  const deployed = deployments.filter((d) => d.version === version).at(-1);
  gaps.push(
    `Tag v${version} is not in this repository (deleted, or not fetched: git fetch --tags): its record and the commits it brought are unknown${deployed?.commit ? `; the belt's records say it was built from ${short(deployed.commit)}` : ''}.`,
  );
  return {
    version,
    tag: `v${version}`,
    tagMissing: true,
    ...(deployed?.commit ? { commit: deployed.commit } : {}),
    ...(deployed?.digest ? { digest: deployed.digest } : {}),
  };
}

function tracedRuns(
  runs: readonly PipelineRun[],
  commits: readonly TracedCommit[],
  releases: readonly TracedRelease[],
  lostCommit: string | undefined,
  gaps: string[],
): TracedRun[] {
  const shas = new Set([
    ...commits.map((c) => c.sha),
    ...releases.flatMap((r) => [r.commit, r.testedCommit].filter((s) => s !== undefined)),
  ]);
  const readyRuns = new Set(releases.flatMap((r) => (r.readyRun ? [r.readyRun] : [])));
  const matched = runs.filter(
    (r) =>
      readyRuns.has(r.id) ||
      (r.commit !== undefined && (shas.has(r.commit) || (lostCommit !== undefined && r.commit.startsWith(lostCommit)))),
  );
  for (const id of readyRuns)
    if (runs.length > 0 && !matched.some((r) => r.id === id))
      gaps.push(`Pipeline run ${id}, which found the release's commit ready, is no longer in the run history (it keeps the last 30 runs).`);
  if (runs.length > 0 && matched.length === 0 && (shas.size > 0 || lostCommit))
    gaps.push('No pipeline run on record for these commits (the run history keeps the last 30 runs of this clone).');
  return matched.map((r) => ({
    id: r.id,
    ...(r.commit ? { commit: r.commit } : {}),
    result: r.result,
    startedAt: r.startedAt,
    readyForRelease: r.readyForRelease,
    logFile: r.logFile,
  }));
}

/** Per environment, the last deployment of each traced release there. */
function tracedEnvironments(versions: readonly string[], deployments: readonly Deployment[]): TracedEnvironment[] {
  const standing = standingReleases(deployments);
  const last = new Map<string, Deployment>();
  for (const d of deployments) if (versions.includes(d.version)) last.set(`${d.environment}\n${d.version}`, d);
  return [...last.values()].map((d) => ({
    name: d.environment,
    version: d.version,
    outcome: d.outcome,
    ...(d.finishedAt && d.rolledOut ? { since: d.finishedAt } : {}),
    ...(d.restoredAt ? { rolledBackAt: d.restoredAt } : {}),
    current: standing.get(d.environment)?.version === d.version,
    beltRunId: d.beltRunId,
    ...(d.verification ? { verification: d.verification } : {}),
  }));
}

/**
 * Errors first seen in the traced releases, those asked about first, each with the item made from it. Messages
 * an app logs at info or debug level (Sentry groups them as issues too) are not errors the release brought.
 */
function tracedErrors(
  issues: readonly ErrorIssue[],
  versions: readonly string[],
  asked: readonly ErrorIssue[],
  links: readonly ErrorItemLink[],
): TracedError[] {
  const inReleases = issues.filter(
    (i) =>
      !asked.includes(i) &&
      i.level !== 'info' &&
      i.level !== 'debug' &&
      i.firstRelease !== undefined &&
      versions.includes(versionOf(i.firstRelease)),
  );
  return [...asked, ...inReleases.sort((a, b) => a.firstSeen.localeCompare(b.firstSeen))].map((i) => {
    const link = links.find((l) => l.errorId === i.id);
    return {
      id: i.id,
      shortId: i.shortId,
      title: i.title,
      ...(i.firstRelease ? { firstRelease: i.firstRelease } : {}),
      firstSeen: i.firstSeen,
      lastSeen: i.lastSeen,
      count: i.count,
      ...(link ? { item: { key: link.itemKey, ...(link.itemUrl ? { url: link.itemUrl } : {}) } } : {}),
    };
  });
}

/**
 * Names of standards shaped like item keys (`UTF-8`, `SHA-256`, `ISO-8601`, `RFC-9110`, `CVE-2024`): commit
 * messages mention them far more often than a team names its project after one.
 */
const STANDARDS = /^(?:UTF|UCS|SHA|MD|ISO|RFC|CVE|CWE|GHSA|GPL|LGPL|AGPL|AES|PEP|ECMA|IEEE|IPV)-\d+$/;

export function itemKeysIn(subject: string): string[] {
  return [...new Set([...subject.matchAll(KEY_IN_SUBJECT)].map((m) => m[1]).filter((key) => !STANDARDS.test(key)))];
}

function addUnique(list: string[], values: readonly string[]): void {
  for (const v of values) if (!list.includes(v)) list.push(v);
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
