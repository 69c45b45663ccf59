// The belt's records, next to the pipeline's run history in the git dir (`.git/conveyor/<folder>/belt.json`):
// local state about this clone, not part of the repository. Newest first. The delivery metrics compare the
// last 30 days with the 30 before, so every run of the last 60 days is kept (at most 2,000, about 3.4 MB),
// and the last 30 runs whatever their age, for the Ship view's history.
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../../core/fsUtil';
import type { BeltRun } from './beltRun';

const KEEP_DAYS = 60;
const KEEP_RECENT = 30;
const MAX_RUNS = 2000;
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
      const runs = keptRuns([run, ...(await this.runs()).filter((r) => r.id !== run.id)], Date.now());
      // Compact: the file is read by Conveyor only, and at 2,000 runs indentation would add a third.
      await writeFileAtomic(path.join(this.stateDir, FILE), `${JSON.stringify({ version: 1, runs })}\n`);
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}

/** The runs (newest first) worth keeping at `now`: the last 30, and those of the last 60 days up to 2,000. */
export function keptRuns(runs: readonly BeltRun[], now: number): BeltRun[] {
  const since = now - KEEP_DAYS * 86_400_000;
  return runs.filter((run, index) => index < KEEP_RECENT || Date.parse(run.startedAt) >= since).slice(0, MAX_RUNS);
}
