// The belt's records, next to the pipeline's run history in the git dir (`.git/conveyor/<folder>/belt.json`):
// local state about this clone, not part of the repository. Newest first, the last 30 runs.
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../../core/fsUtil';
import type { BeltRun } from './beltRun';

const MAX_RUNS = 30;
const FILE = 'belt.json';

export class BeltHistory {
  /** Writes go one after another, so a record made while the belt moves never lands after the final one. */
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly stateDir: string) {}

  /** A missing or unreadable file is an empty history. */
  async runs(): Promise<BeltRun[]> {
    try {
      const parsed = JSON.parse(await readFile(path.join(this.stateDir, FILE), 'utf8')) as { runs?: unknown };
      return Array.isArray(parsed.runs) ? (parsed.runs as BeltRun[]) : [];
    } catch {
      return [];
    }
  }

  record(run: BeltRun): Promise<void> {
    const write = async () => {
      await mkdir(this.stateDir, { recursive: true });
      const runs = [run, ...(await this.runs()).filter((r) => r.id !== run.id)].slice(0, MAX_RUNS);
      await writeFileAtomic(path.join(this.stateDir, FILE), `${JSON.stringify({ version: 1, runs }, null, 1)}\n`);
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}
