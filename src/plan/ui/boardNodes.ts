import * as path from 'node:path';
import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../folderStatus';
import { STATUS_LABELS, WORK_ITEM_STATUSES } from '../localBoard';
import type { WorkItemStatus } from '../localBoard';

const STATUS_ICONS: Record<WorkItemStatus, string> = { todo: 'circle-large-outline', 'in-progress': 'sync', 'in-review': 'eye', done: 'pass' };

/** Local board items grouped by status; a hosted provider or an unreadable file shows one explaining row. */
export function boardNodes(status: FolderStatus): ViewNode[] {
  const { board } = status;
  const file = path.join(status.folder, board.file);
  if (board.provider !== 'local') {
    return [{
      id: `${status.folder}/board/provider`,
      label: `${board.provider} board`,
      description: 'configured in conveyor.yml',
      tooltip: 'This version of Conveyor lists local boards only; hosted providers sign in from the Board view once available.',
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
  return WORK_ITEM_STATUSES.map<ViewNode>((workStatus) => {
    const items = board.items.filter((i) => i.status === workStatus);
    return {
      id: `${status.folder}/board/${workStatus}`,
      label: STATUS_LABELS[workStatus],
      description: String(items.length),
      icon: STATUS_ICONS[workStatus],
      expanded: workStatus !== 'done',
      children: items.map((item) => ({
        id: `${status.folder}/board/item/${item.key}`,
        label: `${item.key} ${item.title}`,
        description: item.assignee,
        tooltip: `${item.key}: ${item.title}\nStatus: ${STATUS_LABELS[item.status]}${item.assignee ? `\nAssignee: ${item.assignee}` : ''}`,
        icon: 'issues',
        contextValue: 'workItem.local',
        file,
      })),
    };
  });
}
