/**
 * Which Sentry SDKs a folder's app depends on, from the manifests of the languages Sentry has SDKs for: an app
 * that has one can send its errors to the local receiver, which then starts by itself. Names are the packages'
 * own (`@sentry/node`, `sentry-sdk`, `github.com/getsentry/sentry-go`). Reading is cheap and never throws.
 */
import * as path from 'node:path';
import { readTextIfExists } from '../core/fsUtil';

type ManifestReader = (text: string) => string[];

/** Each manifest's Sentry packages, by file name at the folder's root. */
const MANIFESTS: Record<string, ManifestReader> = {
  'package.json': (text) => jsonKeys(text, ['dependencies', 'devDependencies']).filter((name) => name.startsWith('@sentry/')),
  'go.mod': (text) => matches(text, /^\s*(?:require\s+)?(github\.com\/getsentry\/sentry-go(?:\/[\w./-]+)?)\s+v\S+/gm),
  'requirements.txt': pythonRequirements,
  'pyproject.toml': (text) => matches(text, /["'\s]((?:sentry[-_]sdk))\s*(?:\[[^\]]*\])?\s*(?:[<>=!~^"'\s]|$)/gim).map(pythonName),
  Pipfile: (text) => matches(text, /^\s*["']?(sentry[-_]sdk)["']?\s*=/gim).map(pythonName),
  Gemfile: (text) => matches(text, /^\s*gem\s+["'](sentry-(?:ruby|rails|sidekiq|resque|delayed_job|raven))["']/gm),
  'composer.json': (text) => jsonKeys(text, ['require', 'require-dev']).filter((name) => name.startsWith('sentry/')),
  'Cargo.toml': (text) => matches(text, /^\s*(sentry(?:-[\w-]+)?)\s*=/gm),
  'pom.xml': (text) => matches(text, /<groupId>\s*io\.sentry\s*<\/groupId>\s*<artifactId>\s*([\w.-]+)\s*<\/artifactId>/g),
  'build.gradle': gradleSentry,
  'build.gradle.kts': gradleSentry,
};

/** The manifests read, by file name at the folder's root (watched, so a newly added SDK is seen). */
export const SENTRY_MANIFESTS: readonly string[] = Object.keys(MANIFESTS);

/** The Sentry SDK packages the folder's app depends on, sorted; none when there are no manifests. */
export async function sentryDependencies(folder: string): Promise<string[]> {
  const found = await Promise.all(
    Object.entries(MANIFESTS).map(async ([file, read]) => {
      const text = await readTextIfExists(path.join(folder, file)).catch(() => undefined);
      return text === undefined ? [] : read(text);
    }),
  );
  return [...new Set(found.flat())].sort();
}

/** The Sentry packages one manifest names (exported for tests). */
export function sentryPackagesIn(file: string, text: string): string[] {
  return MANIFESTS[file]?.(text) ?? [];
}

function matches(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((match) => match[1]);
}

function jsonKeys(text: string, fields: string[]): string[] {
  try {
    const manifest = JSON.parse(text) as Record<string, unknown>;
    return fields.flatMap((field) => {
      const value = manifest[field];
      return value && typeof value === 'object' ? Object.keys(value) : [];
    });
  } catch {
    return [];
  }
}

/** `sentry-sdk[flask]==1.9.10`, `sentry_sdk>=1`; comments and options (`-r base.txt`) are not packages. */
function pythonRequirements(text: string): string[] {
  return matches(text, /^\s*(sentry[-_]sdk)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;#\s]|$)/gim).map(pythonName);
}

/** Python package names are compared with `-` and `_` alike, case-insensitively (PEP 503). */
function pythonName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

function gradleSentry(text: string): string[] {
  return matches(text, /["']io\.sentry:([\w.-]+)(?::[^"']*)?["']/g);
}
