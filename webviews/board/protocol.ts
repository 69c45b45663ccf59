// Messages between the kanban webview and the extension host. Both sides import this file only.

export type KanbanColumn = 'todo' | 'in-progress' | 'in-review' | 'done';

export interface KanbanCard {
  key: string;
  title: string;
  column: KanbanColumn;
  /** The provider's own status name. */
  status: string;
  assignee?: string;
  /** Where the belt has taken it: `released in v1.5.0 · in production`. */
  delivery?: string;
}

export type HostToWebview =
  | {
      type: 'board';
      title: string;
      columns: { id: KanbanColumn; label: string }[];
      cards: KanbanCard[];
      canCreate: boolean;
      /**
       * What the cards do not say about a hosted board: loading, why the last refresh failed (the cards are then
       * the last good list), or that it has more items than were listed.
       */
      notices: { text: string; kind: 'info' | 'error' }[];
    }
  | { type: 'error'; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'move'; key: string; column: KanbanColumn }
  | { type: 'create'; title: string; column: KanbanColumn }
  | { type: 'assign'; key: string }
  | { type: 'startWork'; key: string };
