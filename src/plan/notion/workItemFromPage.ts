// Pure mapping from a Notion page (a row of the board's data source) to the board's WorkItem: no network, unit-testable.
import { unexpectedShape } from '../../core/answerShape';
import { isRecord } from '../../core/records';
import type { WorkItem } from '../workItem';
import type { NotionBoardSchema } from './notionSchema';
import { columnOfName } from './notionSchema';

/** A page as the board reads it; the schema says which of its properties matter. */
export function workItemFromPage(page: unknown, schema: NotionBoardSchema): WorkItem {
  if (!isRecord(page) || typeof page.id !== 'string') throw unexpectedShape('Notion', 'a page has no id');
  const properties = isRecord(page.properties) ? page.properties : {};
  const value = (name: string, type: string): unknown => {
    const property = properties[name];
    return isRecord(property) && property.type === type ? property[type] : undefined;
  };
  const status = optionOf(value(schema.status.name, schema.status.type));
  const item: WorkItem = {
    provider: 'notion',
    id: page.id,
    key: keyOf(page.id, schema.key ? value(schema.key, 'unique_id') : undefined),
    title: plainText(value(schema.title, 'title')),
    column: schema.status.options.find((option) => option.id === status?.id)?.column ?? (status ? columnOfName(status.name) : 'todo'),
    status: status?.name ?? '',
    labels: [],
  };
  if (typeof page.url === 'string') item.url = page.url;
  const assignee = schema.assignee ? peopleNames(value(schema.assignee, 'people')) : undefined;
  if (assignee) item.assignee = assignee;
  const milestone = schema.milestone ? milestoneOf(value(schema.milestone.name, schema.milestone.type)) : undefined;
  if (milestone) item.milestone = milestone;
  if (typeof page.last_edited_time === 'string') item.updated = new Date(page.last_edited_time).toISOString();
  return item;
}

/**
 * Rich text as the words it shows: bold, links, mentions and equations keep only their `plain_text`, so a
 * title with markup reads as text on every board (and nothing in it is taken for markup later).
 */
export function plainText(richText: unknown): string {
  if (!Array.isArray(richText)) return '';
  return richText.map((part) => (isRecord(part) && typeof part.plain_text === 'string' ? part.plain_text : '')).join('');
}

/** `TASK-12` from a unique ID with a prefix, `#12` without one; a database without one goes by the page id's start. */
function keyOf(pageId: string, uniqueId: unknown): string {
  if (isRecord(uniqueId) && typeof uniqueId.number === 'number') {
    return typeof uniqueId.prefix === 'string' && uniqueId.prefix ? `${uniqueId.prefix}-${uniqueId.number}` : `#${uniqueId.number}`;
  }
  return `notion-${pageId.replaceAll('-', '').slice(0, 8)}`;
}

function optionOf(value: unknown): { id: string; name: string } | undefined {
  return isRecord(value) && typeof value.id === 'string' && typeof value.name === 'string' ? { id: value.id, name: value.name } : undefined;
}

/** Everyone on the item, by the name Notion shows; people the integration cannot see come without one. */
function peopleNames(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const names = value.map((person) => (isRecord(person) && typeof person.name === 'string' ? person.name : '')).filter(Boolean);
  return names.length ? names.join(', ') : undefined;
}

/** A select's option name, or a date's start (`2026-01-15`). */
function milestoneOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.name === 'string') return value.name;
  return typeof value.start === 'string' ? value.start : undefined;
}
