import * as vscode from 'vscode';
import { configFromDetection } from '../loop/configFromDetection';
import { writeFileAtomic, readTextIfExists } from '../core/fsUtil';
import { registerConveyorCommand } from './commands';
import { statusDocumentUri } from './statusDocument';
import type { WorkspaceModel } from './workspaceModel';

/** Commands about the workspace as a whole: status, configuration, refresh, log. */
export function registerWorkspaceCommands(model: WorkspaceModel, log: vscode.LogOutputChannel): vscode.Disposable {
  const host = { model, log };
  return vscode.Disposable.from(
    registerConveyorCommand(
      host,
      'conveyor.showStatus',
      async ({ status }) => {
        const doc = await vscode.workspace.openTextDocument(statusDocumentUri(status.folder));
        await vscode.window.showTextDocument(doc, { preview: true });
      },
      { folder: { placeHolder: 'Show the Conveyor status of which folder?' } },
    ),
    registerConveyorCommand(
      host,
      'conveyor.openConfig',
      async ({ status }) => {
        const uri = vscode.Uri.file(status.config.file);
        if ((await readTextIfExists(status.config.file)) === undefined) {
          await writeFileAtomic(status.config.file, configFromDetection(status));
          log.info(`Created ${status.config.file} from detection`);
          void vscode.window.showInformationMessage(
            `Created conveyor.yml in ${status.name} from what Conveyor detected. Edit it to change stages, image and environments.`,
          );
          await model.reload(status.folder);
        }
        await vscode.window.showTextDocument(uri);
      },
      { folder: { placeHolder: 'Open conveyor.yml of which folder?' } },
    ),
    registerConveyorCommand(host, 'conveyor.refresh', () => model.reloadAll()),
    registerConveyorCommand(host, 'conveyor.showLog', () => log.show()),
  );
}
