// The embedded default board: a YAML file in the repository, versioned with the code.
import * as path from 'node:path';
import { parseDocument, LineCounter } from 'yaml';
import type { ConveyorConfig, BoardProviderName } from '../core/config/conveyorConfig';
import { aliasProblem, cleanYamlMessage, firstAliasRange, pinToContent } from '../core/yamlText';
import { readTextIfExists, writeFileAtomic } from '../core/fsUtil';
import type { ServiceErrorKind } from '../core/errors';
import { ServiceError } from '../core/errors';

export const DEFAULT_BOARD_FILE = '.conveyor/board.yml';

/** A board file that cannot be read or changed, as a ServiceError of "the local board" like a hosted board's. */
export function localBoardError(kind: ServiceErrorKind, message: string): ServiceError {
  return new ServiceError('the local board', kind, message);
}

export const WORK_ITEM_STATUSES = ['todo', 'in-progress', 'in-review', 'done'] as const;
export type WorkItemStatus = (typeof WORK_ITEM_STATUSES)[number];
export const STATUS_LABELS: Record<WorkItemStatus, string> = {
  todo: 'To do',
  'in-progress': 'In progress',
  'in-review': 'In review',
  done: 'Done',
};

export interface LocalWorkItem {
  key: string;
  title: string;
  status: WorkItemStatus;
  assignee?: string;
  /** Markdown, kept as a block under the item. */
  description?: string;
}

export interface BoardSetup {
  provider: BoardProviderName;
  /** Local board file, relative to the folder. */
  file: string;
  exists: boolean;
  items: LocalWorkItem[];
  /** Why the local board file could not be read, with its 1-based line. */
  error?: { message: string; line: number };
}

export async function resolveBoardSetup(folder: string, config: ConveyorConfig): Promise<BoardSetup> {
  const provider = config.board?.provider ?? 'local';
  const file = config.board?.file ?? DEFAULT_BOARD_FILE;
  const text = await readTextIfExists(path.join(folder, file));
  if (text === undefined) return { provider, file, exists: false, items: [] };
  return { provider, file, exists: true, ...parseLocalBoard(text) };
}

export function parseLocalBoard(text: string): { items: LocalWorkItem[]; error?: { message: string; line: number } } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError)
    return {
      items: [],
      error: { message: cleanYamlMessage(firstError.message), line: lineCounter.linePos(pinToContent(text, firstError.pos)[0]).line },
    };
  let data: { items?: unknown } | null;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) as { items?: unknown } | null;
  } catch (error) {
    const at = firstAliasRange(doc)?.[0] ?? 0;
    return { items: [], error: { message: aliasProblem(error), line: lineCounter.linePos(at).line } };
  }
  const rawItems = Array.isArray(data?.items) ? (data.items as Record<string, unknown>[]) : [];
  // YAML reads `title: 404` or `key: 2024` as numbers: they are still what the user wrote.
  const written = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);
  const items = rawItems
    .filter((i) => i && written(i.key) !== undefined && written(i.title) !== undefined)
    .map<LocalWorkItem>((i) => ({
      key: written(i.key)!,
      title: written(i.title)!,
      status: WORK_ITEM_STATUSES.includes(i.status as WorkItemStatus) ? (i.status as WorkItemStatus) : 'todo',
      assignee: typeof i.assignee === 'string' ? i.assignee : undefined,
      ...(typeof i.description === 'string' ? { description: i.description } : {}),
    }));
  return { items };
}

const STARTER_BOARD = `# Conveyor board: one block per work item, kept in the repository with the code.
# status is one of: todo, in-progress, in-review, done; description (optional) is Markdown
items:
  - key: CNV-1
    title: Describe the first thing to build
    status: todo
  - key: CNV-2
    title: Set up the pipeline (lint, build, test)
    status: todo
`;

/** Creates the starter board unless a board file already exists; never overwrites one. */
export async function createLocalBoard(folder: string, file = DEFAULT_BOARD_FILE): Promise<{ path: string; created: boolean }> {
  const target = path.join(folder, file);
  if ((await readTextIfExists(target)) !== undefined) return { path: target, created: false };
  await writeFileAtomic(target, STARTER_BOARD);
  return { path: target, created: true };
}
