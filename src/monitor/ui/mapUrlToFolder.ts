import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { setConfigMapEntry } from '../../core/config/configEdit';
import { CONFIG_FILE_NAME } from '../../core/config/conveyorConfig';
import { refOf } from '../../core/viewNode';
import { registerConveyorCommand } from '../../ui/commands';
import type { CommandHost } from '../../ui/commands';
import { servedUrl } from '../errors/errorModel';
import { outputFolderRank } from '../errors/workspaceFiles';
import type { ErrorService } from './errorService';
import { frameWhere, unmappedText, urlFolderPrefix } from './monitorNodes';

const NOT_SERVED = new Set(['node_modules', '.git']);

interface FolderChoice extends vscode.QuickPickItem {
  /** The workspace folder whose conveyor.yml gets the mapping, and the chosen folder inside it. */
  root?: string;
  dir?: string;
}

/**
 * Map URL to Folder…: for a frame served over HTTP that found no file, writes `sentry.pathMappings` in
 * conveyor.yml so the URL's folder is a folder of the workspace. Run on an unmapped frame row, from the
 * hover (issue id and frame index), or from the command palette (a pick of the unmapped frames).
 */
export function registerMapUrlToFolder(host: CommandHost, errors: ErrorService): vscode.Disposable {
  return registerConveyorCommand(
    host,
    'conveyor.errors.mapUrlToFolder',
    async (_call, first?: unknown, frameIndex?: unknown) => {
      const url = await frameUrl(errors, first, frameIndex);
      if (!url) return;
      const prefix = urlFolderPrefix(url);
      const choice = await pickFolder(host, prefix);
      if (!choice?.root || !choice.dir) return;
      const target = path.relative(choice.root, choice.dir) || '.';
      const file = await setConfigMapEntry(choice.root, ['sentry', 'pathMappings'], prefix, target);
      await host.model.reload(choice.root);
      void vscode.window.showInformationMessage(
        `Mapped ${prefix} to ${target === '.' ? 'the folder' : `${target}/`} in ${vscode.workspace.asRelativePath(file)} (sentry.pathMappings).`,
      );
    },
    { failure: 'Could not map the URL' },
  );
}

/** The URL of the frame named by a row, by an issue id and frame index, or picked among the unmapped ones. */
async function frameUrl(errors: ErrorService, first: unknown, frameIndex: unknown): Promise<string | undefined> {
  const ref = refOf(first, ['error-frame']);
  const [id, index] = ref ? [ref.id, ref.frameIndex] : [first, frameIndex];
  if (typeof id === 'string' && typeof index === 'number') {
    const frame = errors.issue(id)?.latestEvent?.frames[index];
    return frame && servedUrl(frame);
  }
  const unmapped = errors.unmappedUrlFrames();
  if (unmapped.length === 0) {
    void vscode.window.showInformationMessage('Every frame served over HTTP maps to a file of the workspace: there is no URL to map.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    unmapped.map((note) => ({
      label: frameWhere(note.frame, true),
      description: `${note.issue.shortId} ${note.issue.title}`,
      detail: note.resolution.unmapped && unmappedText(note.resolution.unmapped, (file) => vscode.workspace.asRelativePath(file)),
      url: note.url,
    })),
    { title: 'Map URL to Folder', placeHolder: 'Which unmapped frame?', matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.url;
}

/** The workspace folders and their top-level folders (output folders first), or any folder inside the workspace. */
async function pickFolder(host: CommandHost, prefix: string): Promise<FolderChoice | undefined> {
  const choices: FolderChoice[] = [];
  for (const { folder, name } of host.model.folders()) {
    const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => []);
    const dirs = entries.filter((e) => e.isDirectory() && !NOT_SERVED.has(e.name)).map((e) => e.name);
    dirs.sort((a, b) => outputFolderRank(a) - outputFolderRank(b) || a.localeCompare(b));
    choices.push({ label: '$(root-folder) .', description: name, root: folder, dir: folder });
    for (const dir of dirs) choices.push({ label: `$(folder) ${dir}/`, description: name, root: folder, dir: path.join(folder, dir) });
  }
  choices.push({ label: '$(folder-opened) Other Folder…' });
  const picked = await vscode.window.showQuickPick(choices, {
    title: `Map ${prefix} to Folder`,
    placeHolder: `The folder whose files the server serves at ${prefix} (written to ${CONFIG_FILE_NAME})`,
    matchOnDescription: true,
  });
  if (!picked || picked.dir) return picked;
  const [uri] =
    (await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Map URL Here',
      title: `Map ${prefix} to`,
    })) ?? [];
  if (!uri) return undefined;
  const root = host.model.folders().find(({ folder }) => uri.fsPath === folder || uri.fsPath.startsWith(folder + path.sep));
  if (!root) throw new Error(`${uri.fsPath} is not inside a workspace folder: pick a folder of the workspace`);
  return { label: uri.fsPath, root: root.folder, dir: uri.fsPath };
}
