// `.conveyor/secrets-ignore`: how a team tells the secret scan about its false positives, either a whole
// set of files (a path glob) or one finding (its fingerprint, which every secret-scan problem shows).

export const SECRETS_IGNORE_FILE = '.conveyor/secrets-ignore';

export interface SecretsIgnore {
  /** Whether the file at this folder-relative path (with `/` separators) is skipped entirely. */
  ignoresFile(relativePath: string): boolean;
  /** Whether this one finding was accepted as a false positive. */
  ignoresFinding(fingerprint: string): boolean;
}

/** `<relative/path>:<rule-id>:<line>`: stable while the line does not move, short enough to copy. */
export function secretFingerprint(relativePath: string, ruleId: string, line: number): string {
  return `${relativePath}:${ruleId}:${line}`;
}

export function parseSecretsIgnore(text: string): SecretsIgnore {
  const globs: RegExp[] = [];
  const fingerprints = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    if (/^.+:[a-z][a-z0-9-]*:\d+$/.test(entry)) fingerprints.add(entry.replace(/^\.\//, ''));
    else globs.push(globToRegExp(entry));
  }
  return {
    ignoresFile: (relativePath) => globs.some((glob) => glob.test(relativePath)),
    ignoresFinding: (fingerprint) => fingerprints.has(fingerprint),
  };
}

/**
 * A gitignore-like glob: `**` spans folders, `*` and `?` stay within one path segment, a trailing `/`
 * means everything below, and a pattern without `/` matches a file name in any folder. (Node 20's
 * `path.matchesGlob` is experimental and prints a warning on first use.)
 */
export function globToRegExp(glob: string): RegExp {
  let pattern = glob.replace(/^\.?\//, '');
  if (pattern.endsWith('/')) pattern += '**';
  const anyFolder = !pattern.includes('/');
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${anyFolder ? '(?:.*/)?' : ''}${source}$`);
}
