/**
 * From a reported stack frame to a line of a workspace file: path mappings (`/app/` in a container is the
 * folder here), `app:///`, `~/`, `file://` and URL paths, and source maps back from built JavaScript.
 * Frames of dependencies and of the runtime are not the user's code and are never mapped.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorIssue, StackFrame, WorkspaceLocation } from './errorModel';
import { DEFAULT_FILE_INFO_TTL_MS, FileInfoCache, SourceMapCache } from './sourceMaps';

export interface FrameMapperOptions {
  /** Workspace folder roots (absolute). Only files inside them are locations. */
  roots: readonly string[];
  /** Reported path prefix → local path; a relative target is resolved against each root. */
  pathMappings?: Readonly<Record<string, string>>;
  /** How long a file's existence and version are trusted before asking the disk again. */
  fileInfoTtlMs?: number;
}

/** Suffixes of an unknown absolute path tried against the roots, shortest kept meaningful (2 segments). */
const MAX_SUFFIXES_TRIED = 6;

/** Frames from dependencies or the runtime (`node:internal/…`, `node_modules/`, `<anonymous>`). */
export function isLibraryPath(reported: string): boolean {
  return (
    /(^|[\\/])node_modules[\\/]/.test(reported) ||
    /^(node|internal|bun|deno):/.test(reported) ||
    reported.startsWith('internal/') ||
    reported === 'native' ||
    reported.startsWith('<')
  );
}

/** Remembered frame answers; beyond this many the memo starts over rather than growing with every event. */
const MAX_REMEMBERED = 20_000;

export class FrameMapper {
  private readonly roots: string[];
  private readonly mappings: Array<[from: string, to: string]>;
  private readonly ttlMs: number;
  readonly sourceMaps: SourceMapCache;
  /** Decorations map the same frames again after every new event: answers are kept as long as file versions are. */
  private readonly answers = new Map<string, { at: number; location: Promise<WorkspaceLocation | undefined> }>();
  private readonly candidatesByName = new Map<string, string[]>();

  constructor(options: FrameMapperOptions, sourceMaps?: SourceMapCache) {
    this.roots = options.roots.map((root) => path.resolve(root));
    // Longest prefix first, so `/app/lib/` wins over `/app/`.
    this.mappings = Object.entries(options.pathMappings ?? {}).sort((a, b) => b[0].length - a[0].length);
    this.ttlMs = options.fileInfoTtlMs ?? DEFAULT_FILE_INFO_TTL_MS;
    this.sourceMaps = sourceMaps ?? new SourceMapCache(new FileInfoCache(this.ttlMs));
  }

  /** The workspace line a frame points at (through a source map when there is one), or undefined. */
  map(frame: StackFrame): Promise<WorkspaceLocation | undefined> {
    if (frame.lineno === undefined) return Promise.resolve(undefined);
    const key = `${frame.absPath ?? ''}\0${frame.filename ?? ''}\0${frame.lineno}\0${frame.colno ?? ''}`;
    const now = Date.now();
    const remembered = this.answers.get(key);
    if (remembered && now - remembered.at < this.ttlMs) return remembered.location;
    if (this.answers.size >= MAX_REMEMBERED) this.answers.clear();
    const location = this.resolve(frame, frame.lineno);
    this.answers.set(key, { at: now, location });
    return location;
  }

  private async resolve(frame: StackFrame, lineno: number): Promise<WorkspaceLocation | undefined> {
    const file = await this.firstExisting(this.candidates(frame));
    if (!file) return undefined;
    const generated: WorkspaceLocation = { file, line: lineno, column: frame.colno ?? 1 };
    if (!SourceMapCache.canHaveSourceMap(file)) return generated;
    const original = await this.sourceMaps.originalPosition(file, lineno, frame.colno);
    if (!original) return generated;
    const source = await this.firstExisting(this.pathsFor(original.source));
    // A map whose sources are outside the workspace (or only embedded) still leaves the built file.
    return source ? { file: source, line: original.line, column: original.column } : generated;
  }

  /** Absolute paths a frame may refer to, most likely first; empty for library frames. Pure. */
  candidates(frame: StackFrame): string[] {
    const key = `${frame.absPath ?? ''}\0${frame.filename ?? ''}`;
    let paths = this.candidatesByName.get(key);
    if (!paths) {
      const reported = [frame.absPath, frame.filename].filter((name): name is string => !!name);
      paths = reported.some(isLibraryPath) ? [] : unique(reported.flatMap((name) => this.pathsFor(name)));
      if (this.candidatesByName.size >= MAX_REMEMBERED) this.candidatesByName.clear();
      this.candidatesByName.set(key, paths);
    }
    return paths;
  }

  /** Forgets cached file versions, source maps and answers (all, or those about one file). */
  invalidate(file?: string): void {
    this.sourceMaps.invalidate(file);
    // Answers depend on several files (built file, map, source): forget them all.
    this.answers.clear();
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
    if (path.isAbsolute(local)) {
      if (this.roots.some((root) => isInside(root, local))) paths.push(path.normalize(local));
      else paths.push(...this.suffixesUnderRoots(local));
    } else {
      for (const root of this.roots) paths.push(path.join(root, local));
    }
    return paths.filter((candidate) => this.roots.some((root) => isInside(root, candidate)));
  }

  /** `/srv/app/src/x.js` from a container or CI machine is likely `<root>/src/x.js` here. */
  private suffixesUnderRoots(absolute: string): string[] {
    const segments = absolute.split(/[\\/]+/).filter(Boolean);
    const paths: string[] = [];
    for (let start = 1; start <= segments.length - 2 && paths.length < MAX_SUFFIXES_TRIED * this.roots.length; start++) {
      const suffix = segments.slice(start).join(path.sep);
      for (const root of this.roots) paths.push(path.join(root, suffix));
    }
    return paths;
  }

  private async firstExisting(paths: string[]): Promise<string | undefined> {
    for (const candidate of paths) if (await this.sourceMaps.files.info(candidate)) return candidate;
    return undefined;
  }
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
  const perIssue = await Promise.all(issues.map((issue) => issueLocations(issue, mapper, options.allInAppFrames ?? false)));
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

async function issueLocations(
  issue: ErrorIssue,
  mapper: FrameMapper,
  allInAppFrames: boolean,
): Promise<Array<IssueLocation & { file: string }>> {
  const frames = issue.latestEvent?.frames ?? [];
  const found: Array<IssueLocation & { file: string }> = [];
  // Innermost first; frames the SDK marked as not in-app are someone else's code.
  for (let index = frames.length - 1; index >= 0; index--) {
    if (frames[index].inApp === false) continue;
    const location = await mapper.map(frames[index]);
    if (!location) continue;
    found.push({ ...location, issue, frameIndex: index, top: found.length === 0 });
    if (!allInAppFrames) break;
  }
  return found;
}
