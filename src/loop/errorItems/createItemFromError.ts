// Create Work Item from Error, without the editor: the item made on the folder's board (in To do), then the
// link recorded, so the error row and the trace find the item.
import type { ErrorIssue } from '../../monitor/errors/errorModel';
import type { NewWorkItem, WorkItem } from '../../plan/workItem';
import type { ErrorItemLink, ErrorItemLinks } from './errorItemLinks';
import { itemFromError, type LocateFrame } from './itemFromError';

export interface CreateFromErrorOptions {
  folder: string;
  /** The board's create (a provider's, or the editor's that also refreshes the board). */
  create: (fields: NewWorkItem) => Promise<WorkItem>;
  /** Where the link is recorded (an ErrorItemLinks, or the editor's service that also tells the Errors view). */
  links: Pick<ErrorItemLinks, 'add'>;
  locate: LocateFrame;
  now?: () => Date;
}

export async function createItemFromError(
  issue: ErrorIssue,
  options: CreateFromErrorOptions,
): Promise<{ item: WorkItem; link: ErrorItemLink }> {
  const { title, description } = await itemFromError(issue, options.folder, options.locate);
  const item = await options.create({ title, description, column: 'todo' });
  const link: ErrorItemLink = {
    errorId: issue.id,
    errorShortId: issue.shortId,
    itemKey: item.key,
    itemTitle: item.title,
    ...(item.url ? { itemUrl: item.url } : {}),
    provider: item.provider,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
  };
  await options.links.add(link);
  return { item, link };
}
