// One model for work, whichever board it lives on: the local board file, GitHub Issues, Linear, Jira or Notion.
// Every board fails with a ServiceError (core/errors.ts) whose `kind` the view acts on (sign in, wait).

/** The four columns every board is shown with; each provider's own status names map onto them. */
export type BoardColumn = 'todo' | 'in-progress' | 'in-review' | 'done';

export interface WorkItem {
  provider: 'local' | 'github' | 'linear' | 'jira' | 'notion';
  /** The provider's id (GitHub node id, Linear uuid, Jira id, Notion page id, local key). */
  id: string;
  /** What people say: `CNV-12`, `#42`, `ENG-7`, `SHOP-3`. */
  key: string;
  title: string;
  column: BoardColumn;
  /** The provider's own status name (`In Review`, `open`, `Selected for Development`). */
  status: string;
  assignee?: string;
  labels: string[];
  /** Milestone, cycle or sprint name. */
  milestone?: string;
  /** ISO date. */
  due?: string;
  url?: string;
  /** ISO date-time. */
  updated?: string;
  /** `feat`, `fix`, `chore`… for branch names; from a label or the issue type when the provider has one. */
  type?: string;
}

/** How far an item's commits have got on the belt, as the loop's records tell (the board only shows it). */
export interface ItemDelivery {
  /** The first release that brought them: `v1.5.0`. */
  release: string;
  /** Where that release or a later one runs now, oldest deployment first: `['staging', 'production']`. */
  environments: string[];
}

/** A move the provider allows from an item's current status. */
export interface WorkItemTransition {
  id: string;
  /** The provider's name for the move or its target status. */
  name: string;
  column: BoardColumn;
  /** The status the move leads to, where the provider names the move apart from it (a Jira transition, closing an issue). */
  status?: string;
}

/** Someone an item can be assigned to: the provider's id for them and the name people know. */
export interface Assignee {
  id: string;
  name: string;
}

export interface ListOptions {
  /** Only the items assigned to the signed-in user. */
  mine?: boolean;
  signal?: AbortSignal;
  /**
   * Told when the list stops at the provider's cap while the board has more, with what was left out: a board
   * that big must say so, never just look smaller.
   */
  onShortened?: (note: string) => void;
}

/** A board's source of items. Providers that cannot do an operation leave it out. */
export interface BoardProvider {
  readonly name: WorkItem['provider'];
  list(options?: ListOptions): Promise<WorkItem[]>;
  transitions?(item: WorkItem): Promise<WorkItemTransition[]>;
  move?(item: WorkItem, transition: WorkItemTransition): Promise<WorkItem>;
  /** `assignee` is an id from `assignees()` (a GitHub login, a Jira account id, a Linear or Notion user id). */
  assign?(item: WorkItem, assignee: string | undefined): Promise<WorkItem>;
  /** Who can be assigned (to this item, when given): the choices of Assign to…. */
  assignees?(item?: WorkItem): Promise<Assignee[]>;
  create?(fields: NewWorkItem): Promise<WorkItem>;
}

/** What a new item is made of; each provider puts the description in its own body field. */
export interface NewWorkItem {
  title: string;
  column?: BoardColumn;
  /** An id from `assignees()`. */
  assignee?: string;
  /** Markdown. */
  description?: string;
}
