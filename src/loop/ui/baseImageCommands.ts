import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerConveyorCommand } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { ReleaseService } from '../../release/ui/releaseService';
import { loopEngine } from './loopEngineLoader';
import { afterPatchLanded } from './patchLandingUi';
import type { PatchFollowUp } from './patchLandingUi';

/**
 * Refresh Base Images: the folder's pinned FROM lines follow their tags. A moved digest lands on a
 * fix/base-images-<date> branch and goes down the belt (or through the pipeline) like any change; when
 * nothing moved, nothing is made and the user is told so.
 */
export function registerBaseImageCommands(
  model: WorkspaceModel,
  services: { release: ReleaseService } & Omit<PatchFollowUp, 'log'>,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  return registerConveyorCommand(
    { model, log },
    'conveyor.release.refreshBaseImages',
    async ({ status }) => {
      const engine = loopEngine();
      const dockerfiles = await engine.trackedDockerfiles(status.folder, status.image ? [status.image.dockerfile] : []);
      if (dockerfiles.length === 0) {
        void vscode.window.showInformationMessage(`${status.name} has no Dockerfile in git: there are no base images to refresh.`);
        return;
      }
      // The refresh reads the files on disk; an unsaved edit would be lost under the branch switch.
      const unsaved = vscode.workspace.textDocuments.filter(
        (document) => document.isDirty && dockerfiles.some((file) => path.join(status.folder, file) === document.uri.fsPath),
      );
      if (unsaved.length > 0) {
        const names = unsaved.map((document) => vscode.workspace.asRelativePath(document.uri, false)).join(', ');
        void vscode.window.showWarningMessage(`Save or revert ${names} first: base images are refreshed in the files on disk.`);
        return;
      }
      const refresh = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Asking the registries about ${status.name}'s base images` },
        () =>
          engine.refreshBaseImages({
            folder: status.folder,
            dockerfiles,
            sources: engine.registryDigestSources((registry) => services.release.credentialsFor(registry)),
          }),
      );
      if (!refresh.landed) {
        log.info(`${status.name}: ${refresh.summary}`);
        void vscode.window.showInformationMessage(refresh.summary);
        return;
      }
      await model.reload(status.folder);
      await afterPatchLanded(model.statusOf(status.folder) ?? status, refresh.landed, refresh.summary, { ...services, log });
    },
    {
      needsTrust: 'Conveyor refreshes no base images (git, then the pipeline)',
      folder: { placeHolder: 'Refresh the base images of which folder?' },
      failure: 'Base images not refreshed',
      signIn: 'conveyor.release.signIn',
    },
  );
}
