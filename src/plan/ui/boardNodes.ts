import * as path from 'node:path';
import type { KanbanCard } from '../../../webviews/board/protocol';
import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../loop/folderStatus';
import { groupItems } from '../boardGrouping';
import type { BoardQuery } from '../boardGrouping';
import { toWorkItem } from '../localBoardProvider';
import type { BoardColumn, ItemDelivery, WorkItem } from '../workItem';
import { isHosted, PROVIDER_NAMES } from '../boardProviders';
import type { RemoteBoardState } from '../hostedBoardState';
import type { ItemLinks } from '../../code/itemLinks';

const COLUMN_ICONS: Record<BoardColumn, string> = { todo: 'circle-large-outline', 'in-progress': 'sync', 'in-review': 'eye', done: 'pass' };
/** Rows per group: a group of 10,000 stays responsive; search narrows it. */
const ROWS_PER_GROUP = 500;

export interface BoardViewState {
  query: BoardQuery;
  /** The item the user is working on (its branch is checked out). */
  activeKey?: string;
  /** Items of a hosted board (Jira, Linear, GitHub, Notion), when the folder uses one. */
  remote?: RemoteBoardState;
  /** Branches and commits that mention each item, by key. */
  links?: ReadonlyMap<string, ItemLinks>;
  /** Where each item's commits have got to on the belt, by key (worked out above the stages, from the loop's records). */
  deliveries?: ReadonlyMap<string, ItemDelivery>;
}

/** The kanban's cards: what the webview draws of each item, with where the belt has taken it. */
export function kanbanCards(items: readonly WorkItem[], deliveries?: ReadonlyMap<string, ItemDelivery>): KanbanCard[] {
  return items.map((i) => {
    const delivery = deliveries?.get(i.key);
    return {
      key: i.key,
      title: i.title,
      column: i.column,
      status: i.status,
      ...(i.assignee ? { assignee: i.assignee } : {}),
      ...(delivery ? { delivery: deliveryText(delivery) } : {}),
    };
  });
}

/** `released in v1.5.0 · in staging, production` */
export function deliveryText(delivery: ItemDelivery): string {
  return [`released in ${delivery.release}`, delivery.environments.length > 0 ? `in ${delivery.environments.join(', ')}` : undefined]
    .filter(Boolean)
    .join(' · ');
}

/** The folder's work items grouped as asked; a hosted provider or an unreadable file shows one explaining row. */
export function boardNodes(status: FolderStatus, state: BoardViewState = { query: { groupBy: 'status', mine: false } }): ViewNode[] {
  const { board } = status;
  const file = path.join(status.folder, board.file);
  if (isHosted(status)) return remoteNodes(status, state);
  if (!board.exists) return [];
  if (board.error) {
    return [
      {
        id: `${status.folder}/board/error`,
        label: `${board.file} cannot be read`,
        description: `line ${board.error.line}: ${board.error.message}`,
        icon: 'error',
        file,
        command: { command: 'conveyor.board.openFile', title: 'Open Board File', arguments: [status.folder, board.error.line] },
      },
    ];
  }
  return groupNodes(status.folder, board.items.map(toWorkItem), state, file);
}

function remoteNodes(status: FolderStatus, state: BoardViewState): ViewNode[] {
  const remote = state.remote;
  const name = PROVIDER_NAMES[status.board.provider];
  const rows: ViewNode[] = [];
  if (!remote || (remote.loading && remote.items.length === 0))
    rows.push({ id: `${status.folder}/board/loading`, label: `Loading the ${name} board…`, icon: 'loading~spin' });
  if (remote?.error) {
    rows.push({
      id: `${status.folder}/board/remote-error`,
      label: remote.error,
      tooltip: remote.error,
      icon: remote.needsSignIn ? 'account' : 'warning',
      command: remote.needsSignIn
        ? { command: 'conveyor.board.signIn', title: `Sign in to ${name}`, arguments: [status.folder] }
        : undefined,
    });
  }
  if (remote?.shortened)
    rows.push({ id: `${status.folder}/board/shortened`, label: remote.shortened, tooltip: remote.shortened, icon: 'info' });
  return [...rows, ...(remote && remote.items.length > 0 ? groupNodes(status.folder, remote.items, state, undefined) : [])];
}

function groupNodes(folder: string, items: WorkItem[], state: BoardViewState, file: string | undefined): ViewNode[] {
  return groupItems(items, state.query).map<ViewNode>((group) => ({
    // VS Code keeps a row's collapsed state by id, and a row first seen without children stays collapsed
    // once it has some: an empty group gets another id, so a group that fills up opens.
    id: `${folder}/board/group/${group.id}${group.items.length === 0 ? '/empty' : ''}`,
    label: group.label,
    description: String(group.items.length),
    icon: group.column ? COLUMN_ICONS[group.column] : state.query.groupBy === 'assignee' ? 'person' : 'milestone',
    expanded: group.column !== 'done',
    children: [
      ...group.items.slice(0, ROWS_PER_GROUP).map((item) => itemNode(folder, item, file, state, state.links?.get(item.key))),
      ...(group.items.length > ROWS_PER_GROUP
        ? [
            {
              id: `${folder}/board/group/${group.id}/more`,
              label: `${group.items.length - ROWS_PER_GROUP} more: search to narrow`,
              icon: 'search',
            },
          ]
        : []),
    ],
  }));
}

function itemNode(folder: string, item: WorkItem, file: string | undefined, state: BoardViewState, links: ItemLinks | undefined): ViewNode {
  const active = item.key === state.activeKey;
  const delivery = state.deliveries?.get(item.key);
  const commits = links?.commits.length ?? 0;
  const linked = [links?.branches[0] && `⎇ ${links.branches[0]}`, commits ? `${commits} commit${commits === 1 ? '' : 's'}` : undefined];
  const history = links
    ? `\n\nBranches: ${links.branches.join(', ') || 'none'}${links.commits.map((c) => `\n${c.sha.slice(0, 7)} ${c.subject}`).join('')}`
    : '';
  return {
    id: `${folder}/board/item/${item.key}`,
    label: `${item.key} ${item.title}`,
    description:
      [active ? 'working on it' : undefined, item.assignee, ...linked, delivery && deliveryText(delivery)].filter(Boolean).join(' · ') ||
      undefined,
    tooltip: `${item.key}: ${item.title}\nStatus: ${item.status}${item.assignee ? `\nAssignee: ${item.assignee}` : ''}${delivery ? `\n${deliveryText(delivery)}` : ''}${item.url ? `\n${item.url}` : ''}${history}`,
    icon: active ? 'debug-start:charts.green' : 'issues',
    contextValue: `workItem.${item.provider}`,
    ref: { kind: 'work-item', folder, key: item.key },
    file,
  };
}
