// The local board as a BoardProvider: the board file read and changed in place.
import * as path from 'node:path';
import { readTextIfExists } from '../core/fsUtil';
import { localBoardError, parseLocalBoard, STATUS_LABELS, WORK_ITEM_STATUSES } from './localBoard';
import type { LocalWorkItem } from './localBoard';
import { changeLocalBoard } from './localBoardFile';
import type { BoardProvider, NewWorkItem, WorkItem, WorkItemTransition } from './workItem';

export class LocalBoardProvider implements BoardProvider {
  readonly name = 'local' as const;

  constructor(
    private readonly folder: string,
    private readonly file: string,
    /** Who "mine" means: the git user name. */
    private readonly me?: string,
  ) {}

  async list(options: { mine?: boolean } = {}): Promise<WorkItem[]> {
    const text = await readTextIfExists(path.join(this.folder, this.file));
    if (text === undefined) return [];
    const { items, error } = parseLocalBoard(text);
    if (error) throw localBoardError('invalid', `${this.file} line ${error.line}: ${error.message}`);
    return items.map(toWorkItem).filter((i) => !options.mine || (this.me !== undefined && i.assignee === this.me));
  }

  transitions(item: WorkItem): Promise<WorkItemTransition[]> {
    return Promise.resolve(WORK_ITEM_STATUSES.filter((s) => s !== item.column).map((s) => ({ id: s, name: STATUS_LABELS[s], column: s })));
  }

  async move(item: WorkItem, transition: WorkItemTransition): Promise<WorkItem> {
    return this.change({ kind: 'update', key: item.key, status: transition.column });
  }

  async assign(item: WorkItem, assignee: string | undefined): Promise<WorkItem> {
    return this.change({ kind: 'update', key: item.key, assignee: assignee ?? null });
  }

  async create(fields: NewWorkItem): Promise<WorkItem> {
    return this.change({
      kind: 'create',
      title: fields.title,
      status: fields.column,
      assignee: fields.assignee,
      description: fields.description,
    });
  }

  async rename(item: WorkItem, title: string): Promise<WorkItem> {
    return this.change({ kind: 'update', key: item.key, title });
  }

  async delete(item: WorkItem): Promise<void> {
    await changeLocalBoard(this.folder, this.file, { kind: 'delete', key: item.key });
  }

  private async change(change: Parameters<typeof changeLocalBoard>[2]): Promise<WorkItem> {
    const { items, key } = await changeLocalBoard(this.folder, this.file, change);
    const item = items.find((i) => i.key === key);
    if (!item) throw localBoardError('invalid', `${key} could not be read back from ${this.file}.`);
    return toWorkItem(item);
  }
}

export function toWorkItem(item: LocalWorkItem): WorkItem {
  return {
    provider: 'local',
    id: item.key,
    key: item.key,
    title: item.title,
    column: item.status,
    status: STATUS_LABELS[item.status],
    assignee: item.assignee,
    labels: [],
  };
}
