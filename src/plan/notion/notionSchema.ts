// Which properties of a Notion data source make the board: its title, the status (a status or a select
// property) whose options are the columns, the people who are assignees, the select or date that is the
// milestone, and the unique ID that gives items a key. Pure: read from the data source's `properties`.
import { unexpectedShape } from '../../core/answerShape';
import { ServiceError } from '../../core/errors';
import { isRecord } from '../../core/records';
import type { BoardColumn } from '../workItem';

/** Property names from conveyor.yml (board.notion.properties), where the database does not use the defaults. */
export interface NotionPropertyNames {
  title?: string;
  status?: string;
  assignee?: string;
  milestone?: string;
}

/** One option of the status property, with the board column it stands in. */
export interface NotionStatusOption {
  id: string;
  name: string;
  column: BoardColumn;
}

export interface NotionBoardSchema {
  title: string;
  status: { name: string; type: 'status' | 'select'; options: NotionStatusOption[] };
  assignee?: string;
  milestone?: { name: string; type: 'select' | 'date' };
  /** A unique ID property: items are known by `PREFIX-12`. */
  key?: string;
}

/** The names Notion's own task templates give these properties. */
const DEFAULT_NAMES = { status: 'Status', assignee: 'Assignee', milestone: 'Milestone' } as const;

interface PropertySchema {
  name: string;
  type: string;
  config: Record<string, unknown>;
}

/** The board's properties among a data source's `properties` (by name, as the API keys them). */
export function resolveBoardSchema(properties: unknown, names: NotionPropertyNames = {}): NotionBoardSchema {
  if (!isRecord(properties)) throw unexpectedShape('Notion', 'the database has no properties');
  const all: PropertySchema[] = Object.entries(properties).map(([name, value]) => {
    if (!isRecord(value) || typeof value.type !== 'string') throw unexpectedShape('Notion', `property ${name} has no type`);
    return { name, type: value.type, config: isRecord(value[value.type]) ? (value[value.type] as Record<string, unknown>) : {} };
  });
  const pick = (setting: keyof NotionPropertyNames, types: readonly string[], fallback: () => PropertySchema | undefined) => {
    const configured = names[setting];
    if (configured === undefined) return fallback();
    const property = all.find((p) => p.name === configured);
    if (!property || !types.includes(property.type)) throw misnamed(setting, configured, types, all);
    return property;
  };
  const named = (types: readonly string[], name: string) =>
    all.find((p) => p.name.toLowerCase() === name.toLowerCase() && types.includes(p.type));
  const firstOf = (type: string) => all.find((p) => p.type === type);

  const title = pick('title', ['title'], () => firstOf('title'));
  if (!title) throw unexpectedShape('Notion', 'the database has no title property');
  const status = pick('status', ['status', 'select'], () => named(['status', 'select'], DEFAULT_NAMES.status) ?? firstOf('status'));
  if (!status)
    throw new ServiceError(
      'Notion',
      'invalid',
      `The Notion database has no Status property to make the board's columns: add one in Notion, or name a status or select property in board.notion.properties.status (it has ${listed(all)}).`,
    );
  const assignee = pick('assignee', ['people'], () => named(['people'], DEFAULT_NAMES.assignee) ?? firstOf('people'));
  // Only a property meant as one is a milestone: any date (Created, Due) would not be.
  const milestone = pick('milestone', ['select', 'date'], () => named(['select', 'date'], DEFAULT_NAMES.milestone));
  const key = all.find((p) => p.type === 'unique_id');
  return {
    title: title.name,
    status: { name: status.name, type: status.type as 'status' | 'select', options: statusOptions(status) },
    ...(assignee ? { assignee: assignee.name } : {}),
    ...(milestone ? { milestone: { name: milestone.name, type: milestone.type as 'select' | 'date' } } : {}),
    ...(key ? { key: key.name } : {}),
  };
}

/**
 * A status property sorts its options into Notion's three groups (To-do, In progress, Complete); a select has
 * no groups, so its option names decide.
 */
function statusOptions(property: PropertySchema): NotionStatusOption[] {
  const options = Array.isArray(property.config.options) ? property.config.options.filter(isOption) : [];
  const groups = Array.isArray(property.config.groups) ? property.config.groups.filter(isRecord) : [];
  return options.map((option) => {
    const group = groups.find((g) => Array.isArray(g.option_ids) && g.option_ids.includes(option.id));
    const column = typeof group?.name === 'string' ? columnOfGroup(group.name, option.name) : columnOfName(option.name);
    return { id: option.id, name: option.name, column };
  });
}

function columnOfGroup(group: string, option: string): BoardColumn {
  if (/complete|done/i.test(group)) return 'done';
  if (/progress/i.test(group)) return /review/i.test(option) ? 'in-review' : 'in-progress';
  return 'todo';
}

/** The column a status name suggests: teams name their select options freely. */
export function columnOfName(name: string): BoardColumn {
  if (/\b(done|complete[d]?|closed|shipped|released|resolved|cancel+ed|won'?t do)\b/i.test(name)) return 'done';
  if (/review/i.test(name)) return 'in-review';
  if (/progress|doing|started|active|\bwip\b/i.test(name)) return 'in-progress';
  return 'todo';
}

function isOption(value: unknown): value is { id: string; name: string } {
  return isRecord(value) && typeof value.id === 'string' && typeof value.name === 'string';
}

function misnamed(setting: string, name: string, types: readonly string[], all: PropertySchema[]): ServiceError {
  const found = all.find((p) => p.name === name);
  const problem = found ? `is a ${found.type} property, not ${types.join(' or ')}` : 'is not a property of the database';
  return new ServiceError(
    'Notion',
    'invalid',
    `board.notion.properties.${setting} in conveyor.yml names "${name}", which ${problem}; the database has ${listed(all)}.`,
  );
}

function listed(all: PropertySchema[]): string {
  return all.map((p) => `${p.name} (${p.type})`).join(', ') || 'no properties';
}
