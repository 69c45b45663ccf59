// The npm package a release publishes: a package.json with a name and a version, without `"private": true`, and the
// registry it goes to (conveyor.yml, else the package's publishConfig, else a local Verdaccio).
import * as path from 'node:path';
import * as semver from 'semver';
import type { ConveyorConfig } from '../../core/config/conveyorConfig';
import { readTextIfExists } from '../../core/fsUtil';

/** Registry used when none is configured: a local Verdaccio, as 127.0.0.1:5000 is the local image registry. */
export const DEFAULT_NPM_REGISTRY = 'http://127.0.0.1:4873/';

export interface PackageDefinition {
  name: string;
  /** The registry URL, with the trailing slash npm writes. */
  registry: string;
  registrySource: 'conveyor.yml' | 'publishConfig' | 'default';
  /** conveyor.yml's `release.npm.distTag`; otherwise it follows from the version (distTagFor). */
  distTag?: string;
}

/**
 * The folder's publishable package, or undefined (no package.json, no name, no version, private, or not JSON).
 * Without a `version` package.json is not the version file (versionFile.ts reads a VERSION file or the tag
 * instead, and never adds one), so the release would not write one and npm could not pack it: not publishable.
 * A version that is not semver is refused when planning, as for any version file.
 */
export async function resolvePackage(folder: string, config: ConveyorConfig): Promise<PackageDefinition | undefined> {
  const text = await readTextIfExists(path.join(folder, 'package.json'));
  if (text === undefined) return undefined;
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    // The pipeline's npm stages report a broken package.json; here it just publishes nothing.
    return undefined;
  }
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  const {
    name,
    version,
    private: isPrivate,
    publishConfig,
  } = manifest as { name?: unknown; version?: unknown; private?: unknown; publishConfig?: { registry?: unknown } };
  if (typeof name !== 'string' || name === '' || isPrivate === true) return undefined;
  if (typeof version !== 'string' || version.trim() === '') return undefined;
  const configured = config.release?.npm;
  const published = typeof publishConfig?.registry === 'string' ? publishConfig.registry : undefined;
  const [registry, registrySource] = configured?.registry
    ? [configured.registry, 'conveyor.yml' as const]
    : published
      ? [published, 'publishConfig' as const]
      : [DEFAULT_NPM_REGISTRY, 'default' as const];
  return { name, registry: withTrailingSlash(registry), registrySource, distTag: configured?.distTag };
}

/** The package as a release publishes it: where, under which dist-tag. */
export interface PackageTarget {
  name: string;
  registry: string;
  registrySource: PackageDefinition['registrySource'];
  distTag: string;
}

export function packageTarget(definition: PackageDefinition, version: string): PackageTarget {
  const { name, registry, registrySource } = definition;
  return { name, registry, registrySource, distTag: distTagFor(version, definition.distTag) };
}

/** The configured dist-tag, else `latest`, or `next` for a prerelease (so `npm install` keeps the stable one). */
export function distTagFor(version: string, configured?: string): string {
  if (configured) return configured;
  return semver.prerelease(version) ? 'next' : 'latest';
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
