// Finds a command on a PATH the way a shell would, without running a shell: tools that are optional
// (terraform, kustomize, kubectl) are looked up first, so their absence is a message, not a spawn error.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The first executable regular file called `name` in `pathVariable`'s directories, if any. */
export async function findExecutable(name: string, pathVariable = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of pathVariable.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      await fs.access(candidate, fs.constants.X_OK);
      if ((await fs.stat(candidate)).isFile()) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
