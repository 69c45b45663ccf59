// Where a project keeps its version, and how to change it without reformatting the file: a release commit
// should show a one-line diff, not a re-indented package.json.
import * as path from 'node:path';
import * as semver from 'semver';
import { readTextIfExists, writeFileAtomic } from '../../core/fsUtil';

export interface ProjectVersion {
  /** Absolute path of the file the version was read from. */
  file: string;
  version: string;
  kind: 'package.json' | 'VERSION';
}

/** npm lockfiles repeat the package's version; they are kept in step when present. */
const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];

/**
 * package.json's `version`, else the first line of a VERSION file. Undefined when the project has neither:
 * Conveyor does not invent a version file, the release is then recorded by its tag alone.
 */
export async function readProjectVersion(folder: string): Promise<ProjectVersion | undefined> {
  const packageFile = path.join(folder, 'package.json');
  const packageText = await readTextIfExists(packageFile);
  if (packageText !== undefined) {
    const version = packageVersion(packageText, packageFile);
    if (version !== undefined) return { file: packageFile, version, kind: 'package.json' };
  }
  const versionFile = path.join(folder, 'VERSION');
  const versionText = await readTextIfExists(versionFile);
  const version = versionText?.split(/\r?\n/, 1)[0].trim();
  return version ? { file: versionFile, version, kind: 'VERSION' } : undefined;
}

/**
 * Writes `version` into the file readProjectVersion finds (and package.json's lockfiles), changing only the
 * version text. Returns the files written, absolute; none when the project has no version file.
 */
export async function writeProjectVersion(folder: string, version: string): Promise<string[]> {
  if (!semver.valid(version)) throw new Error(`Cannot write version "${version}": it is not valid semver.`);
  const current = await readProjectVersion(folder);
  if (!current) return [];
  const text = (await readTextIfExists(current.file)) ?? '';
  if (current.kind === 'VERSION') {
    await writeFileAtomic(current.file, replaceFirstLine(text, version));
    return [current.file];
  }
  // Every edit is computed before anything is written, so a broken lockfile leaves package.json untouched.
  const updates: [string, string][] = [[current.file, setPackageVersion(text, version)]];
  for (const name of LOCKFILES) {
    const lockFile = path.join(folder, name);
    const lockText = await readTextIfExists(lockFile);
    const updated = lockText === undefined ? undefined : setLockfileVersion(lockText, version, lockFile);
    if (updated !== undefined && updated !== lockText) updates.push([lockFile, updated]);
  }
  for (const [file, content] of updates) await writeFileAtomic(file, content);
  return updates.map(([file]) => file);
}

/** package.json text with its top-level `version` replaced; nested `version` keys are left alone. */
export function setPackageVersion(text: string, version: string): string {
  return replaceJsonString(text, ['version'], version, 'package.json');
}

/** Lockfile text with the top-level `version` and `packages[""].version` replaced, when present. */
export function setLockfileVersion(text: string, version: string, label = 'package-lock.json'): string {
  const top = replaceJsonString(text, ['version'], version, label);
  return replaceJsonString(top, ['packages', '', 'version'], version, label);
}

function packageVersion(text: string, file: string): string | undefined {
  const parsed = parseJson(text, file) as { version?: unknown } | null;
  return typeof parsed?.version === 'string' && parsed.version.trim() ? parsed.version.trim() : undefined;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}): fix it before releasing.`, { cause: error });
  }
}

function replaceFirstLine(text: string, line: string): string {
  const end = text.search(/\r?\n/);
  return end < 0 ? line : line + text.slice(end);
}

function replaceJsonString(text: string, keys: readonly string[], value: string, label: string): string {
  parseJson(text, label);
  const range = locateJsonString(text, keys);
  return range ? text.slice(0, range.start) + JSON.stringify(value) + text.slice(range.end) : text;
}

interface TextRange {
  start: number;
  end: number;
}

/**
 * Offsets of the string (quotes included) at `keys`, object keys from the root, found by walking the JSON
 * text itself so that everything around it stays byte for byte. The text must be valid JSON. Like
 * JSON.parse, the last of duplicate keys wins.
 */
export function locateJsonString(text: string, keys: readonly string[]): TextRange | undefined {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /[\s\uFEFF]/.test(text[i])) i++;
  };
  const readString = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // Returns the range when the value at `depth` lies on `keys` (onPath) and holds the target.
  const readValue = (depth: number, onPath: boolean): TextRange | undefined => {
    skipSpace();
    const char = text[i];
    if (char === '"') {
      const start = i;
      readString();
      return onPath && depth === keys.length ? { start, end: i } : undefined;
    }
    if (char === '{' || char === '[') return readContainer(depth, onPath, char === '{');
    while (i < text.length && !/[\s,}\]]/.test(text[i])) i++;
    return undefined;
  };
  const readContainer = (depth: number, onPath: boolean, isObject: boolean): TextRange | undefined => {
    const close = isObject ? '}' : ']';
    let found: TextRange | undefined;
    i++;
    skipSpace();
    while (text[i] !== close) {
      let childOnPath = false;
      if (isObject) {
        const key = readString();
        childOnPath = onPath && depth < keys.length && key === keys[depth];
        skipSpace();
        i++; // the colon
      }
      found = readValue(depth + 1, childOnPath) ?? found;
      skipSpace();
      if (text[i] === ',') i++;
      skipSpace();
    }
    i++;
    return found;
  };
  return readValue(0, true);
}
