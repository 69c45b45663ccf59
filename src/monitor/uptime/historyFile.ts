// Persistence shared by uptime and goal history: one small JSON file per check or goal, written atomically
// after a quiet period, and a corrupt file moved aside (kept for a look) rather than failing the view.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readTextIfExists, writeFileAtomic } from '../../core/fsUtil';

/** A stable, readable file name for one history: the name for people, a hash of the identity for uniqueness. */
export function historyFileName(name: string, identity: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'history';
  return `${slug}-${createHash('sha1').update(identity).digest('hex').slice(0, 10)}.json`;
}

export interface LoadedJson<T> {
  value?: T;
  /** Set when the file existed but could not be used; says what happened and where the file went. */
  problem?: string;
}

/** Reads and validates a JSON file; `parse` throws an Error saying what is wrong with the content. */
export async function loadJsonFile<T>(file: string, parse: (raw: unknown) => T, what: string): Promise<LoadedJson<T>> {
  let text: string | undefined;
  try {
    text = await readTextIfExists(file);
  } catch (error) {
    return { problem: `${what} could not be read (${(error as Error).message}); starting fresh.` };
  }
  if (text === undefined) return {};
  try {
    return { value: parse(JSON.parse(text) as unknown) };
  } catch (error) {
    const aside = `${file}.corrupt-${Date.now()}`;
    const moved = await fs.rename(file, aside).then(
      () => true,
      () => false,
    );
    const where = moved ? `it was moved to ${path.basename(aside)}` : 'it could not be moved aside';
    return { problem: `${what} was unreadable (${(error as Error).message}); ${where} and history starts fresh.` };
  }
}

/**
 * Coalesces writes: each file is written at most once per `debounceMs` with its latest content, one file at
 * a time, so a burst of results costs one write per file and two writes never race on one target.
 */
export class DebouncedWriter {
  private readonly pending = new Map<string, () => string>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly debounceMs: number,
    private readonly onError: (file: string, error: Error) => void = () => undefined,
  ) {}

  schedule(file: string, produce: () => string): void {
    this.pending.set(file, produce);
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.debounceMs);
    // A pending history write must not keep a test run or CLI process alive; flush() on dispose saves it.
    this.timer.unref();
  }

  /** Writes everything pending now; resolves when all writes (including ones already running) are done. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    this.writing = this.writing.then(async () => {
      for (const [file, produce] of batch) {
        await writeFileAtomic(file, produce()).catch((error: Error) => this.onError(file, error));
      }
    });
    return this.writing;
  }
}
