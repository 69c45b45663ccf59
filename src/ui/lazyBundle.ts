import * as path from 'node:path';

const loaded = new Map<string, unknown>();

/**
 * A bundle built next to dist/extension.js (see esbuild.mjs), required on first use so its dependencies
 * (simple-git, dockerode, parsers) cost nothing at activation. The path is computed, so esbuild keeps the
 * bundle a separate file.
 */
export function loadBundle<T>(fileName: string): T {
  if (!loaded.has(fileName)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded.set(fileName, require(path.join(__dirname, fileName)));
  }
  return loaded.get(fileName) as T;
}
