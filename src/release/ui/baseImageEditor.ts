import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerConveyorCommand } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { isDockerfileName, readBaseImages, unpinned } from '../image/baseImages';
import type { BaseImageLine, ImageReference, ReferenceEdit } from '../image/baseImages';
import type { DigestSourceFor } from '../image/baseImageDigests';
import { releaseEngine } from './releaseEngineLoader';
import type { ReleaseService } from './releaseService';

const PIN_ONE = 'conveyor.release.pinBaseImage';
const PIN_ALL = 'conveyor.release.pinBaseImages';

/**
 * Pinning base images where they are written: a "Pin to digest" CodeLens and quick fix on each unpinned FROM
 * line of a Dockerfile, and Pin Base Images for the whole file. The registry is asked only when the user
 * pins, with the releases' credentials; the edit goes into the open document (undoable, not saved), so no
 * branch is made for it.
 */
const PIN_NEEDS_TRUST = 'Conveyor asks no registry for base image digests (with your credentials)';

export function registerBaseImageEditor(model: WorkspaceModel, service: ReleaseService, log: vscode.LogOutputChannel): vscode.Disposable {
  const host = { model, log };
  const selector: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled', language: 'dockerfile' }];
  // Pinning asks registries named by a workspace file with the user's credentials: trusted workspaces only.
  const isDockerfile = (document: vscode.TextDocument) => vscode.workspace.isTrusted && isDockerfileDocument(model, document);
  const sources = () => releaseEngine().registryDigestSources((registry) => service.credentialsFor(registry));

  return vscode.Disposable.from(
    vscode.languages.registerCodeLensProvider(selector, {
      provideCodeLenses: (document) =>
        isDockerfile(document)
          ? unpinned(readBaseImages(document.getText())).map(
              (from) =>
                new vscode.CodeLens(referenceRange(from), {
                  title: '$(pin) Pin to digest',
                  tooltip: `Pin ${from.reference} to the digest its tag points to now, keeping the tag`,
                  command: PIN_ONE,
                  arguments: [document.uri, from.line],
                }),
            )
          : [],
    }),
    vscode.languages.registerCodeActionsProvider(
      selector,
      {
        provideCodeActions: (document, range) => {
          if (!isDockerfile(document)) return [];
          const pinnable = unpinned(readBaseImages(document.getText()));
          const here = pinnable.filter((from) => from.line >= range.start.line && from.line <= range.end.line);
          const actions = here.map((from) => {
            const action = new vscode.CodeAction(`Pin ${from.reference} to its current digest`, vscode.CodeActionKind.QuickFix);
            action.command = { title: action.title, command: PIN_ONE, arguments: [document.uri, from.line] };
            return action;
          });
          if (pinnable.length > 1) {
            const all = new vscode.CodeAction('Pin every base image to its current digest', vscode.CodeActionKind.Source);
            all.command = { title: all.title, command: PIN_ALL, arguments: [document.uri] };
            actions.push(all);
          }
          return actions;
        },
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.Source] },
    ),
    registerConveyorCommand(
      host,
      PIN_ONE,
      async (_call, uri: vscode.Uri, line: number) => {
        const document = await vscode.workspace.openTextDocument(uri);
        const from = unpinned(readBaseImages(document.getText())).find((candidate) => candidate.line === line);
        if (!from) return;
        await pin(document, [from], sources());
      },
      { failure: 'Cannot pin the base image', needsTrust: PIN_NEEDS_TRUST },
    ),
    registerConveyorCommand(
      host,
      PIN_ALL,
      async (_call, uri?: vscode.Uri) => {
        const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
        if (!document || !isDockerfile(document)) {
          void vscode.window.showInformationMessage('Open a Dockerfile to pin its base images.');
          return;
        }
        const lines = readBaseImages(document.getText());
        const pinnable = unpinned(lines);
        const skipped = lines.filter((from) => from.skip).map((from) => `line ${from.line + 1}: ${from.skip}`);
        log.info(
          `Pin base images of ${document.uri.fsPath}: ${pinnable.length} to pin${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`,
        );
        const pinned = pinnable.length > 0 ? await pin(document, pinnable, sources()) : 0;
        const note = skipped.length > 0 ? ` Skipped ${skipped.length}: ${skipped.join('; ')}.` : '';
        void vscode.window.showInformationMessage(
          pinned > 0 ? `Pinned ${pinned} base image(s) to their current digests.${note}` : `No base image left to pin.${note}`,
        );
      },
      { failure: 'Cannot pin the base images', needsTrust: PIN_NEEDS_TRUST },
    ),
  );
}

/** Asks for every digest first, then makes one edit: a failure on any line leaves the document as it was. */
async function pin(
  document: vscode.TextDocument,
  lines: (BaseImageLine & { image: ImageReference })[],
  sources: DigestSourceFor,
): Promise<number> {
  const version = document.version;
  const file = vscode.workspace.asRelativePath(document.uri, false);
  const edits: ReferenceEdit[] = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Asking the registry for ${lines.length} base image digest(s)` },
    () => Promise.all(lines.map((from) => releaseEngine().pinEdit(from, file, sources))),
  );
  if (document.version !== version) {
    throw new Error(`${file} changed while the registry was asked: pin again.`);
  }
  const edit = new vscode.WorkspaceEdit();
  for (const change of edits) edit.replace(document.uri, referenceRange(change), change.reference);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`${file} could not be edited.`);
  return edits.length;
}

function referenceRange(from: { line: number; start: number; end: number }): vscode.Range {
  return new vscode.Range(from.line, from.start, from.line, from.end);
}

/** A Dockerfile by language or name, or the one conveyor.yml's `image.dockerfile` names, whatever its name. */
function isDockerfileDocument(model: WorkspaceModel, document: vscode.TextDocument): boolean {
  if (document.languageId === 'dockerfile' || isDockerfileName(document.uri.fsPath)) return true;
  return model
    .folders()
    .some((status) => status.image !== undefined && path.resolve(status.folder, status.image.dockerfile) === document.uri.fsPath);
}
