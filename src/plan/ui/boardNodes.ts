import * as path from 'node:path';
import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../folderStatus';
import { groupItems } from '../boardGrouping';
import type { BoardQuery } from '../boardGrouping';
import { toWorkItem } from '../localBoardProvider';
import type { BoardColumn, WorkItem } from '../workItem';

const COLUMN_ICONS: Record<BoardColumn, string> = { todo: 'circle-large-outline', 'in-progress': 'sync', 'in-review': 'eye', done: 'pass' };
/** Rows per group: a group of 10,000 stays responsive; search narrows it. */
const ROWS_PER_GROUP = 500;

export interface BoardViewState {
  query: BoardQuery;
  /** The item the user is working on (its branch is checked out). */
  activeKey?: string;
}

/** The folder's work items grouped as asked; a hosted provider or an unreadable file shows one explaining row. */
export function boardNodes(status: FolderStatus, state: BoardViewState = { query: { groupBy: 'status', mine: false } }): ViewNode[] {
  const { board } = status;
  const file = path.join(status.folder, board.file);
  if (board.provider !== 'local') {
    return [{
      id: `${status.folder}/board/provider`,
      label: `${board.provider} board`,
      description: 'configured in conveyor.yml',
      tooltip: 'This version of Conveyor shows local boards in the view; the Jira and Linear clients are built and tested, their sign-in in the view is not wired yet.',
      icon: 'info',
    }];
  }
  if (!board.exists) return [];
  if (board.error) {
    return [{
      id: `${status.folder}/board/error`,
      label: `${board.file} cannot be read`,
      description: `line ${board.error.line}: ${board.error.message}`,
      icon: 'error',
      file,
      command: { command: 'conveyor.board.openFile', title: 'Open Board File', arguments: [status.folder, board.error.line] },
    }];
  }
  const items = board.items.map(toWorkItem);
  return groupItems(items, state.query).map<ViewNode>((group) => ({
    // VS Code keeps a row's collapsed state by id, and a row first seen without children stays collapsed
    // once it has some: an empty group gets another id, so a group that fills up opens.
    id: `${status.folder}/board/group/${group.id}${group.items.length === 0 ? '/empty' : ''}`,
    label: group.label,
    description: String(group.items.length),
    icon: group.column ? COLUMN_ICONS[group.column] : state.query.groupBy === 'assignee' ? 'person' : 'milestone',
    expanded: group.column !== 'done',
    children: [
      ...group.items.slice(0, ROWS_PER_GROUP).map((item) => itemNode(status.folder, item, file, state.activeKey)),
      ...(group.items.length > ROWS_PER_GROUP ? [{ id: `${status.folder}/board/group/${group.id}/more`, label: `${group.items.length - ROWS_PER_GROUP} more: search to narrow`, icon: 'search' }] : []),
    ],
  }));
}

function itemNode(folder: string, item: WorkItem, file: string, activeKey: string | undefined): ViewNode {
  const active = item.key === activeKey;
  return {
    id: `${folder}/board/item/${item.key}`,
    label: `${item.key} ${item.title}`,
    description: [active ? 'working on it' : undefined, item.assignee].filter(Boolean).join(' · ') || undefined,
    tooltip: `${item.key}: ${item.title}\nStatus: ${item.status}${item.assignee ? `\nAssignee: ${item.assignee}` : ''}`,
    icon: active ? 'debug-start:charts.green' : 'issues',
    contextValue: `workItem.${item.provider}`,
    file,
  };
}
