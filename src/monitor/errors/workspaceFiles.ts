/**
 * The workspace's files by name, so a frame reported as a URL (`http://127.0.0.1:5173/app.js`) finds the files
 * whose path ends with the URL's path without walking the disk per frame: one walk per batch of events.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Where builds put what a web server serves, in the order they are preferred. */
export const OUTPUT_FOLDERS = ['public', 'dist', 'build', 'out'] as const;

/** An output folder's place in the order; any other folder comes after them all. */
export function outputFolderRank(name: string): number {
  const rank = (OUTPUT_FOLDERS as readonly string[]).indexOf(name);
  return rank >= 0 ? rank : OUTPUT_FOLDERS.length;
}

/** Never the user's served files, and the largest folders to walk. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

export interface ScanOptions {
  /** The walk stops here, so a huge monorepo costs a bounded walk; files past it are not matched by URL. */
  maxFiles?: number;
  maxDepth?: number;
}

const DEFAULT_MAX_FILES = 50_000;
const DEFAULT_MAX_DEPTH = 12;

/** Every file under the roots (breadth first, names sorted), skipping node_modules and .git. */
export async function scanWorkspaceFiles(roots: readonly string[], options: ScanOptions = {}): Promise<WorkspaceFileIndex> {
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const files: string[] = [];
  let complete = true;
  for (const root of roots) {
    let level = [path.resolve(root)];
    for (let depth = 0; level.length > 0; depth++) {
      const next: string[] = [];
      for (const dir of level) {
        const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) {
            if (depth < maxDepth) next.push(full);
            else complete = false;
          } else if (entry.isFile()) {
            if (files.length >= maxFiles) return new WorkspaceFileIndex(roots, files, false);
            files.push(full);
          }
        }
      }
      level = next;
    }
  }
  return new WorkspaceFileIndex(roots, files, complete);
}

/** Files grouped by base name; a URL path's candidates are the files of its base name whose path ends with it. */
export class WorkspaceFileIndex {
  private readonly roots: string[];
  private readonly byName = new Map<string, string[]>();

  constructor(
    roots: readonly string[],
    readonly files: readonly string[],
    /** False when the walk stopped at its bounds. */
    readonly complete = true,
  ) {
    this.roots = roots.map((root) => path.resolve(root));
    for (const file of files) {
      const name = path.basename(file);
      const list = this.byName.get(name);
      if (list) list.push(file);
      else this.byName.set(name, [file]);
    }
  }

  /** Whether another index holds the same files (a new walk that found nothing new keeps the cached answers). */
  sameFilesAs(other: WorkspaceFileIndex): boolean {
    return this.files.length === other.files.length && this.files.every((file, index) => other.files[index] === file);
  }

  /**
   * Files whose path ends with `urlPath` (`assets/app.js`), in the stated order: the output folders first
   * (public, dist, build, out, as a root's top-level folder), then the others; within each, by workspace folder,
   * then the shortest path, then by name.
   */
  endingWith(urlPath: string): string[] {
    const segments = urlPath.split('/').filter(Boolean);
    if (segments.length === 0) return [];
    const tail = path.sep + segments.join(path.sep);
    const matches = (this.byName.get(segments[segments.length - 1]) ?? []).filter((file) => file.endsWith(tail));
    const ranked = matches.map((file) => ({ file, ...this.rankOf(file) }));
    ranked.sort(
      (a, b) => a.folderRank - b.folderRank || a.rootRank - b.rootRank || a.depth - b.depth || a.relative.localeCompare(b.relative),
    );
    return ranked.map((entry) => entry.file);
  }

  private rankOf(file: string): { folderRank: number; rootRank: number; depth: number; relative: string } {
    const rootRank = this.roots.findIndex((root) => file.startsWith(root + path.sep));
    const relative = path.relative(this.roots[rootRank] ?? path.dirname(file), file);
    const [top] = relative.split(path.sep);
    return {
      folderRank: outputFolderRank(top),
      rootRank,
      depth: relative.split(path.sep).length,
      relative,
    };
  }
}
