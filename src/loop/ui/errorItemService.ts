import * as vscode from 'vscode';
import type { ErrorRowItem } from '../../monitor/ui/monitorNodes';
import { pipelineStateDir } from '../../pipeline/run/runHistory';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { ErrorItemLinks } from '../errorItems/errorItemLinks';
import type { ErrorItemLink } from '../errorItems/errorItemLinks';
import type { FolderStatus } from '../folderStatus';

/**
 * The error → work item links of each folder, read once and kept, so the Errors view shows each error's item
 * without reading the file on every refresh. Tells when a link is added.
 */
export class ErrorItemService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** Per folder; a folder being read has no entry yet. */
  private readonly links = new Map<string, ErrorItemLink[]>();
  private readonly reading = new Set<string>();

  constructor(private readonly model: WorkspaceModel) {}

  /** The item of each error of a folder, as known now; the first ask reads the folder's links and then tells. */
  itemOf(folder: string): (errorId: string) => ErrorRowItem | undefined {
    const links = this.links.get(folder);
    if (!links) void this.read(folder);
    return (errorId) => {
      const link = links?.find((l) => l.errorId === errorId);
      return link && { key: link.itemKey, title: link.itemTitle, url: link.itemUrl };
    };
  }

  async forError(status: FolderStatus, errorId: string): Promise<ErrorItemLink | undefined> {
    return this.store(status).forError(errorId);
  }

  async add(status: FolderStatus, link: ErrorItemLink): Promise<void> {
    const store = this.store(status);
    await store.add(link);
    this.links.set(status.folder, await store.all());
    this.changed.fire();
  }

  private store(status: FolderStatus): ErrorItemLinks {
    return new ErrorItemLinks(pipelineStateDir(status.folder, status.git));
  }

  private async read(folder: string): Promise<void> {
    const status = this.model.statusOf(folder);
    if (!status || this.reading.has(folder)) return;
    this.reading.add(folder);
    try {
      this.links.set(folder, await this.store(status).all());
      this.changed.fire();
    } finally {
      this.reading.delete(folder);
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
