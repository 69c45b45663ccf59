// Jira's issue and transition JSON, read into Conveyor's WorkItem model; and the JQL a board asks with.
import type { BoardColumn, WorkItem, WorkItemTransition } from '../workItem';
import { unexpectedShape } from '../../core/answerShape';

/** The issue fields a board shows; Jira returns only what is asked for. */
export const ISSUE_FIELDS = ['summary', 'status', 'assignee', 'labels', 'duedate', 'updated', 'issuetype', 'fixVersions'] as const;

/** How long finished work stays on the board. */
export const RECENTLY_DONE = '-14d';

/**
 * The JQL for a board: the caller's own query, else the project's open items and those done recently.
 * `mine` narrows either to the signed-in user, keeping the query's ORDER BY last where JQL needs it.
 */
export function boardJql(options: { project?: string; jql?: string; mine?: boolean }): string {
  const base = options.jql?.trim()
    ? options.jql.trim()
    : `project = ${jqlString(options.project ?? '')} AND (statusCategory != Done OR updated >= ${RECENTLY_DONE}) ORDER BY updated DESC`;
  if (!options.mine) return base;
  const { where, orderBy } = splitOrderBy(base);
  const mine = 'assignee = currentUser()';
  const narrowed = where ? `(${where}) AND ${mine}` : mine;
  return orderBy ? `${narrowed} ${orderBy}` : narrowed;
}

function splitOrderBy(jql: string): { where: string; orderBy?: string } {
  // The last ORDER BY outside quoted text; JQL allows it only at the end.
  let quote: string | undefined;
  let found = -1;
  for (let i = 0; i < jql.length; i++) {
    const c = jql[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (/^order\s+by\b/i.test(jql.slice(i)) && (i === 0 || /\s|\)/.test(jql[i - 1]))) {
      found = i;
    }
  }
  if (found < 0) return { where: jql };
  return { where: jql.slice(0, found).trim(), orderBy: jql.slice(found).trim() };
}

/** A JQL string literal: quoted so project keys that are reserved words (`IS`, `AND`) still work. */
export function jqlString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

interface StatusLike {
  name?: unknown;
  statusCategory?: { key?: unknown; colorName?: unknown };
}

/**
 * The column of a Jira status. Categories are `new`, `indeterminate` and `done`; a status named like
 * "review" is work waiting for review unless its category says it is finished. Unknown category keys
 * (Atlassian's own published examples use `in-flight` and `completed`) fall back to the category colour,
 * which Jira ties to the category.
 */
export function columnOf(status: StatusLike | undefined): BoardColumn {
  const category = categoryColumn(status?.statusCategory);
  const name = typeof status?.name === 'string' ? status.name : '';
  if (category !== 'done' && /review/i.test(name)) return 'in-review';
  return category;
}

function categoryColumn(category: StatusLike['statusCategory']): BoardColumn {
  switch (category?.key) {
    case 'new':
      return 'todo';
    case 'indeterminate':
      return 'in-progress';
    case 'done':
      return 'done';
  }
  switch (category?.colorName) {
    case 'yellow':
      return 'in-progress';
    case 'green':
      return 'done';
    default:
      return 'todo';
  }
}

/** Branch-name type from the issue type: bugs are fixes, stories and tasks are features. */
export function typeOf(issueType: string | undefined): string {
  switch (issueType?.toLowerCase()) {
    case 'bug':
      return 'fix';
    case 'story':
    case 'task':
      return 'feat';
    default:
      return 'chore';
  }
}

/** A Jira issue (search result or single issue) as a WorkItem; `sprintField` is the site's Sprint custom field. */
export function workItemOf(issue: unknown, site: string, sprintField?: string): WorkItem {
  const raw = record(issue, 'issue');
  const id = text(raw.id, 'issue id');
  const key = text(raw.key, 'issue key');
  const fields = record(raw.fields ?? {}, `fields of ${key}`);
  const status = optionalRecord(fields.status);
  const statusName = typeof status?.name === 'string' ? status.name : '';
  const assignee = optionalRecord(fields.assignee);
  const issueType = optionalRecord(fields.issuetype);
  const item: WorkItem = {
    provider: 'jira',
    id,
    key,
    title: typeof fields.summary === 'string' ? fields.summary : '',
    column: columnOf(status),
    status: statusName,
    labels: Array.isArray(fields.labels) ? fields.labels.filter((l): l is string => typeof l === 'string') : [],
    url: `${site}/browse/${encodeURIComponent(key)}`,
    type: typeOf(typeof issueType?.name === 'string' ? issueType.name : undefined),
  };
  if (typeof assignee?.displayName === 'string') item.assignee = assignee.displayName;
  const milestone = sprintName(sprintField ? fields[sprintField] : undefined) ?? versionName(fields.fixVersions);
  if (milestone) item.milestone = milestone;
  if (typeof fields.duedate === 'string' && fields.duedate) item.due = fields.duedate;
  const updated = isoDateTime(fields.updated);
  if (updated) item.updated = updated;
  return item;
}

/** The active sprint, else the next planned one, else the last closed one. */
function sprintName(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const sprints = value.map(optionalRecord).filter((s): s is Record<string, unknown> => typeof s?.name === 'string');
  const pick = sprints.find((s) => s.state === 'active') ?? sprints.find((s) => s.state === 'future') ?? sprints.at(-1);
  return pick?.name as string | undefined;
}

function versionName(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const versions = value.map(optionalRecord).filter((v): v is Record<string, unknown> => typeof v?.name === 'string');
  return (versions.find((v) => v.released !== true) ?? versions[0])?.name as string | undefined;
}

/** Jira writes `2024-05-14T10:00:00.000+0000`; ISO 8601 wants a colon in the offset. */
function isoDateTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** The moves Jira offers from an issue's status; unavailable ones (a failing condition) are left out. */
export function transitionsOf(body: unknown): WorkItemTransition[] {
  const list = record(body, 'transitions answer').transitions;
  if (!Array.isArray(list)) throw unexpectedShape('Jira', 'no transitions list');
  return list
    .map((t) => record(t, 'transition'))
    .filter((t) => t.isAvailable !== false)
    .map((t) => {
      const to = optionalRecord(t.to) as StatusLike | undefined;
      const status = typeof to?.name === 'string' ? to.name : '';
      const name = typeof t.name === 'string' ? t.name : status;
      return { id: text(t.id, 'transition id'), name, column: columnOf(to), ...(status ? { status } : {}) };
    });
}

/** One page of `POST /search/jql`. */
export function searchPageOf(body: unknown): { issues: unknown[]; nextPageToken?: string; isLast: boolean } {
  const page = record(body, 'search answer');
  if (!Array.isArray(page.issues)) throw unexpectedShape('Jira', 'no issues list');
  const nextPageToken = typeof page.nextPageToken === 'string' && page.nextPageToken ? page.nextPageToken : undefined;
  // Jira leaves isLast out on some answers; without a token there is no next page to ask for.
  return { issues: page.issues, nextPageToken, isLast: page.isLast === true || !nextPageToken };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unexpectedShape('Jira', `${what} is not an object`);
  return value as Record<string, unknown>;
}

function optionalRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown, what: string): string {
  if (typeof value === 'string' && value) return value;
  if (typeof value === 'number') return String(value);
  throw unexpectedShape('Jira', `${what} is missing`);
}
