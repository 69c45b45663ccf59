/**
 * Go frames of a binary built with `-trimpath` (the usual container build) name files by import path:
 * `example.com/shop/internal/cart/cart.go`, not a path on disk, and so does go test's summary of a failed
 * package. A workspace folder's go.mod says which import path is that folder; the standard library's paths have
 * no dot in their first element (`net/http/server.go`).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { foldersHolding } from './fsUtil';

/** A Go module in the workspace: its import path and the folder that is that path. */
export interface GoModule {
  modulePath: string;
  folder: string;
}

/** The `module` directive of a go.mod's text (quoted or not, comments ignored); undefined when there is none. */
export function goModulePath(goMod: string): string | undefined {
  for (const line of goMod.split('\n')) {
    const match = /^\s*module\s+("([^"]+)"|`([^`]+)`|([^\s/]+(?:\/[^\s/]+)*))\s*(\/\/.*)?$/.exec(line);
    if (match) return match[2] ?? match[3] ?? match[4];
  }
  return undefined;
}

/** How deep below a root go.mod files are looked for (`services/cart/go.mod` in a monorepo), and how many folders at most. */
const MAX_MODULE_DEPTH = 3;
const MAX_FOLDERS_READ = 300;
/** Never a module of the workspace's own, and the largest folders to walk. */
const SKIPPED = new Set(['node_modules', 'vendor', 'testdata']);

/** The modules whose go.mod is at a root of the workspace or a few folders below one (a monorepo's services). */
export async function goModulesAt(roots: readonly string[]): Promise<GoModule[]> {
  const folders = await foldersHolding(roots, ['go.mod'], { maxDepth: MAX_MODULE_DEPTH, maxFolders: MAX_FOLDERS_READ, skipped: SKIPPED });
  const modules: GoModule[] = [];
  for (const folder of folders) {
    const text = await fs.readFile(path.join(folder, 'go.mod'), 'utf8').catch(() => undefined);
    const modulePath = text === undefined ? undefined : goModulePath(text);
    if (modulePath) modules.push({ modulePath, folder });
  }
  // The longest import path first, so a nested module wins over the one that contains it.
  return modules.sort((a, b) => b.modulePath.length - a.modulePath.length);
}

/** Workspace paths an import-path file name (`example.com/shop/cart.go`) names, from the modules it falls in. */
export function goModuleFiles(reported: string, modules: readonly GoModule[]): string[] {
  return modules
    .filter((module) => reported.startsWith(`${module.modulePath}/`))
    .map((module) => path.join(module.folder, reported.slice(module.modulePath.length + 1)));
}

/**
 * A `-trimpath` Go file of the standard library (`net/http/server.go`, `runtime/panic.go`) or of a dependency in
 * the module cache (`github.com/gin-gonic/gin@v1.9.1/context.go`): not the app's, unless a workspace module is it.
 */
export function isGoLibraryFile(reported: string, modules: readonly GoModule[]): boolean {
  if (!reported.endsWith('.go') || path.isAbsolute(reported) || /^[a-z][a-z0-9+.-]*:/i.test(reported)) return false;
  if (modules.some((module) => reported.startsWith(`${module.modulePath}/`))) return false;
  const first = reported.split('/', 1)[0];
  return !first.includes('.') || /@v\d[^/]*\//.test(reported);
}
