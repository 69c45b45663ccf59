/**
 * Built JavaScript back to its source: finds a file's source map (`//# sourceMappingURL=`, inline `data:`
 * or a sibling `.map`), parses it once per file version, and looks positions up with trace-mapping.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlattenMap, GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor } from '@jridgewell/trace-mapping';
import type { TraceMap } from '@jridgewell/trace-mapping';
import { HttpClient } from '../../core/http/httpClient';
import { isLoopbackHost } from '../../core/http/tokenHost';

export interface FileInfo {
  mtimeMs: number;
  size: number;
}

/**
 * `stat` results kept for a short while: decorations map hundreds of frames in the same few files, and
 * asking the disk each time would dominate. `invalidate` forgets sooner (e.g. from a file watcher).
 */
export const DEFAULT_FILE_INFO_TTL_MS = 2_000;

export class FileInfoCache {
  private readonly entries = new Map<string, { at: number; info: Promise<FileInfo | undefined> }>();

  constructor(private readonly ttlMs = DEFAULT_FILE_INFO_TTL_MS) {}

  /** The file's version, or undefined when it is missing or not a regular file. */
  info(file: string): Promise<FileInfo | undefined> {
    const now = Date.now();
    const cached = this.entries.get(file);
    if (cached && now - cached.at < this.ttlMs) return cached.info;
    const info = fs.stat(file).then(
      (stat) => (stat.isFile() ? { mtimeMs: stat.mtimeMs, size: stat.size } : undefined),
      () => undefined,
    );
    this.entries.set(file, { at: now, info });
    return info;
  }

  invalidate(file?: string): void {
    if (file === undefined) this.entries.clear();
    else this.entries.delete(file);
  }
}

/** A position in original source. `source` is the map's source resolved against the map's location (a path or a URL). */
export interface OriginalPosition {
  source: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

const SOURCE_MAPPED_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.jsx']);

export class SourceMapCache {
  private readonly maps = new Map<string, { version: string; map: Promise<TraceMap | undefined> }>();

  constructor(readonly files = new FileInfoCache()) {}

  /** Whether a file is the kind that can carry a source map. */
  static canHaveSourceMap(file: string): boolean {
    return SOURCE_MAPPED_EXTENSIONS.has(path.extname(file).toLowerCase());
  }

  /**
   * Where a generated position came from. `line` and `column` are 1-based, as Sentry reports them
   * (trace-mapping wants a 0-based column, and answers with one); no column means the line's first mapping.
   */
  async originalPosition(generatedFile: string, line: number, column?: number): Promise<OriginalPosition | undefined> {
    const map = await this.mapFor(generatedFile);
    return map && positionIn(map, line, column);
  }

  /** The parsed map of a generated file; parsed again only when the file changes. */
  mapFor(generatedFile: string): Promise<TraceMap | undefined> {
    return this.files.info(generatedFile).then((info) => {
      if (!info) return undefined;
      const version = `${info.mtimeMs}:${info.size}`;
      const cached = this.maps.get(generatedFile);
      if (cached?.version === version) return cached.map;
      const map = loadSourceMap(generatedFile).catch(() => undefined);
      this.maps.set(generatedFile, { version, map });
      return map;
    });
  }

  invalidate(file?: string): void {
    this.files.invalidate(file);
    if (file === undefined) this.maps.clear();
    else this.maps.delete(file);
  }
}

/** A served module is read once per URL (a dev server gives an edited file a new `?t=`) for this long. */
const SERVED_MAP_TTL_MS = 60_000;
const MAX_SERVED_MAPS = 200;
const SERVED_TIMEOUT_MS = 3_000;

/**
 * Source maps of modules a dev server on this machine serves (Vite's `/src/cart.ts?t=…` is the TypeScript
 * compiled on the fly, its map inline in the answer): the browser's line is the compiled one, so the map is
 * asked of the server. Only loopback hosts are asked; a stopped server means no map.
 */
export class ServedSourceMaps {
  private readonly maps = new Map<string, { at: number; map: Promise<TraceMap | undefined> }>();
  private readonly http = new HttpClient({ service: 'dev server', timeoutMs: SERVED_TIMEOUT_MS });

  /** Where a position of the served module came from; `source` is resolved against the module's URL. */
  async originalPosition(url: string, line: number, column?: number): Promise<OriginalPosition | undefined> {
    const map = await this.mapFor(url);
    return map && positionIn(map, line, column);
  }

  private mapFor(url: string): Promise<TraceMap | undefined> {
    const now = Date.now();
    const cached = this.maps.get(url);
    if (cached && now - cached.at < SERVED_MAP_TTL_MS) return cached.map;
    if (this.maps.size >= MAX_SERVED_MAPS) this.maps.clear();
    const map = this.load(url).catch(() => undefined);
    this.maps.set(url, { at: now, map });
    return map;
  }

  private async load(url: string): Promise<TraceMap | undefined> {
    if (!isLoopbackHost(new URL(url).hostname)) return undefined;
    const script = await (await this.http.send({ url, purpose: `read ${url}` })).text();
    const mapUrl = sourceMappingUrl(script);
    if (!mapUrl) return undefined;
    if (mapUrl.startsWith('data:')) return parseMap(decodeDataUrl(mapUrl), url);
    const resolved = new URL(mapUrl, url).href;
    if (!isLoopbackHost(new URL(resolved).hostname)) return undefined;
    return parseMap(await (await this.http.send({ url: resolved, purpose: `read ${resolved}` })).text(), resolved);
  }
}

function positionIn(map: TraceMap, line: number, column?: number): OriginalPosition | undefined {
  const needle = { line, column: column !== undefined ? column - 1 : 0 };
  let found = originalPositionFor(map, { ...needle, bias: GREATEST_LOWER_BOUND });
  if (found.source === null) found = originalPositionFor(map, { ...needle, bias: LEAST_UPPER_BOUND });
  if (found.source === null) return undefined;
  return { source: found.source, line: found.line, column: found.column + 1 };
}

/** The last `//# sourceMappingURL=` of a script (bundles can contain earlier ones inside strings). */
export function sourceMappingUrl(script: string): string | undefined {
  const pattern = /(?:\/\/|\/\*)[#@]\s*sourceMappingURL\s*=\s*([^\s*'"]+)/g;
  let last: string | undefined;
  for (const match of script.matchAll(pattern)) last = match[1];
  return last;
}

async function loadSourceMap(generatedFile: string): Promise<TraceMap | undefined> {
  const script = await fs.readFile(generatedFile, 'utf8');
  const url = sourceMappingUrl(script);
  if (url?.startsWith('data:')) return parseMap(decodeDataUrl(url), generatedFile);
  const mapFile = url ? mapPathFromUrl(url, generatedFile) : `${generatedFile}.map`;
  if (!mapFile) return undefined;
  const text = await fs.readFile(mapFile, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseMap(text, mapFile);
}

function mapPathFromUrl(url: string, generatedFile: string): string | undefined {
  if (url.startsWith('file:')) return fileURLToPath(url);
  // A map served over HTTP is not on this disk.
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return undefined;
  return path.resolve(path.dirname(generatedFile), decodeURIComponent(url.split(/[?#]/, 1)[0]));
}

function decodeDataUrl(url: string): string {
  const comma = url.indexOf(',');
  const meta = url.slice(5, comma);
  const data = url.slice(comma + 1);
  return meta.endsWith(';base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data);
}

/** Sources resolve against `mapUrl` (the map file, or the script for an inline map), as browsers do. */
function parseMap(text: string, mapUrl: string): TraceMap | undefined {
  // Some servers prefix maps with `)]}'` against JSON hijacking; the spec says to skip that line.
  const json = text.startsWith(")]}'") ? text.slice(text.indexOf('\n') + 1) : text;
  try {
    return new FlattenMap(json, mapUrl);
  } catch {
    return undefined;
  }
}
