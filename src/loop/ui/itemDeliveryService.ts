import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { ItemDelivery } from '../../plan/workItem';
import type { DeliveryRecords } from '../itemsFollow/itemDelivery';
import type { BeltService } from './beltService';
import { loopEngine } from './loopEngineLoader';

interface FolderDeliveries {
  records?: DeliveryRecords;
  /** The last answer, for the keys it was asked for: the Board view asks on every redraw. */
  last?: { keys: string; deliveries: ReadonlyMap<string, ItemDelivery> };
}

/**
 * Where each work item has got to on the belt (`released in v1.5.0 · in production`), for the Board view: the
 * folder's records are read on first ask (git processes: trusted workspaces only) and again after the folder
 * or the belt's outcome changes.
 */
export class ItemDeliveryService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly folders = new Map<string, FolderDeliveries>();
  private readonly loading = new Set<string>();
  /** Moves on at each change, so records read before it are not kept. */
  private generation = 0;
  /** Each folder's latest belt run as far as deliveries care: which release, and where it was left. */
  private readonly beltSeen = new Map<string, string>();
  private readonly listeners: vscode.Disposable[];

  constructor(
    private readonly model: WorkspaceModel,
    belt: BeltService,
  ) {
    this.listeners = [
      model.onDidChange(() => {
        this.generation++;
        this.folders.clear();
      }),
      belt.onDidChange(() => {
        for (const status of model.folders()) {
          const latest = belt.viewState(status.folder).runs[0];
          const seen = latest ? `${latest.id} ${latest.release?.version} ${latest.environments.map((e) => e.state).join()}` : '';
          if (this.beltSeen.get(status.folder) === seen) continue;
          this.beltSeen.set(status.folder, seen);
          this.generation++;
          this.folders.delete(status.folder);
          this.changed.fire();
        }
      }),
    ];
  }

  /** Undefined until the records are read (the view redraws then). */
  deliveriesOf(folder: string, keys: readonly string[]): ReadonlyMap<string, ItemDelivery> | undefined {
    const state = this.folders.get(folder);
    if (!state?.records) {
      void this.load(folder);
      return undefined;
    }
    const asked = keys.join('\n');
    if (state.last?.keys !== asked) state.last = { keys: asked, deliveries: loopEngine().itemDeliveries(state.records, keys) };
    return state.last.deliveries;
  }

  private async load(folder: string): Promise<void> {
    if (!vscode.workspace.isTrusted || this.loading.has(folder) || !this.model.statusOf(folder)?.git.isRepository) return;
    this.loading.add(folder);
    const generation = this.generation;
    // Records that cannot be read show no delivery rather than being asked for again on every redraw.
    const records = await loopEngine()
      .readLoopRecords(folder)
      .catch(() => ({ releases: [], belt: [] }));
    this.loading.delete(folder);
    if (generation !== this.generation) {
      this.changed.fire();
      return;
    }
    this.folders.set(folder, { records: { releases: records.releases, belt: records.belt } });
    this.changed.fire();
  }

  dispose(): void {
    vscode.Disposable.from(...this.listeners).dispose();
    this.changed.dispose();
  }
}
