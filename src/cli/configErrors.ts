// Every command that acts on conveyor.yml stops on its errors first: a value the schema refused is dropped
// and its default used, so going on would deploy without the asked-for confirmation, to another namespace,
// or ship another Dockerfile.
import * as path from 'node:path';
import { formatProblem } from '../core/config/configProblem';
import type { FolderStatus } from '../loop/folderStatus';

/** Writes conveyor.yml's errors, each at its line, and says whether there were any. */
export function reportConfigErrors(status: FolderStatus, writeError: (text: string) => void): boolean {
  const errors = status.config.problems.filter((p) => p.severity === 'error');
  for (const p of errors) writeError(`${formatProblem(path.relative(process.cwd(), status.config.file), p)}\n`);
  return errors.length > 0;
}
