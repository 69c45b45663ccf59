// The security stage's secret scan: reads the files a commit would publish and reports credentials
// written into them, at their line and column, with a fingerprint to accept a false positive.
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { Problem } from '../problem';
import { readTextIfExists } from '../../core/fsUtil';
import { LineSegmenter } from './lineSegments';
import type { LineSegment } from './lineSegments';
import { findSecretsInLine } from './secretRules';
import type { SecretMatch } from './secretRules';
import { parseSecretsIgnore, secretFingerprint, SECRETS_IGNORE_FILE } from './secretsIgnore';
import type { SecretsIgnore } from './secretsIgnore';
import { messageOf } from '../../core/errors';

export interface SecretScanOptions {
  /** Folder-relative or absolute paths to scan instead of the tracked files (e.g. the staged ones). */
  files?: string[];
  signal?: AbortSignal;
}

export interface SecretScanResult {
  problems: Problem[];
  /** Files read and searched. */
  filesScanned: number;
  /** Findings accepted by `conveyor:allow-secret` or `.conveyor/secrets-ignore`. */
  ignored: number;
  /** Files not searched, with why: the stage output says so rather than passing them over in silence. */
  skipped: SkippedFile[];
}

export type SkipReason = 'binary' | 'too large' | 'not a file';

export interface SkippedFile {
  /** Folder-relative, with `/`. */
  file: string;
  reason: SkipReason;
}

export const ALLOW_SECRET_MARKER = 'conveyor:allow-secret';
/** GitHub refuses files over 100 MiB, so a larger one is not about to be published. */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;
const BINARY_SNIFF_BYTES = 8 * 1024;
const READ_CHUNK_BYTES = 64 * 1024;
const FILES_READ_AT_ONCE = 16;
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'dist', 'out', 'build', 'coverage']);
// Languages whose string literals are always quoted: there, `token = x` assigns a variable, not a secret.
const SOURCE_CODE_EXTENSIONS = new Set(
  'js jsx mjs cjs ts tsx mts cts vue svelte py go java kt kts scala groovy cs fs rb php rs swift dart c h cc cpp hpp m'
    .split(' ')
    .map((ext) => `.${ext}`),
);

export async function scanSecrets(folder: string, options: SecretScanOptions = {}): Promise<SecretScanResult> {
  const { signal } = options;
  const root = path.resolve(folder);
  const ignore = parseSecretsIgnore((await readTextIfExists(path.join(root, SECRETS_IGNORE_FILE))) ?? '');
  const relativePaths = options.files ? options.files.map((file) => toRelative(root, file)) : await listFilesToScan(root, signal);
  const result: SecretScanResult = { problems: [], filesScanned: 0, ignored: 0, skipped: [] };
  for (let i = 0; i < relativePaths.length; i += FILES_READ_AT_ONCE) {
    throwIfAborted(signal);
    const batch = relativePaths.slice(i, i + FILES_READ_AT_ONCE);
    const scanned = await Promise.all(batch.map((relative) => scanFile(root, relative, ignore)));
    for (const [index, file] of scanned.entries()) {
      if ('skipped' in file) {
        result.skipped.push({ file: batch[index], reason: file.skipped });
        continue;
      }
      result.filesScanned++;
      result.problems.push(...file.problems);
      result.ignored += file.ignored;
    }
  }
  throwIfAborted(signal);
  return result;
}

/** Tracked files when the folder is in a git repository (untracked and ignored files never leave the machine). */
async function listFilesToScan(root: string, signal: AbortSignal | undefined): Promise<string[]> {
  try {
    const output = await simpleGit({ baseDir: root, abort: signal }).raw(['ls-files', '-z']);
    return output.split('\0').filter((entry) => entry !== '');
  } catch (error) {
    throwIfAborted(signal);
    if (!isNotARepository(error)) throw error;
    return walkFolder(root, '', signal);
  }
}

function isNotARepository(error: unknown): boolean {
  const message = messageOf(error);
  // Also covers git not being installed: the folder can still be walked.
  return /not a git repository|ENOENT|spawn git/i.test(message);
}

async function walkFolder(root: string, relativeDir: string, signal: AbortSignal | undefined): Promise<string[]> {
  throwIfAborted(signal);
  const entries = (await fs.readdir(path.join(root, relativeDir), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) files.push(...(await walkFolder(root, relative, signal)));
    else if (entry.isFile()) files.push(relative);
  }
  return files;
}

interface FileScan {
  problems: Problem[];
  ignored: number;
}

/**
 * Streams the file line by line (long lines in windows), so its size costs time, not memory. Lockfiles,
 * minified bundles and source maps are read too: a token in a registry URL or a bundled config leaks all
 * the same.
 */
async function scanFile(root: string, relativePath: string, ignore: SecretsIgnore): Promise<FileScan | { skipped: SkipReason }> {
  const file = path.join(root, relativePath);
  const skipped = await skipReasonOf(file);
  if (skipped) return { skipped };
  const skipWholeFile = ignore.ignoresFile(relativePath);
  const inSourceCode = SOURCE_CODE_EXTENSIONS.has(path.extname(relativePath).toLowerCase());
  const scan: FileScan = { problems: [], ignored: 0 };
  const segmenter = new LineSegmenter((segment: LineSegment) => {
    for (const match of findSecretsInLine(segment.text, { inSourceCode })) {
      if (match.start < segment.acceptFrom || match.start >= segment.acceptTo) continue;
      const fingerprint = secretFingerprint(relativePath, match.rule.id, segment.line);
      if (skipWholeFile || segment.text.includes(ALLOW_SECRET_MARKER) || ignore.ignoresFinding(fingerprint)) scan.ignored++;
      else scan.problems.push(toProblem(file, segment.line, segment.offset + match.start, match, fingerprint));
    }
  });
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES }))
      segmenter.push(chunk as string);
  } catch {
    return { skipped: 'not a file' };
  }
  segmenter.end();
  return scan;
}

/** Why a file is not searched, or undefined when it is text worth reading. */
async function skipReasonOf(file: string): Promise<SkipReason | undefined> {
  // Links and folders (submodules) are not content; a tracked file deleted from the work tree has none.
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat?.isFile()) return 'not a file';
  if (stat.size > MAX_FILE_BYTES) return 'too large';
  const head = await readHead(file).catch(() => undefined);
  if (!head) return 'not a file';
  return isBinary(head) ? 'binary' : undefined;
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(BINARY_SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, BINARY_SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A NUL in the first 8 KiB that is not also UTF-8 text: text files with a stray NUL are still read. */
export function isBinary(head: Buffer): boolean {
  if (!head.includes(0)) return false;
  try {
    // `stream` accepts a character cut off at the end of the sniffed bytes.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return false;
  } catch {
    return true;
  }
}

/** The kind and the place only: not one character of the secret, which the output and logs would keep. */
function toProblem(file: string, line: number, start: number, match: SecretMatch, fingerprint: string): Problem {
  return {
    file,
    line,
    column: start + 1,
    endLine: line,
    endColumn: start + match.secret.length + 1,
    severity: 'error',
    code: match.rule.id,
    source: 'secret-scan',
    message:
      `${match.rule.description}. Remove it and rotate it; if it is not a secret, add ` +
      `\`${fingerprint}\` to ${SECRETS_IGNORE_FILE} or put ${ALLOW_SECRET_MARKER} in a comment on the line.`,
  };
}

function toRelative(root: string, file: string): string {
  return path.relative(root, path.resolve(root, file)).split(path.sep).join('/');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const error = new Error('The secret scan was cancelled.');
  error.name = 'AbortError';
  throw error;
}
