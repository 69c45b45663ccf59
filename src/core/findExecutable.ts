// Finds a command on a PATH the way a shell would, without running a shell: tools that are optional
// (terraform, kustomize, kubectl) are looked up first, so their absence is a message, not a spawn error.
import { accessSync, constants, promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The first executable regular file called `name` in `pathVariable`'s directories, if any; on Windows
 * `name` with one of PATHEXT's extensions (kubectl.exe), as cmd.exe looks it up.
 */
export async function findExecutable(
  name: string,
  pathVariable = process.env.PATH ?? '',
  platform: NodeJS.Platform = process.platform,
): Promise<string | undefined> {
  const names =
    platform === 'win32'
      ? (process.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD')
          .split(';')
          .filter(Boolean)
          .map((ext) => name + ext.toLowerCase())
      : [name];
  for (const dir of pathVariable.split(platform === 'win32' ? ';' : path.delimiter).filter(Boolean)) {
    for (const candidate of names.map((n) => path.join(dir, n))) {
      try {
        await fs.access(candidate, fs.constants.X_OK);
        if ((await fs.stat(candidate)).isFile()) return candidate;
      } catch {
        // Not in this directory.
      }
    }
  }
  return undefined;
}

/** Whether `file` is a regular file this process may execute; synchronous, for a decision made right before a spawn. */
export function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
