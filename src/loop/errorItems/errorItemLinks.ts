// Which work item was made from which error: the link that carries the loop from operate back to plan.
// Kept next to the run history and the belt's records (`.git/conveyor/<folder>/error-items.json`): local state
// about this clone, whichever board and error source the folder uses. Newest first.
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { withFileLock, writeFileAtomic } from '../../core/fsUtil';
import { isRecord } from '../../core/records';

const FILE = 'error-items.json';

export interface ErrorItemLink {
  /** The error's stable id (the receiver's fingerprint or Sentry's issue id). */
  errorId: string;
  /** `LOCAL-3`, `SHOP-1A`. */
  errorShortId: string;
  /** The item's key on its board: `SHOP-12`, `#41`, `ENG-7`. */
  itemKey: string;
  /** The item's title when it was made, for the error row's tooltip. */
  itemTitle?: string;
  /** The item's web page, when its board has one. */
  itemUrl?: string;
  /** The board provider that holds the item (`local`, `github`, `linear`, `jira`, …). */
  provider: string;
  /** ISO 8601. */
  createdAt: string;
}

export class ErrorItemLinks {
  /** Writes go one after another, so two links made at once both land. */
  constructor(readonly stateDir: string) {}

  /** A missing or unreadable file means no links (they are a convenience, never worth an error). */
  async all(): Promise<ErrorItemLink[]> {
    try {
      const parsed = JSON.parse(await readFile(path.join(this.stateDir, FILE), 'utf8')) as unknown;
      const links = isRecord(parsed) && Array.isArray(parsed.links) ? parsed.links : [];
      return links.filter(isLink);
    } catch {
      return [];
    }
  }

  async forError(errorId: string): Promise<ErrorItemLink | undefined> {
    return (await this.all()).find((l) => l.errorId === errorId);
  }

  async forItem(itemKey: string): Promise<ErrorItemLink[]> {
    const key = itemKey.toUpperCase();
    return (await this.all()).filter((l) => l.itemKey.toUpperCase() === key);
  }

  /**
   * Records a link; a later link for the same error replaces the earlier one. The read-change-write holds the
   * file's lock: the editor and the CLI (and two quick commands) each have their own instance.
   */
  async add(link: ErrorItemLink): Promise<void> {
    await mkdir(this.stateDir, { recursive: true });
    const file = path.join(this.stateDir, FILE);
    await withFileLock(file, async () => {
      const links = [link, ...(await this.all()).filter((l) => l.errorId !== link.errorId)];
      await writeFileAtomic(file, `${JSON.stringify({ version: 1, links }, null, 1)}\n`);
    });
  }
}

function isLink(value: unknown): value is ErrorItemLink {
  return (
    isRecord(value) &&
    typeof value.errorId === 'string' &&
    typeof value.errorShortId === 'string' &&
    typeof value.itemKey === 'string' &&
    typeof value.provider === 'string' &&
    typeof value.createdAt === 'string'
  );
}
