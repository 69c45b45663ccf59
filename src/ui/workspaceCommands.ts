import * as vscode from 'vscode';
import { configFromDetection } from '../loop/configFromDetection';
import { writeFileAtomic, readTextIfExists } from '../core/fsUtil';
import { pickFolder } from './folderPicker';
import { statusDocumentUri } from './statusDocument';
import type { WorkspaceModel } from './workspaceModel';

/** Commands about the workspace as a whole: status, configuration, refresh, log. */
export function registerWorkspaceCommands(model: WorkspaceModel, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('conveyor.showStatus', async (folder?: unknown) => {
      const status = await pickFolder(model, folder, 'Show the Conveyor status of which folder?');
      if (!status) return;
      const doc = await vscode.workspace.openTextDocument(statusDocumentUri(status.folder));
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    vscode.commands.registerCommand('conveyor.openConfig', async (folder?: unknown) => {
      const status = await pickFolder(model, folder, 'Open conveyor.yml of which folder?');
      if (!status) return;
      const uri = vscode.Uri.file(status.config.file);
      if ((await readTextIfExists(status.config.file)) === undefined) {
        await writeFileAtomic(status.config.file, configFromDetection(status));
        log.info(`Created ${status.config.file} from detection`);
        void vscode.window.showInformationMessage(`Created conveyor.yml in ${status.name} from what Conveyor detected. Edit it to change stages, image and environments.`);
        await model.reload(status.folder);
      }
      await vscode.window.showTextDocument(uri);
    }),
    vscode.commands.registerCommand('conveyor.refresh', () => model.reloadAll()),
    vscode.commands.registerCommand('conveyor.showLog', () => log.show()),
  );
}
