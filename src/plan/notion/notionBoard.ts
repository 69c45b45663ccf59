// A Notion database as a board, through Notion's SDK. Since API version 2025-09-03 (the SDK's default) a
// database holds data sources: the board reads the database for its first data source, that data source for
// its properties (which one is the status, the assignee, the milestone), and queries it for the items.
// Requests go through Conveyor's HTTP client (the SDK's `fetch` option), so the token stays off plain http and
// out of every message; the SDK's own retries are off, and a 429 comes back with its Retry-After, as on the other boards.
import { Client, isFullPage, isFullUser, iteratePaginatedAPI } from '@notionhq/client';
import type { CreatePageParameters, UpdatePageParameters } from '@notionhq/client';
import { readShape } from '../../core/answerShape';
import { HttpClient } from '../../core/http/httpClient';
import { networkMessageOf, noAnswerMessage } from '../../core/http/operationWords';
import { isRecord } from '../../core/records';
import type { Assignee, BoardProvider, ListOptions, NewWorkItem, WorkItem, WorkItemTransition } from '../workItem';
import { malformedAnswer, notionError, serviceErrorFromNotion } from './notionErrors';
import { notionDatabaseId } from './notionDatabaseId';
import type { NotionBoardSchema, NotionPropertyNames } from './notionSchema';
import { resolveBoardSchema } from './notionSchema';
import { workItemFromPage } from './workItemFromPage';

export const NOTION_API_URL = 'https://api.notion.com';

export interface NotionBoardOptions {
  /** An integration's secret (`ntn_…`). */
  token: string;
  /** The database's id or URL (board.notion.database). */
  database: string;
  properties?: NotionPropertyNames;
  /** Defaults to Notion's API. */
  baseUrl?: string;
  /** Deadline for one operation (a whole list, with its pages), in ms. Default 30 s. */
  timeoutMs?: number;
  /** Most items one list returns. Default 1000. */
  maxItems?: number;
}

/** The data source behind the board and what its properties mean. */
interface Board {
  dataSourceId: string;
  schema: NotionBoardSchema;
}

/** What every request of one board operation shares: its words for messages and its deadline (with any cancel). */
interface Operation {
  doing: string;
  notion: Client;
}

const PAGE_SIZE = 100;

export class NotionBoardProvider implements BoardProvider {
  readonly name = 'notion' as const;
  private readonly timeoutMs: number;
  private readonly maxItems: number;
  private readonly baseUrl: string;
  private readonly http: HttpClient;
  private board?: Board;

  constructor(private readonly options: NotionBoardOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxItems = options.maxItems ?? 1000;
    this.baseUrl = options.baseUrl ?? NOTION_API_URL;
    this.http = new HttpClient({
      service: 'Notion',
      timeoutMs: this.timeoutMs,
      secrets: () => [options.token],
      authorization: () => `Bearer ${options.token}`,
      describeNetwork: networkMessageOf('Notion'),
    });
  }

  async list(options: ListOptions = {}): Promise<WorkItem[]> {
    const doing = options.mine ? 'listing your items on the Notion board' : 'listing the Notion board';
    return this.run(doing, options.signal, async (op) => {
      const { dataSourceId, schema } = await this.boardOf(op);
      const filter = options.mine ? await this.mineFilter(schema, op) : undefined;
      const items: WorkItem[] = [];
      const rows = iteratePaginatedAPI(op.notion.dataSources.query, {
        data_source_id: dataSourceId,
        page_size: PAGE_SIZE,
        ...(filter ? { filter } : {}),
      });
      for await (const row of rows) {
        // A query can answer data sources too (wikis); only pages are items.
        if (!isFullPage(row)) continue;
        // Read one past the cap: a database that is bigger says so, one exactly as big does not.
        if (items.length >= this.maxItems) {
          options.onShortened?.(`The Notion database has more than ${this.maxItems} items: the board shows the first ${this.maxItems}.`);
          break;
        }
        items.push(this.read(row, schema, op));
      }
      return items;
    });
  }

  /** The status property's other options, each with the column it stands in. */
  async transitions(item: WorkItem): Promise<WorkItemTransition[]> {
    return this.run(`loading the statuses of ${item.key}`, undefined, async (op) => {
      const { schema } = await this.boardOf(op);
      return schema.status.options
        .filter((option) => option.name !== item.status)
        .map((option) => ({ id: option.id, name: option.name, column: option.column }));
    });
  }

  async move(item: WorkItem, transition: WorkItemTransition): Promise<WorkItem> {
    return this.update(item, `moving ${item.key} to ${transition.name}`, (schema) => ({
      [schema.status.name]: statusValue(schema, transition.id),
    }));
  }

  /** Makes `assignee` (a user id) the item's only person, or clears the property. */
  async assign(item: WorkItem, assignee: string | undefined): Promise<WorkItem> {
    const doing = assignee ? `assigning ${item.key}` : `unassigning ${item.key}`;
    return this.update(item, doing, (schema) => ({ [assigneeProperty(schema)]: { people: assignee ? [{ id: assignee }] : [] } }));
  }

  /** The workspace's people (not its bots), as far as the integration may see them. */
  async assignees(): Promise<Assignee[]> {
    return this.run('listing Notion users', undefined, async (op) => {
      const people: Assignee[] = [];
      for await (const user of iteratePaginatedAPI(op.notion.users.list, { page_size: PAGE_SIZE })) {
        if (isFullUser(user) && user.type === 'person') people.push({ id: user.id, name: user.name ?? user.person.email ?? user.id });
      }
      return people;
    });
  }

  /** A new page in the board's data source, in the first status of the column asked for. */
  async create(fields: NewWorkItem): Promise<WorkItem> {
    return this.run('creating a Notion item', undefined, async (op) => {
      const { dataSourceId, schema } = await this.boardOf(op);
      const status = fields.column ? schema.status.options.find((option) => option.column === fields.column) : undefined;
      const properties: CreatePageParameters['properties'] = {
        [schema.title]: { title: [{ text: { content: fields.title } }] },
        ...(status ? { [schema.status.name]: statusValue(schema, status.id) } : {}),
        ...(fields.assignee ? { [assigneeProperty(schema)]: { people: [{ id: fields.assignee }] } } : {}),
      };
      const page = await op.notion.pages.create({
        parent: { type: 'data_source_id', data_source_id: dataSourceId },
        properties,
        ...(fields.description ? { markdown: fields.description } : {}),
      });
      if (!isFullPage(page)) throw malformedAnswer(op.doing, 'the new page came back without its properties');
      return this.read(page, schema, op);
    });
  }

  private async update(
    item: WorkItem,
    doing: string,
    properties: (schema: NotionBoardSchema) => UpdatePageParameters['properties'],
  ): Promise<WorkItem> {
    return this.run(doing, undefined, async (op) => {
      const { schema } = await this.boardOf(op);
      const page = await op.notion.pages.update({ page_id: item.id, properties: properties(schema) });
      if (!isFullPage(page)) throw malformedAnswer(op.doing, 'the page came back without its properties');
      return this.read(page, schema, op);
    });
  }

  /** The database's data source and its properties: read once per provider, again after a failure. */
  private async boardOf(op: Operation): Promise<Board> {
    if (this.board) return this.board;
    const databaseId = notionDatabaseId(this.options.database);
    if (!databaseId)
      throw notionError(
        'invalid',
        `board.notion.database in conveyor.yml ("${this.options.database}") is neither a Notion database id nor its URL: copy the database's link in Notion.`,
      );
    const database = await op.notion.databases.retrieve({ database_id: databaseId });
    const dataSourceId = 'data_sources' in database ? database.data_sources[0]?.id : undefined;
    if (!dataSourceId) throw malformedAnswer(op.doing, 'the database lists no data source');
    const dataSource = await op.notion.dataSources.retrieve({ data_source_id: dataSourceId });
    const properties = 'properties' in dataSource ? dataSource.properties : undefined;
    const schema = readShape(
      () => resolveBoardSchema(properties, this.options.properties),
      (what) => malformedAnswer(op.doing, what),
    );
    this.board = { dataSourceId, schema };
    return this.board;
  }

  /**
   * Items assigned to the person who made the integration. An internal integration acts as itself and names
   * no person, so there "mine" cannot be told apart.
   */
  private async mineFilter(schema: NotionBoardSchema, op: Operation) {
    const assignee = assigneeProperty(schema);
    const me = await op.notion.users.me({});
    const owner = me.type === 'bot' && isRecord(me.bot) && isRecord(me.bot.owner) ? me.bot.owner : undefined;
    const person = owner?.type === 'user' && isRecord(owner.user) && typeof owner.user.id === 'string' ? owner.user.id : undefined;
    if (!person)
      throw notionError(
        'unsupported',
        'A Notion internal integration acts as itself, not as you, so Conveyor cannot tell which items are yours: show all items instead.',
      );
    return { property: assignee, people: { contains: person } };
  }

  private read(page: unknown, schema: NotionBoardSchema, op: Operation): WorkItem {
    return readShape(
      () => workItemFromPage(page, schema),
      (what) => malformedAnswer(op.doing, what),
    );
  }

  /** One operation under one deadline (a list and all its pages), its failures as ServiceErrors. */
  private async run<T>(doing: string, signal: AbortSignal | undefined, operation: (op: Operation) => Promise<T>): Promise<T> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const aborted = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const notion = new Client({
      baseUrl: this.baseUrl,
      // The SDK's fetch is the HTTP client's, under this operation's deadline; it adds the token itself.
      fetch: async (url, init) =>
        (
          await this.http.send({
            url,
            method: init?.method,
            headers: init?.headers,
            body: init?.body,
            signal: aborted,
            purpose: doing,
            accept: () => true,
          })
        ).response,
      timeoutMs: this.timeoutMs,
      retry: false,
      logger: () => undefined,
    });
    try {
      return await operation({ doing, notion });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (deadline.aborted) throw notionError('timeout', noAnswerMessage('Notion', this.timeoutMs, doing));
      throw serviceErrorFromNotion(error, doing, this.timeoutMs);
    }
  }
}

function statusValue(schema: NotionBoardSchema, optionId: string) {
  return schema.status.type === 'status' ? { status: { id: optionId } } : { select: { id: optionId } };
}

function assigneeProperty(schema: NotionBoardSchema): string {
  if (!schema.assignee)
    throw notionError(
      'invalid',
      'The Notion database has no person property for assignees: add one (Assignee) in Notion, or name it in board.notion.properties.assignee.',
    );
  return schema.assignee;
}
