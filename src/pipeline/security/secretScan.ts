// The security stage's secret scan: reads the files a commit would publish and reports credentials
// written into them, at their line and column, with a fingerprint to accept a false positive.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { Problem } from '../problem';
import { readTextIfExists } from '../../core/fsUtil';
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
  /** Files read and searched (binary, oversized, lock and minified files are not counted). */
  filesScanned: number;
  /** Findings accepted by `conveyor:allow-secret` or `.conveyor/secrets-ignore`. */
  ignored: number;
}

export const ALLOW_SECRET_MARKER = 'conveyor:allow-secret';
const MAX_FILE_BYTES = 1024 * 1024;
const BINARY_SNIFF_BYTES = 8 * 1024;
const FILES_READ_AT_ONCE = 16;
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'dist', 'out', 'build', 'coverage']);
// Integrity hashes in lockfiles and packed identifiers in minified bundles are high-entropy by design.
const SKIPPED_FILE_NAMES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml']);
const SKIPPED_SUFFIXES = ['.min.js', '.min.css', '.map'];
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
  const result: SecretScanResult = { problems: [], filesScanned: 0, ignored: 0 };
  const candidates = relativePaths.filter((relative) => !isSkippedByName(relative));
  for (let i = 0; i < candidates.length; i += FILES_READ_AT_ONCE) {
    throwIfAborted(signal);
    const batch = candidates.slice(i, i + FILES_READ_AT_ONCE);
    const scanned = await Promise.all(batch.map((relative) => scanFile(root, relative, ignore)));
    for (const file of scanned) {
      if (!file) continue;
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

function isSkippedByName(relativePath: string): boolean {
  const name = path.posix.basename(relativePath);
  return SKIPPED_FILE_NAMES.has(name) || SKIPPED_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

interface FileScan {
  problems: Problem[];
  ignored: number;
}

/** undefined when the file is not text worth reading: gone, a link, a folder (a submodule), binary or too large. */
async function scanFile(root: string, relativePath: string, ignore: SecretsIgnore): Promise<FileScan | undefined> {
  const file = path.join(root, relativePath);
  const text = await readScannableText(file);
  if (text === undefined) return undefined;
  const skipWholeFile = ignore.ignoresFile(relativePath);
  const inSourceCode = SOURCE_CODE_EXTENSIONS.has(path.extname(relativePath).toLowerCase());
  const scan: FileScan = { problems: [], ignored: 0 };
  text.split(/\r?\n/).forEach((line, index) => {
    for (const match of findSecretsInLine(line, { inSourceCode })) {
      const fingerprint = secretFingerprint(relativePath, match.rule.id, index + 1);
      if (skipWholeFile || line.includes(ALLOW_SECRET_MARKER) || ignore.ignoresFinding(fingerprint)) scan.ignored++;
      else scan.problems.push(toProblem(file, index + 1, match, fingerprint));
    }
  });
  return scan;
}

async function readScannableText(file: string): Promise<string | undefined> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat?.isFile() || stat.size > MAX_FILE_BYTES) return undefined;
  const content = await fs.readFile(file).catch(() => undefined);
  if (!content || content.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return undefined;
  return content.toString('utf8');
}

function toProblem(file: string, line: number, match: SecretMatch, fingerprint: string): Problem {
  const preview = `${match.secret.slice(0, 4)}…`;
  return {
    file,
    line,
    column: match.start + 1,
    endLine: line,
    endColumn: match.start + match.secret.length + 1,
    severity: 'error',
    code: match.rule.id,
    source: 'secret-scan',
    message:
      `${match.rule.description} (${preview}). Remove it and rotate it; if it is not a secret, add ` +
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
