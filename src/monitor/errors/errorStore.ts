/**
 * The local receiver's issues: in memory, bounded, and saved to one JSON file in a folder the caller owns
 * (the extension's storage), so they survive a reload. Saves are debounced and atomic; a file that cannot
 * be read back is moved aside, never trusted and never lost. Each issue is bounded (eventLimits.ts, at
 * most RELEASES_SEEN releases and maxUsersPerIssue users) and written as its own line, so no save builds
 * one string of the whole store.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Emitter, type Event } from '../../core/events';
import { isNotFound, removeStaleTempFiles, writeFileAtomic } from '../../core/fsUtil';
import { compareReleases, versionOf } from '../../core/releaseVersion';
import type { ErrorIssue } from './errorModel';
import type { ReceivedEvent } from './envelope';
import { boundIssue } from './eventLimits';
import { foldByIssue, prepareEvent, type IssueEvents, type NamedAt, type PreparedEvent } from './ingestDecoding';
import { titleOf } from './issueGrouping';

export const STORE_FILE_NAME = 'local-errors.json';
const STORE_VERSION = 1;
/** Releases remembered per issue for resolution: the most recently seen. */
const RELEASES_SEEN = 20;

export interface ErrorStoreOptions {
  /** Folder of the store file; created on first save. */
  directory: string;
  /** Issues kept; beyond it the least recently seen is dropped. */
  maxIssues?: number;
  /** Distinct users remembered per issue; the user count stops growing there (it is then a lower bound). */
  maxUsersPerIssue?: number;
  /** Quiet time before a change is written. */
  saveDelayMs?: number;
  /** Told when a save fails; the issues stay in memory and the next change tries again. */
  onSaveError?: (error: Error) => void;
}

export interface StoreLoadResult {
  /** Issues read from the file (that were not already in memory). */
  loaded: number;
  /** Where an unreadable store file was moved, so a later save does not destroy the evidence. */
  movedAside?: string;
  /** Why the file could not be used. */
  problem?: string;
}

export interface IssuesChange {
  /** New or updated issues (their current state). */
  changed: ErrorIssue[];
  /** Ids of issues dropped to stay within bounds. */
  removed: string[];
  /** Everything was cleared. */
  cleared: boolean;
}

interface StoredIssue {
  issue: ErrorIssue;
  /** Hashes of user keys: counting needs only equality, and emails or IPs need not be written to disk. */
  users: Set<string>;
}

interface StoreFile {
  version: number;
  nextShortId: number;
  issues: Array<ErrorIssue & { users: string[] }>;
}

export class ErrorStore {
  readonly file: string;
  private readonly maxIssues: number;
  private readonly maxUsersPerIssue: number;
  private readonly saveDelayMs: number;
  private readonly entries = new Map<string, StoredIssue>();
  private readonly changes = new Emitter<IssuesChange>();
  private nextShortId = 1;
  private saveTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(private readonly options: ErrorStoreOptions) {
    this.file = path.join(options.directory, STORE_FILE_NAME);
    this.maxIssues = options.maxIssues ?? 500;
    this.maxUsersPerIssue = options.maxUsersPerIssue ?? 1000;
    this.saveDelayMs = options.saveDelayMs ?? 500;
  }

  /** Reads the store file, keeping whatever is already in memory when both know an issue. */
  async load(): Promise<StoreLoadResult> {
    // A process killed mid-save leaves its temporary file behind; nothing else would ever remove it.
    await removeStaleTempFiles(this.file).catch(() => 0);
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if (isNotFound(error)) return { loaded: 0 };
      return { loaded: 0, problem: `cannot read ${this.file}: ${(error as Error).message}` };
    }
    let stored: StoreFile;
    try {
      stored = parseStoreFile(text);
    } catch (error) {
      const problem = (error as Error).message;
      const movedAside = `${this.file}.corrupt-${Date.now()}`;
      try {
        await fs.rename(this.file, movedAside);
      } catch (renameError) {
        return { loaded: 0, problem: `${problem}; could not move it aside: ${(renameError as Error).message}` };
      }
      if (this.entries.size > 0) this.scheduleSave();
      return { loaded: 0, movedAside, problem };
    }
    const changed: ErrorIssue[] = [];
    for (const { users, ...issue } of stored.issues) {
      if (this.entries.has(issue.id)) continue;
      const userSet = new Set(users.slice(0, this.maxUsersPerIssue));
      // Stores written before events were bounded may hold issues of any size.
      const entry = { issue: { ...boundIssue(issue), userCount: Math.max(issue.userCount, userSet.size) }, users: userSet };
      this.entries.set(issue.id, entry);
      changed.push(entry.issue);
    }
    this.nextShortId = Math.max(
      this.nextShortId,
      stored.nextShortId,
      ...[...this.entries.values()].map((e) => shortIdNumber(e.issue.shortId) + 1),
    );
    const removed = this.evictBeyondBound();
    const kept = changed.filter((issue) => this.entries.has(issue.id));
    if (kept.length > 0 || removed.length > 0) this.changes.fire({ changed: kept.map((issue) => ({ ...issue })), removed, cleared: false });
    return { loaded: kept.length };
  }

  /** Adds events to their issues (creating issues as needed); returns the issues that changed. */
  record(events: readonly ReceivedEvent[]): ErrorIssue[] {
    return this.recordPrepared(events.map(prepareEvent));
  }

  /** `record` for events already grouped. */
  recordPrepared(events: readonly PreparedEvent[]): ErrorIssue[] {
    return this.recordFolded(foldByIssue(events));
  }

  /** `record` for events already folded by issue (by the receiver's decoder thread). */
  recordFolded(folds: readonly IssueEvents[]): ErrorIssue[] {
    if (folds.length === 0) return [];
    const changed = new Map<string, ErrorIssue>();
    for (const fold of folds) {
      const entry = this.add(fold);
      changed.set(entry.issue.id, entry.issue);
    }
    const removed = this.evictBeyondBound();
    for (const id of removed) changed.delete(id);
    this.scheduleSave();
    const issues = [...changed.values()].map((issue) => ({ ...issue }));
    this.changes.fire({ changed: issues, removed, cleared: false });
    return issues;
  }

  /** All issues, most recently seen first. */
  issues(): ErrorIssue[] {
    return [...this.entries.values()].map((entry) => ({ ...entry.issue })).sort((a, b) => compareIso(b.lastSeen, a.lastSeen));
  }

  /** An issue by id or short id (`LOCAL-3`). */
  issue(id: string): ErrorIssue | undefined {
    const entry = this.entryOf(id);
    return entry ? { ...entry.issue } : undefined;
  }

  /** Marks an issue (id or short id) resolved in a release (`v1.5.0`, `1.5.0`, `app@1.5.0`); undefined when there is none. */
  resolve(id: string, release: string, at = new Date()): ErrorIssue | undefined {
    const entry = this.entryOf(id);
    if (!entry) return undefined;
    Object.assign(entry.issue, { status: 'resolved', resolvedIn: versionOf(release), resolvedAt: at.toISOString() });
    this.scheduleSave();
    const issue = { ...entry.issue };
    this.changes.fire({ changed: [issue], removed: [], cleared: false });
    return issue;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forgets every issue. Short ids keep counting up, so an old `LOCAL-3` never names a different error. */
  clear(): void {
    const removed = [...this.entries.keys()];
    this.entries.clear();
    this.scheduleSave();
    this.changes.fire({ changed: [], removed, cleared: true });
  }

  readonly onChanged: Event<IssuesChange> = this.changes.event;

  /** Writes pending changes now. */
  async flush(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    if (this.dirty) await this.save();
    else await this.writing;
  }

  /** Writes pending changes and stops listening; the issues stay readable. */
  async close(): Promise<void> {
    this.changes.dispose();
    await this.flush();
  }

  private add(fold: IssueEvents): StoredIssue {
    const { latest, issueId: id } = fold;
    const { detail } = latest;
    let entry = this.entries.get(id);
    if (!entry) {
      entry = {
        users: new Set(),
        issue: {
          source: 'local',
          id,
          shortId: `LOCAL-${this.nextShortId++}`,
          // Title, value, level, last seen and names come from the fold's newest event below, as for any issue.
          title: '',
          exceptionType: fold.exceptionType,
          exceptionValue: '',
          level: latest.level,
          count: 0,
          userCount: 0,
          firstSeen: fold.firstSeen,
          lastSeen: '',
          latestEvent: detail,
        },
      };
      this.entries.set(id, entry);
    }
    const { issue, users } = entry;
    issue.count += fold.count;
    for (const userHash of fold.userHashes) {
      if (users.size >= this.maxUsersPerIssue) break;
      users.add(userHash);
    }
    issue.userCount = Math.max(issue.userCount, users.size);
    if (compareIso(fold.firstSeen, issue.firstSeen) < 0) issue.firstSeen = fold.firstSeen;
    for (const release in fold.releases) {
      issue.releasesSeen = withRelease(issue.releasesSeen, release, fold.releases[release]);
      if (issue.status === 'resolved' && reopens(release || undefined, issue.resolvedIn)) issue.status = 'regressed';
    }
    issue.firstRelease ??= fold.firstRelease;
    // Events can arrive out of order (offline SDK queues); the newest one describes the issue, and a name is
    // taken from an event only if it is not older than the issue's last one (as when recording event by event).
    const lastSeen = issue.lastSeen;
    const named = (name: NamedAt | undefined) => (name && compareIso(name.at, lastSeen) >= 0 ? name.value : undefined);
    if (compareIso(detail.timestamp, lastSeen) >= 0) {
      issue.lastSeen = detail.timestamp;
      issue.latestEvent = detail;
      issue.exceptionValue = detail.exceptionValue;
      issue.title = titleOf(detail.exceptionType, detail.exceptionValue);
      issue.level = latest.level;
    }
    issue.culprit = named(fold.culprit) ?? issue.culprit;
    issue.lastRelease = named(fold.lastRelease) ?? issue.lastRelease;
    issue.environment = named(fold.environment) ?? issue.environment;
    return entry;
  }

  private entryOf(id: string): StoredIssue | undefined {
    return this.entries.get(id) ?? [...this.entries.values()].find((e) => e.issue.shortId === id);
  }

  private evictBeyondBound(): string[] {
    const removed: string[] = [];
    if (this.entries.size <= this.maxIssues) return removed;
    const oldestFirst = [...this.entries.values()].sort((a, b) => compareIso(a.issue.lastSeen, b.issue.lastSeen));
    for (const entry of oldestFirst.slice(0, this.entries.size - this.maxIssues)) {
      this.entries.delete(entry.issue.id);
      removed.push(entry.issue.id);
    }
    return removed;
  }

  /** The timer is not pushed back by later changes: under a steady stream of events a save still happens every `saveDelayMs`. */
  private scheduleSave(): void {
    this.dirty = true;
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, this.saveDelayMs);
    this.saveTimer.unref();
  }

  /** One write at a time: writes are chained, each writing the state at the moment it starts. */
  private save(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await writeFileAtomic(this.file, storeFileLines(this.nextShortId, [...this.entries.values()]));
      } catch (error) {
        this.dirty = true;
        this.options.onSaveError?.(error as Error);
      }
    });
    return this.writing;
  }
}

/**
 * The store file as one JSON document, an issue a line: each line is serialized only when written, so a
 * save never holds more than one issue's text at a time.
 */
function* storeFileLines(nextShortId: number, entries: readonly StoredIssue[]): Generator<string> {
  yield `{"version":${STORE_VERSION},"nextShortId":${nextShortId},"issues":[`;
  for (const [index, entry] of entries.entries()) {
    yield `${index === 0 ? '' : ','}\n${JSON.stringify({ ...entry.issue, users: [...entry.users] })}`;
  }
  yield '\n]}\n';
}

/** Parses and checks the store file; throws with the reason when it is not one this version wrote. */
function parseStoreFile(text: string): StoreFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`the store file is not valid JSON (${(error as Error).message}); it may have been cut off while being written`, {
      cause: error,
    });
  }
  const file = value as Partial<StoreFile> | null;
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new Error('the store file is not a JSON object');
  if (file.version !== STORE_VERSION) throw new Error(`the store file has version ${String(file.version)}, expected ${STORE_VERSION}`);
  if (!Array.isArray(file.issues)) throw new Error('the store file has no issue list');
  file.issues.forEach((issue, index) => {
    const problem = issueProblem(issue);
    if (problem) throw new Error(`issue ${index + 1} in the store file ${problem}`);
  });
  return { version: STORE_VERSION, nextShortId: typeof file.nextShortId === 'number' ? file.nextShortId : 1, issues: file.issues };
}

function issueProblem(issue: unknown): string | undefined {
  if (typeof issue !== 'object' || issue === null) return 'is not an object';
  const candidate = issue as Record<string, unknown>;
  for (const key of ['id', 'shortId', 'title', 'exceptionType', 'exceptionValue', 'level', 'firstSeen', 'lastSeen']) {
    if (typeof candidate[key] !== 'string') return `has no ${key}`;
  }
  for (const key of ['count', 'userCount']) if (typeof candidate[key] !== 'number') return `has no ${key}`;
  if (!Array.isArray(candidate.users) || !candidate.users.every((u) => typeof u === 'string')) return 'has no user list';
  if (candidate.source !== 'local') return 'is not from the local receiver';
  return undefined;
}

/** Like Sentry's "resolved in version": events without a release, or from a release it cannot order, reopen it too. */
function reopens(release: string | undefined, resolvedIn: string | undefined): boolean {
  if (!release || !resolvedIn) return true;
  return (compareReleases(release, resolvedIn) ?? 0) >= 0;
}

/** A new object each time: issues handed out are shallow copies. */
function withRelease(seen: Record<string, string> = {}, release: string, at: string): Record<string, string> {
  // The common case, an app sending from its newest release: that entry stays first (a copy keeps the key
  // order), only its time moves. Issues handed out share this record, so it is never changed in place.
  for (const first in seen) {
    if (first === release && compareIso(at, seen[first]) >= 0) return { ...seen, [release]: at };
    break;
  }
  const newest = seen[release] !== undefined && compareIso(seen[release], at) > 0 ? seen[release] : at;
  const entries = Object.entries({ ...seen, [release]: newest }).sort(([, a], [, b]) => compareIso(b, a));
  return Object.fromEntries(entries.slice(0, RELEASES_SEEN));
}

function shortIdNumber(shortId: string): number {
  const match = /-(\d+)$/.exec(shortId);
  return match ? Number(match[1]) : 0;
}

/** ISO timestamps from `toISOString()` compare correctly as strings, and much faster than as dates. */
function compareIso(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
