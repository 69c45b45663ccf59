/**
 * From a reported stack frame to a line of a workspace file: path mappings (`/app/` in a container is the
 * folder here), `app:///`, `~/`, `file://` and URL paths (any workspace file ending with the URL's path, output
 * folders first), and source maps back from built JavaScript. A frame that does not map says why.
 * Frames of dependencies and of the runtime are not the user's code and are never mapped.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isHttpUrl, servedUrl } from './errorModel';
import type { ErrorIssue, StackFrame, WorkspaceLocation } from './errorModel';
import { DEFAULT_FILE_INFO_TTL_MS, FileInfoCache, ServedSourceMaps, SourceMapCache } from './sourceMaps';
import type { OriginalPosition } from './sourceMaps';
import type { WorkspaceFileIndex } from './workspaceFiles';
import { goModuleFiles, goModulesAt, isGoLibraryFile } from '../../core/goModules';
import type { GoModule } from '../../core/goModules';

export interface FrameMapperOptions {
  /** Workspace folder roots (absolute). Only files inside them are locations. */
  roots: readonly string[];
  /** Reported path prefix → local path; a relative target is resolved against each root. */
  pathMappings?: Readonly<Record<string, string>>;
  /** How long a file's existence and version are trusted before asking the disk again. */
  fileInfoTtlMs?: number;
  /** The workspace's files, for frames reported as URLs; without them a URL's path is looked up under each root only. */
  files?: WorkspaceFileIndex;
  /** Maps of modules a dev server compiles on the fly (asked of servers on this machine only). */
  servedMaps?: Pick<ServedSourceMaps, 'originalPosition'>;
}

/** Suffixes of an unknown absolute path tried against the roots, shortest kept meaningful (2 segments). */
const MAX_SUFFIXES_TRIED = 6;

/**
 * Frames from dependencies or the runtime (`node:internal/…`, `node_modules/`, `<anonymous>`; Python's
 * site-packages, Ruby's gems and Go's module cache, whose frames some SDKs mark in-app).
 */
export function isLibraryPath(reported: string): boolean {
  return (
    /(^|[\\/])(node_modules|site-packages|dist-packages)[\\/]/.test(reported) ||
    /[\\/]gems[\\/][^\\/]+-\d[^\\/]*[\\/]/.test(reported) ||
    /[\\/]pkg[\\/]mod[\\/].+@v\d[^\\/]*[\\/]/.test(reported) ||
    /^(node|internal|bun|deno):/.test(reported) ||
    reported.startsWith('internal/') ||
    reported === 'native' ||
    reported.startsWith('<')
  );
}

interface Answer {
  at: number;
  resolution: Promise<FrameResolution>;
  /** Set once the answer is worked out, so decorations can be recomputed without awaiting each frame. */
  settled?: FrameResolution;
}

function answerKey(frame: StackFrame): string {
  return `${frame.absPath ?? ''}\0${frame.filename ?? ''}\0${frame.lineno}\0${frame.colno ?? ''}`;
}

/** Remembered frame answers; beyond this many the memo starts over rather than growing with every event. */
const MAX_REMEMBERED = 20_000;

/** Files matching one URL that are opened to compare their source maps; more would only cost reads. */
const MAX_URL_MATCHES = 8;

/**
 * Past this column a line is minified code: without a source map back to a source in the workspace, the built
 * line says nothing a person can read, so the frame stays unmapped rather than land on it.
 */
export const MINIFIED_COLUMN = 500;

/** Why a frame of the user's code has no line in the workspace. */
export type UnmappedReason =
  /** No workspace file for the reported path (for a URL, none whose path ends with the URL's path). */
  | { kind: 'no-file'; path: string; searchStopped?: boolean }
  /** The file was found, but it is minified and carries no source map (or none with this position). */
  | { kind: 'no-source-map'; file: string }
  /** The file's source map names a source that is not in the workspace. */
  | { kind: 'sources-missing'; file: string; source: string };

/** What became of one frame: its workspace line, or why there is none; and the other files that matched as well. */
export interface FrameResolution {
  location?: WorkspaceLocation;
  unmapped?: UnmappedReason;
  /** Files that matched the frame's URL as well as the chosen one: the first in the stated order was used. */
  alsoMatched?: string[];
}

export class FrameMapper {
  private readonly roots: string[];
  private readonly mappings: Array<[from: string, to: string]>;
  private readonly ttlMs: number;
  readonly sourceMaps: SourceMapCache;
  /** Decorations map the same frames again after every new event: answers are kept as long as file versions are. */
  private readonly answers = new Map<string, Answer>();
  private readonly candidatesByName = new Map<string, string[]>();
  private files: WorkspaceFileIndex | undefined;
  private readonly servedMaps: Pick<ServedSourceMaps, 'originalPosition'>;
  /** Go modules at the roots, read once (again after `invalidate`), before the first frame is resolved. */
  private goModules: GoModule[] = [];
  private goModulesRead: Promise<void> | undefined;

  constructor(options: FrameMapperOptions, sourceMaps?: SourceMapCache) {
    this.roots = options.roots.map((root) => path.resolve(root));
    // Longest prefix first, so `/app/lib/` wins over `/app/`.
    this.mappings = Object.entries(options.pathMappings ?? {}).sort((a, b) => b[0].length - a[0].length);
    this.ttlMs = options.fileInfoTtlMs ?? DEFAULT_FILE_INFO_TTL_MS;
    this.sourceMaps = sourceMaps ?? new SourceMapCache(new FileInfoCache(this.ttlMs));
    this.files = options.files;
    this.servedMaps = options.servedMaps ?? new ServedSourceMaps();
  }

  /**
   * The workspace's files, for frames reported as URLs (walked once per batch of events by the caller). Answers
   * are forgotten only when the files differ from the last index's.
   */
  useFiles(files: WorkspaceFileIndex): void {
    if (this.files?.sameFilesAs(files)) return;
    this.files = files;
    this.candidatesByName.clear();
    this.answers.clear();
  }

  /** The workspace line a frame points at (through a source map when there is one), or undefined. */
  async map(frame: StackFrame): Promise<WorkspaceLocation | undefined> {
    return (await this.resolveFrame(frame)).location;
  }

  /** The frame's workspace line, or why it has none (nothing to say for library frames and frames without a line). */
  resolveFrame(frame: StackFrame): Promise<FrameResolution> {
    if (frame.lineno === undefined) return Promise.resolve({});
    const key = answerKey(frame);
    const now = Date.now();
    const remembered = this.answers.get(key);
    if (remembered && now - remembered.at < this.ttlMs) return remembered.resolution;
    if (this.answers.size >= MAX_REMEMBERED) this.answers.clear();
    const answer: Answer = { at: now, resolution: this.resolve(frame, frame.lineno) };
    answer.resolution.then(
      (resolution) => (answer.settled = resolution),
      () => undefined,
    );
    this.answers.set(key, answer);
    return answer.resolution;
  }

  /** What `resolveFrame` would answer, when that is already known and still fresh at `now`; undefined when it is not. */
  settled(frame: StackFrame, now: number): FrameResolution | undefined {
    if (frame.lineno === undefined) return {};
    const remembered = this.answers.get(answerKey(frame));
    return remembered && now - remembered.at < this.ttlMs ? remembered.settled : undefined;
  }

  private async resolve(frame: StackFrame, lineno: number): Promise<FrameResolution> {
    const reported = reportedNames(frame);
    if (reported.length === 0 || reported.some(isLibraryPath)) return {};
    if (reported.some((name) => name.endsWith('.go'))) {
      // Read (walked for go.mod files) only once a Go frame comes: other languages' frames never pay for it.
      await (this.goModulesRead ??= goModulesAt(this.roots).then((modules) => void (this.goModules = modules)));
      if (reported.some((name) => isGoLibraryFile(name, this.goModules))) return {};
    }
    const url = servedUrl(frame);
    const existing = await this.existing(this.candidates(frame), url ? MAX_URL_MATCHES : 1);
    if (existing.length === 0) {
      // A dev server's bundle lives in its memory (esbuild serve, webpack-dev-server): its map is asked of the server.
      const served = url && (await this.throughServedMap(url, lineno, frame.colno));
      if (served) return served;
      const searchStopped = url !== undefined && this.files !== undefined && !this.files.complete;
      return { unmapped: { kind: 'no-file', path: url ? urlPath(url) : reported[0], ...(searchStopped ? { searchStopped } : {}) } };
    }
    // A URL may match several files (public/app.js, dist/app.js): the best kind of answer wins, then the stated order.
    const tried = await Promise.all(existing.map((file) => this.throughSourceMap(file, lineno, frame.colno, url)));
    const ranks = tried.map((attempt) => attempt.rank);
    const best = Math.min(...ranks);
    const chosen = ranks.indexOf(best);
    const alsoMatched = existing.filter((_, index) => index !== chosen && ranks[index] === best && best < 2);
    return { ...tried[chosen].resolution, ...(alsoMatched.length > 0 ? { alsoMatched } : {}) };
  }

  private async throughSourceMap(
    file: string,
    lineno: number,
    colno: number | undefined,
    url: string | undefined,
  ): Promise<{ rank: number; resolution: FrameResolution }> {
    // Rank: back to a source in the workspace (0), the file's own line (1), nothing readable (2).
    const generated: FrameResolution = { location: { file, line: lineno, column: colno ?? 1 } };
    const back = async (original: OriginalPosition) => {
      const source = await this.sourceOf(original);
      return source && { rank: 0, resolution: { location: source } };
    };
    if (!SourceMapCache.canHaveSourceMap(file)) {
      // A dev server serves /src/cart.ts compiled: its map says where the compiled line was; without it, the line as reported.
      const served = url && (await this.servedMaps.originalPosition(url, lineno, colno));
      return (served && (await back(served))) || { rank: 1, resolution: generated };
    }
    const minified = (colno ?? 0) > MINIFIED_COLUMN;
    const original = await this.sourceMaps.originalPosition(file, lineno, colno);
    if (!original)
      return minified ? { rank: 2, resolution: { unmapped: { kind: 'no-source-map', file } } } : { rank: 1, resolution: generated };
    const mapped = await back(original);
    if (mapped) return mapped;
    // A map whose sources are outside the workspace (or only embedded) still leaves a readable built file.
    if (minified) return { rank: 2, resolution: { unmapped: { kind: 'sources-missing', file, source: original.source } } };
    return { rank: 1, resolution: generated };
  }

  /** The workspace line an original position (from a source map) names, when its source is a workspace file. */
  private async sourceOf(original: OriginalPosition): Promise<WorkspaceLocation | undefined> {
    const [source] = await this.existing(unique([...this.urlMatches(original.source), ...this.pathsFor(original.source)]), 1);
    return source === undefined ? undefined : { file: source, line: original.line, column: original.column };
  }

  /**
   * A served script that is no workspace file, through the map its server serves: the source's line, or why
   * there is none. Undefined when the server has no map for it (or is not on this machine, or has stopped).
   */
  private async throughServedMap(url: string, lineno: number, colno: number | undefined): Promise<FrameResolution | undefined> {
    const original = await this.servedMaps.originalPosition(url, lineno, colno);
    if (!original) return undefined;
    const source = await this.sourceOf(original);
    return source ? { location: source } : { unmapped: { kind: 'sources-missing', file: url, source: original.source } };
  }

  /** Absolute paths a frame may refer to, most likely first; empty for library frames. Pure. */
  candidates(frame: StackFrame): string[] {
    const key = `${frame.absPath ?? ''}\0${frame.filename ?? ''}`;
    let paths = this.candidatesByName.get(key);
    if (!paths) {
      const reported = reportedNames(frame);
      paths = reported.some(isLibraryPath) ? [] : unique(reported.flatMap((name) => [...this.urlMatches(name), ...this.pathsFor(name)]));
      if (this.candidatesByName.size >= MAX_REMEMBERED) this.candidatesByName.clear();
      this.candidatesByName.set(key, paths);
    }
    return paths;
  }

  /** Forgets cached file versions, source maps and answers (all, or those about one file). */
  invalidate(file?: string): void {
    this.sourceMaps.invalidate(file);
    // Answers depend on several files (built file, map, source, a go.mod): forget them all.
    this.answers.clear();
    this.candidatesByName.clear();
    this.goModulesRead = undefined;
  }

  /** Files whose path ends with a URL's path, after the path mappings (which the user chose) and before a root's own path. */
  private urlMatches(reported: string): string[] {
    if (!this.files || !isHttpUrl(reported) || this.mappings.some(([from]) => reported.startsWith(from))) return [];
    return this.files.endingWith(urlPath(reported));
  }

  private pathsFor(reported: string): string[] {
    const paths: string[] = [];
    for (const [from, to] of this.mappings) {
      if (!reported.startsWith(from)) continue;
      const rest = reported.slice(from.length);
      if (path.isAbsolute(to)) paths.push(path.join(to, rest));
      else for (const root of this.roots) paths.push(path.join(root, to, rest));
      break;
    }
    const local = localPath(reported);
    if (local === undefined) return paths;
    paths.push(...goModuleFiles(local, this.goModules));
    if (path.isAbsolute(local)) {
      if (this.roots.some((root) => isInside(root, local))) paths.push(path.normalize(local));
      else paths.push(...this.suffixesUnderRoots(local));
    } else {
      for (const root of this.roots) paths.push(path.join(root, local));
    }
    return paths.filter((candidate) => this.roots.some((root) => isInside(root, candidate)));
  }

  /**
   * `/srv/app/src/x.js` from a container or CI machine is likely `<root>/src/x.js` here. A file directly in a
   * usual container app folder (`/app/server.js`) is `<root>/server.js`; elsewhere a bare file name is too
   * common (`index.js`) to be taken for the workspace's.
   */
  private suffixesUnderRoots(absolute: string): string[] {
    const segments = absolute.split(/[\\/]+/).filter(Boolean);
    const paths: string[] = [];
    for (let start = 1; start <= segments.length - 2 && paths.length < MAX_SUFFIXES_TRIED * this.roots.length; start++) {
      const suffix = segments.slice(start).join(path.sep);
      for (const root of this.roots) paths.push(path.join(root, suffix));
    }
    if (CONTAINER_APP_FOLDERS.has(`/${segments.slice(0, -1).join('/')}`))
      for (const root of this.roots) paths.push(path.join(root, segments[segments.length - 1]));
    return paths;
  }

  /** The first `limit` paths that are files, in order. */
  private async existing(paths: string[], limit: number): Promise<string[]> {
    const found: string[] = [];
    for (const candidate of paths) {
      if (found.length >= limit) break;
      if (await this.sourceMaps.files.info(candidate)) found.push(candidate);
    }
    return found;
  }
}

/** Where Dockerfiles put an app (WORKDIR), by the conventions of the official images' docs. */
const CONTAINER_APP_FOLDERS = new Set([
  '/app',
  '/usr/src/app',
  '/usr/app',
  '/srv/app',
  '/srv',
  '/opt/app',
  '/home/node/app',
  '/code',
  '/workspace',
]);

function reportedNames(frame: StackFrame): string[] {
  return [frame.absPath, frame.filename].filter((name): name is string => !!name);
}

/** The path a URL names, without its query and hash: `/src/cart.ts`. */
export function urlPath(url: string): string {
  return `/${localPath(url) ?? ''}`;
}

/** A reported name as a local path: absolute, or relative to a workspace root. Undefined for URLs that name no path. */
function localPath(reported: string): string | undefined {
  const name = reported.replace(/[?#].*$/, '');
  if (name.startsWith('file://')) {
    try {
      return fileURLToPath(name);
    } catch {
      return undefined;
    }
  }
  if (name.startsWith('~/')) return name.slice(2);
  // app:///src/x.js, http://localhost:3000/static/x.js, webpack://my-app/./src/x.ts: the path after the host.
  const url = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/(.*)$/i.exec(name);
  if (url) return stripDotSegments(decodePath(url[1]));
  if (/^[a-z][a-z0-9+.-]*:/i.test(name) && !/^[a-z]:[\\/]/i.test(name)) return undefined;
  return path.isAbsolute(name) ? name : stripDotSegments(name);
}

function stripDotSegments(relative: string): string {
  return relative.replace(/^(\.\/)+/, '');
}

function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' ? false : !relative.startsWith('..') && !path.isAbsolute(relative);
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** An issue's mark on one line of a file. */
export interface IssueLocation {
  issue: ErrorIssue;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Index in `issue.latestEvent.frames`. */
  frameIndex: number;
  /** The innermost in-app frame that maps: where the error happened, rather than a caller on its way. */
  top: boolean;
}

export interface LocationsOptions {
  /** Also mark the callers (other in-app frames), not only where each error happened. */
  allInAppFrames?: boolean;
}

/**
 * Where each issue's latest event touches the workspace, grouped by file and sorted by line, so the UI
 * looks up an editor's decorations with one `get`. Frames mapping is cached, so recomputing after each
 * change stays cheap.
 */
export async function locationsByFile(
  issues: readonly ErrorIssue[],
  mapper: FrameMapper,
  options: LocationsOptions = {},
): Promise<Map<string, IssueLocation[]>> {
  const allInAppFrames = options.allInAppFrames ?? false;
  // After the first computation every frame's answer is known: no promise per issue then, which was most of the cost.
  const now = Date.now();
  const known = issues.map((issue) => knownIssueLocations(issue, mapper, allInAppFrames, now));
  const perIssue = known.every((locations) => locations !== undefined)
    ? known
    : await Promise.all(issues.map((issue, i) => (known[i] ? Promise.resolve(known[i]) : issueLocations(issue, mapper, allInAppFrames))));
  const byFile = new Map<string, IssueLocation[]>();
  for (const locations of perIssue) {
    for (const location of locations) {
      const list = byFile.get(location.file);
      const entry: IssueLocation = {
        issue: location.issue,
        line: location.line,
        column: location.column,
        frameIndex: location.frameIndex,
        top: location.top,
      };
      if (list) list.push(entry);
      else byFile.set(location.file, [entry]);
    }
  }
  for (const list of byFile.values()) list.sort((a, b) => a.line - b.line || b.issue.count - a.issue.count);
  return byFile;
}

/** Where an issue happened in the workspace (its innermost in-app frame that maps), for "go to code". */
export async function issueLocation(issue: ErrorIssue, mapper: FrameMapper): Promise<WorkspaceLocation | undefined> {
  const [top] = await issueLocations(issue, mapper, false);
  return top ? { file: top.file, line: top.line, column: top.column } : undefined;
}

type FileLocation = IssueLocation & { file: string };

async function issueLocations(issue: ErrorIssue, mapper: FrameMapper, allInAppFrames: boolean): Promise<FileLocation[]> {
  const frames = issue.latestEvent?.frames ?? [];
  const found: FileLocation[] = [];
  // Innermost first; frames the SDK marked as not in-app are someone else's code.
  for (let index = frames.length - 1; index >= 0; index--) {
    if (frames[index].inApp === false) continue;
    const location = await mapper.map(frames[index]);
    if (!location) continue;
    found.push(fileLocation(location, issue, index, found.length === 0));
    if (!allInAppFrames) break;
  }
  return found;
}

/** `issueLocations` from the mapper's known answers alone; undefined when a frame it needs is not known yet. */
function knownIssueLocations(issue: ErrorIssue, mapper: FrameMapper, allInAppFrames: boolean, now: number): FileLocation[] | undefined {
  const frames = issue.latestEvent?.frames ?? [];
  const found: FileLocation[] = [];
  for (let index = frames.length - 1; index >= 0; index--) {
    if (frames[index].inApp === false) continue;
    const answer = mapper.settled(frames[index], now);
    if (!answer) return undefined;
    if (!answer.location) continue;
    found.push(fileLocation(answer.location, issue, index, found.length === 0));
    if (!allInAppFrames) break;
  }
  return found;
}

// Fields named one by one: a spread of the location made each entry ten times slower to build.
function fileLocation(location: WorkspaceLocation, issue: ErrorIssue, frameIndex: number, top: boolean): FileLocation {
  return { file: location.file, line: location.line, column: location.column, issue, frameIndex, top };
}

/** A frame of the user's code the Errors view has something to say about: why it did not map, or which file won a tie. */
export interface FrameNote {
  /** Index in `issue.latestEvent.frames`. */
  frameIndex: number;
  frame: StackFrame;
  /** The frame's URL when it was served over HTTP: what Map URL to Folder maps. */
  url?: string;
  resolution: FrameResolution;
}

/** An issue's in-app frames that did not map or matched several files, innermost first. */
export async function frameNotes(issue: ErrorIssue, mapper: FrameMapper): Promise<FrameNote[]> {
  const frames = issue.latestEvent?.frames ?? [];
  const notes: FrameNote[] = [];
  for (let index = frames.length - 1; index >= 0; index--) {
    if (frames[index].inApp === false) continue;
    const resolution = await mapper.resolveFrame(frames[index]);
    if (!resolution.unmapped && !resolution.alsoMatched) continue;
    const url = servedUrl(frames[index]);
    notes.push({ frameIndex: index, frame: frames[index], ...(url ? { url } : {}), resolution });
  }
  return notes;
}
