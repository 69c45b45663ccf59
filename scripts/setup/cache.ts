// The project's cache of installed tools and builds, outside the repository: `$CONVEYOR_CACHE` or ~/.cache/conveyor.
import * as os from 'node:os';
import * as path from 'node:path';

/** A folder in the project's cache (`projectCache('kube')`), or the cache itself. */
export function projectCache(...parts: string[]): string {
  return path.join(process.env.CONVEYOR_CACHE ?? path.join(os.homedir(), '.cache', 'conveyor'), ...parts);
}
