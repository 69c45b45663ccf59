// Grouping, filtering and searching work items for the Board view: pure, so 10,000 items are measured
// and tested without VS Code.
import { STATUS_LABELS, WORK_ITEM_STATUSES } from './localBoard';
import type { BoardColumn, WorkItem } from './workItem';

export type BoardGrouping = 'status' | 'assignee' | 'milestone';

export interface BoardQuery {
  groupBy: BoardGrouping;
  /** Only items assigned to `me`. */
  mine: boolean;
  me?: string;
  /** Case-insensitive words, all of which must appear in the key, title, assignee or labels. */
  search?: string;
}

export interface BoardGroup {
  id: string;
  label: string;
  column?: BoardColumn;
  items: WorkItem[];
}

export function groupItems(items: readonly WorkItem[], query: BoardQuery): BoardGroup[] {
  const words = (query.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const shown = items.filter((item) => {
    if (query.mine && (!query.me || item.assignee !== query.me)) return false;
    if (words.length === 0) return true;
    const haystack = `${item.key} ${item.title} ${item.assignee ?? ''} ${item.labels.join(' ')}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
  if (query.groupBy === 'status') {
    const byColumn = new Map<BoardColumn, WorkItem[]>(WORK_ITEM_STATUSES.map((s) => [s, []]));
    for (const item of shown) byColumn.get(item.column)!.push(item);
    return WORK_ITEM_STATUSES.map((column) => ({ id: column, label: STATUS_LABELS[column], column, items: byColumn.get(column)! }));
  }
  const keyOf = (item: WorkItem) => (query.groupBy === 'assignee' ? item.assignee : item.milestone);
  const groups = new Map<string, WorkItem[]>();
  for (const item of shown) {
    const key = keyOf(item) ?? '';
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const none = query.groupBy === 'assignee' ? 'Unassigned' : 'No milestone';
  return [...groups]
    .sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)))
    .map(([key, groupItems]) => ({ id: `${query.groupBy}:${key}`, label: key || none, items: groupItems }));
}
