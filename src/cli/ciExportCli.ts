// `conveyor ci export [folder] [--force]`: writes the workflow, the Jenkinsfile and the CLI (see ciExport.ts).
import { defaultBranchOf } from '../code/startWork';
import { describeFolder } from '../loop/folderStatus';
import { ciExport, writeCiExport } from '../loop/ciExport';

export async function exportCiCommand(
  folder: string,
  options: { force: boolean; cliBundle: string; write: (text: string) => void },
): Promise<number> {
  const status = await describeFolder(folder);
  if (!status.git.root) {
    process.stderr.write(`conveyor: ${status.name} is not in a git repository: CI runs on pushes\n`);
    return 2;
  }
  const branch = await defaultBranchOf(status.git.root);
  const exported = ciExport({ status, defaultBranch: branch });
  const files = await writeCiExport(status.git.root, exported, options.cliBundle, options.force);
  for (const file of files.written) options.write(`wrote ${file}\n`);
  for (const file of files.kept) options.write(`kept ${file} (it exists: --force to replace it)\n`);
  options.write(
    exported.ships
      ? `Pushes run the pipeline; pushes to ${branch} ship.\n`
      : 'Pushes run the pipeline (no delivery configured: nothing ships).\n',
  );
  return 0;
}
