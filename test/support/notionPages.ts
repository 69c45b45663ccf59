// Notion objects as API version 2025-09-03 answers them, typed with the SDK's own response types so that a
// fixture missing a field, or spelling one wrong, does not compile: Notion's published OpenAPI description types
// its answers only as `object`, so these types are what keeps the stub honest about response shapes.
import type {
  DatabaseObjectResponse,
  DataSourceObjectResponse,
  PageObjectResponse,
  RichTextItemResponse,
  UserObjectResponse,
} from '@notionhq/client';

type Properties = DataSourceObjectResponse['properties'];
type PropertyValue = PageObjectResponse['properties'][string];

export const DATABASE_ID = '1a2b3c4d-5e6f-47a8-b9c0-d1e2f3a4b5c6';
export const DATA_SOURCE_ID = '2b3c4d5e-6f70-48a9-8c0d-1e2f3a4b5c6d';
const CREATED = '2025-11-01T09:00:00.000Z';

export const PEOPLE = {
  ada: { id: 'a0a0a0a0-0000-4000-8000-000000000001', name: 'Ada Lovelace', email: 'ada@example.com' },
  grace: { id: 'a0a0a0a0-0000-4000-8000-000000000002', name: 'Grace Hopper', email: 'grace@example.com' },
};
export const BOT_ID = 'b0b0b0b0-0000-4000-8000-000000000009';

/** The options of the Status property, as a Notion task database starts with plus a review step. */
export const STATUS = {
  notStarted: { id: 'opt-not-started', name: 'Not started', color: 'default', description: null },
  inProgress: { id: 'opt-in-progress', name: 'In progress', color: 'blue', description: null },
  inReview: { id: 'opt-in-review', name: 'In review', color: 'purple', description: null },
  done: { id: 'opt-done', name: 'Done', color: 'green', description: null },
} as const;

export const MILESTONES = {
  beta: { id: 'ms-beta', name: 'Beta', color: 'orange', description: null },
  ga: { id: 'ms-ga', name: 'GA', color: 'green', description: null },
} as const;

/** A task database's properties: Name, Status (grouped), Assignee, Milestone (select), ID (unique, TASK-n), Due. */
export function boardProperties(): Properties {
  return {
    Name: { id: 'title', name: 'Name', description: null, type: 'title', title: {} },
    Status: {
      id: 'st%3D',
      name: 'Status',
      description: null,
      type: 'status',
      status: {
        options: Object.values(STATUS),
        groups: [
          { id: 'grp-todo', name: 'To-do', color: 'gray', option_ids: [STATUS.notStarted.id] },
          { id: 'grp-progress', name: 'In progress', color: 'blue', option_ids: [STATUS.inProgress.id, STATUS.inReview.id] },
          { id: 'grp-complete', name: 'Complete', color: 'green', option_ids: [STATUS.done.id] },
        ],
      },
    },
    Assignee: { id: 'as%3B', name: 'Assignee', description: null, type: 'people', people: {} },
    Milestone: { id: 'ms%3A', name: 'Milestone', description: null, type: 'select', select: { options: Object.values(MILESTONES) } },
    ID: { id: 'id%3C', name: 'ID', description: null, type: 'unique_id', unique_id: { prefix: 'TASK' } },
    Due: { id: 'du%3E', name: 'Due', description: null, type: 'date', date: {} },
  };
}

export function aDatabase(): DatabaseObjectResponse {
  return {
    object: 'database',
    id: DATABASE_ID,
    title: [text('Tasks')],
    description: [],
    parent: { type: 'workspace', workspace: true },
    is_inline: false,
    in_trash: false,
    archived: false,
    is_locked: false,
    created_time: CREATED,
    last_edited_time: CREATED,
    data_sources: [{ id: DATA_SOURCE_ID, name: 'Tasks' }],
    icon: null,
    cover: null,
    url: `https://www.notion.so/${DATABASE_ID.replaceAll('-', '')}`,
    public_url: null,
  };
}

export function aDataSource(properties: Properties = boardProperties()): DataSourceObjectResponse {
  return {
    object: 'data_source',
    id: DATA_SOURCE_ID,
    title: [text('Tasks')],
    description: [],
    parent: { type: 'database_id', database_id: DATABASE_ID },
    database_parent: { type: 'workspace', workspace: true },
    is_inline: false,
    in_trash: false,
    archived: false,
    created_time: CREATED,
    last_edited_time: CREATED,
    created_by: { object: 'user', id: PEOPLE.ada.id },
    last_edited_by: { object: 'user', id: PEOPLE.ada.id },
    properties,
    icon: null,
    cover: null,
    url: `https://www.notion.so/${DATA_SOURCE_ID.replaceAll('-', '')}`,
    public_url: null,
  };
}

export interface PageFields {
  number: number;
  /** Rich text parts; a plain string is one unstyled part. */
  title: string | RichTextItemResponse[];
  status?: keyof typeof STATUS;
  assignees?: (keyof typeof PEOPLE)[];
  milestone?: keyof typeof MILESTONES;
  edited?: string;
}

/** A row of the board's data source. */
export function aPage(fields: PageFields): PageObjectResponse {
  const id = `c0c0c0c0-0000-4000-8000-${String(fields.number).padStart(12, '0')}`;
  const title = typeof fields.title === 'string' ? [text(fields.title)] : fields.title;
  const status = fields.status ? STATUS[fields.status] : STATUS.notStarted;
  const properties: Record<string, PropertyValue> = {
    Name: { id: 'title', type: 'title', title },
    Status: { id: 'st%3D', type: 'status', status: { id: status.id, name: status.name, color: status.color } },
    Assignee: {
      id: 'as%3B',
      type: 'people',
      people: (fields.assignees ?? []).map((who) => ({ ...aPerson(who) })),
    },
    Milestone: {
      id: 'ms%3A',
      type: 'select',
      select: fields.milestone
        ? { id: MILESTONES[fields.milestone].id, name: MILESTONES[fields.milestone].name, color: MILESTONES[fields.milestone].color }
        : null,
    },
    ID: { id: 'id%3C', type: 'unique_id', unique_id: { prefix: 'TASK', number: fields.number } },
    Due: { id: 'du%3E', type: 'date', date: null },
  };
  return {
    object: 'page',
    id,
    created_time: CREATED,
    last_edited_time: fields.edited ?? CREATED,
    in_trash: false,
    archived: false,
    is_archived: false,
    is_locked: false,
    url: `https://www.notion.so/Task-${id.replaceAll('-', '')}`,
    public_url: null,
    parent: { type: 'data_source_id', data_source_id: DATA_SOURCE_ID, database_id: DATABASE_ID },
    properties,
    icon: null,
    cover: null,
    created_by: { object: 'user', id: PEOPLE.ada.id },
    last_edited_by: { object: 'user', id: PEOPLE.ada.id },
  };
}

export function aPerson(who: keyof typeof PEOPLE): UserObjectResponse {
  const person = PEOPLE[who];
  return { object: 'user', id: person.id, name: person.name, avatar_url: null, type: 'person', person: { email: person.email } };
}

/** The integration itself: an internal integration is owned by the workspace, a public one by the user who authorised it. */
export function theBot(ownedBy?: keyof typeof PEOPLE): UserObjectResponse {
  return {
    object: 'user',
    id: BOT_ID,
    name: 'Conveyor',
    avatar_url: null,
    type: 'bot',
    bot: {
      owner: ownedBy ? { type: 'user', user: aPerson(ownedBy) } : { type: 'workspace', workspace: true },
      workspace_id: 'w0w0w0w0-0000-4000-8000-000000000000',
      workspace_limits: { max_file_upload_size_in_bytes: 5_242_880 },
      workspace_name: 'Acme',
    },
  };
}

/** A rich text part, with markup when asked. */
export function text(
  content: string,
  annotations: Partial<RichTextItemResponse['annotations']> = {},
  href: string | null = null,
): RichTextItemResponse {
  return {
    type: 'text',
    text: { content, link: href ? { url: href } : null },
    plain_text: content,
    href,
    annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default', ...annotations },
  };
}
