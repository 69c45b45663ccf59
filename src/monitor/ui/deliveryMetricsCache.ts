import * as vscode from 'vscode';
import { messageOf } from '../../core/errors';
import type { FolderStatus } from '../../loop/folderStatus';
import type { DeliverySection } from '../../../webviews/monitor/protocol';

/**
 * Where the dashboard's delivery metrics come from. The loop computes them (the monitor stage cannot import
 * it), so the app shell passes the reader and the events after which they may have moved.
 */
export interface DeliveryMetricsSource {
  read: (status: FolderStatus) => Promise<DeliverySection>;
  /** E.g. a belt run ended, the workspace became trusted. */
  invalidateOn: vscode.Event<unknown>[];
}

interface Entry {
  section: DeliverySection;
  readAt: number;
  stale: boolean;
  loading?: Promise<void>;
}

/** `conveyor ship` in a terminal fires no event, and the 30-day windows move: reread what is this old. */
const MAX_AGE_MS = 10 * 60_000;

/**
 * The last delivery metrics of each folder. Reading runs git, so it happens only when a dashboard draws the
 * folder (a visible one) and what it has is missing, invalidated or old; the dashboard redraws on `onDidChange`.
 */
export class DeliveryMetricsCache implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly source: DeliveryMetricsSource) {
    this.subscriptions = source.invalidateOn.map((event) =>
      event(() => {
        for (const entry of this.entries.values()) entry.stale = true;
        if (this.entries.size > 0) this.changed.fire();
      }),
    );
  }

  /** What to draw now: the last metrics read (or `loading`), starting a new read when they are missing, stale or old. */
  current(status: FolderStatus): DeliverySection {
    let entry = this.entries.get(status.folder);
    if (!entry) this.entries.set(status.folder, (entry = { section: { state: 'loading' }, readAt: 0, stale: true }));
    if ((entry.stale || Date.now() - entry.readAt > MAX_AGE_MS) && !entry.loading) entry.loading = this.load(status, entry);
    return entry.section;
  }

  private async load(status: FolderStatus, entry: Entry): Promise<void> {
    try {
      entry.section = await this.source.read(status);
    } catch (error) {
      entry.section = { state: 'error', message: `The delivery metrics could not be read: ${messageOf(error)}` };
    }
    Object.assign(entry, { readAt: Date.now(), stale: false, loading: undefined });
    this.changed.fire();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}
