// Changes to the local board file as small edits of its YAML document: comments, order and formatting stay
// as the team wrote them, so a move is a one-line diff. Each change re-reads the file first, so an edit
// made meanwhile by git or another editor is kept; a file that does not parse is never written.
// Edits of one file are serialized: in this process by a queue, across Conveyor processes by a lock file,
// and a write by anything else between our read and our rename is seen (the text changed) and the edit redone.
import * as path from 'node:path';
import { isMap, isSeq, parseDocument, YAMLMap } from 'yaml';
import type { Document } from 'yaml';
import { readTextIfExists, removeStaleTempFiles, resolveInsideFolder, withFileLock, writeFileAtomic } from '../core/fsUtil';
import { localBoardError, parseLocalBoard, WORK_ITEM_STATUSES } from './localBoard';
import type { LocalWorkItem, WorkItemStatus } from './localBoard';

export type LocalBoardChange =
  | { kind: 'create'; title: string; status?: WorkItemStatus; assignee?: string; description?: string }
  | { kind: 'update'; key: string; status?: WorkItemStatus; assignee?: string | null; title?: string }
  | { kind: 'delete'; key: string };

/** Edits in flight per board file in this process, so they apply one after the other. */
const queues = new Map<string, Promise<unknown>>();

/** How often an edit is redone when the file keeps changing under it before it gives up with a message. */
const MAX_ATTEMPTS = 20;

/** Applies one change to the board file and returns the items as written (and the key of a created item). */
export async function changeLocalBoard(
  folder: string,
  file: string,
  change: LocalBoardChange,
): Promise<{ items: LocalWorkItem[]; key: string }> {
  const target = path.join(folder, file);
  // The place in the queue is taken before anything is awaited: edits apply in the order they were asked
  // for. (With the folder check awaited first, they queued in the order the thread pool answered it.)
  const previous = queues.get(target) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(async () => {
      // conveyor.yml's board.file is checked when it is read; this also catches a default path through a symlink.
      if (!(await resolveInsideFolder(folder, file)))
        throw localBoardError(
          'invalid',
          `${file} is outside this folder (through "..", or a symbolic link); Conveyor only writes a board inside it.`,
        );
      return withFileLock(target, () => applyToFile(target, file, change));
    });
  queues.set(target, next);
  try {
    return await next;
  } finally {
    if (queues.get(target) === next) queues.delete(target);
  }
}

async function applyToFile(target: string, file: string, change: LocalBoardChange): Promise<{ items: LocalWorkItem[]; key: string }> {
  await removeStaleTempFiles(target);
  for (let attempt = 1; ; attempt++) {
    const text = (await readTextIfExists(target)) ?? 'items: []\n';
    const parsed = parseLocalBoard(text);
    if (parsed.error) {
      throw localBoardError(
        'invalid',
        `${file} line ${parsed.error.line}: ${parsed.error.message}. Fix the file first; Conveyor does not write over a board it cannot read.`,
      );
    }
    const doc = parseDocument(text);
    const items = itemsOf(doc, file);
    const key = applyChange(doc, items, change, parsed.items, file);
    const written = doc.toString({ lineWidth: 0 });
    // Something outside Conveyor (git, an editor, a script) wrote the file since we read it: redo on its text.
    if (((await readTextIfExists(target)) ?? 'items: []\n') !== text) {
      if (attempt < MAX_ATTEMPTS) continue;
      throw localBoardError('conflict', `${file} kept changing while Conveyor edited it; nothing was written: try again.`);
    }
    await writeFileAtomic(target, written);
    return { items: parseLocalBoard(written).items, key };
  }
}

function itemsOf(doc: Document, file: string) {
  // An empty file becomes a board; anything else that is not a mapping (a list, prose, a number) is refused,
  // as a file that does not parse is: it is not a board, and writing one over it would lose it.
  if (doc.contents === null) doc.contents = new YAMLMap();
  if (!isMap(doc.contents)) {
    throw localBoardError(
      'invalid',
      `${file} is not a Conveyor board (its top level must be a mapping with "items:"); nothing was written.`,
    );
  }
  const map = doc.contents;
  if (!map.has('items')) map.set('items', doc.createNode([]));
  const items = map.get('items', true);
  if (!isSeq(items)) throw localBoardError('invalid', `${file}: "items" must be a list of work items.`);
  // Flow style (`[]`) for an empty list would put every new item on one line.
  items.flow = false;
  return items;
}

function applyChange(
  doc: Document,
  items: ReturnType<typeof itemsOf>,
  change: LocalBoardChange,
  known: LocalWorkItem[],
  file: string,
): string {
  if (change.kind === 'create') {
    const title = change.title.trim();
    if (!title) throw localBoardError('invalid', 'A work item needs a title.');
    // Every key in the file counts, also those of blocks the board cannot show (no title): a key handed out
    // twice would send later edits to the first block that has it.
    const key = nextKey([...known, ...items.items.flatMap((node) => (isMap(node) ? [{ key: keyOf(node) }] : []))]);
    const block: Record<string, string> = { key, title, status: change.status ?? 'todo' };
    if (change.assignee) block.assignee = change.assignee;
    // A multi-line string is written as a literal block (`description: |`), so the Markdown reads as itself.
    if (change.description?.trim()) block.description = change.description;
    const node = doc.createNode(block);
    // Keep the file's rhythm: when items are separated by blank lines, so is the new one.
    if (items.items.some((existing) => isMap(existing) && existing.spaceBefore)) node.spaceBefore = true;
    items.add(node);
    return key;
  }
  const matching = items.items.flatMap((node, at) => (isMap(node) && keyOf(node) === change.key ? [at] : []));
  if (matching.length === 0)
    throw localBoardError('not-found', `${change.key} is no longer in ${file} (removed or renamed meanwhile): refresh the board.`);
  // Two blocks with one key (a merge brought both): which one is meant is the user's call, not a guess.
  if (matching.length > 1)
    throw localBoardError(
      'invalid',
      `${change.key} is the key of ${matching.length} items in ${file}: give each its own key, then try again.`,
    );
  const [index] = matching;
  if (change.kind === 'delete') {
    items.delete(index);
    return change.key;
  }
  const node = items.items[index] as YAMLMap;
  if (change.status) {
    if (!WORK_ITEM_STATUSES.includes(change.status)) throw localBoardError('invalid', `Unknown status ${change.status}.`);
    node.set('status', change.status);
  }
  if (change.title !== undefined) node.set('title', change.title.trim());
  if (change.assignee === null || change.assignee === '') node.delete('assignee');
  else if (change.assignee !== undefined) node.set('assignee', change.assignee);
  return change.key;
}

/** `CNV-7` after CNV-1…CNV-6: the most common prefix, the highest number plus one. */
/** A block's key as written (`key: 2024` reads as a number). */
function keyOf(node: YAMLMap): string {
  const key: unknown = node.get('key');
  return typeof key === 'string' ? key : typeof key === 'number' ? String(key) : '';
}

export function nextKey(items: readonly Pick<LocalWorkItem, 'key'>[]): string {
  const parsed = items.map((i) => /^([A-Za-z][A-Za-z0-9]*)-(\d+)$/.exec(i.key)).filter((m): m is RegExpExecArray => m !== null);
  const counts = new Map<string, number>();
  for (const m of parsed) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  const prefix = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'CNV';
  const highest = Math.max(0, ...parsed.filter((m) => m[1] === prefix).map((m) => Number(m[2])));
  return `${prefix}-${highest + 1}`;
}
