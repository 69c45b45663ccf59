// Where a folder's runs live: recent runs, their logs, and the commits marked ready for release. Kept in
// the repository's git directory (per clone, never committed, shared by the extension and the CLI), or in
// `.conveyor/runs/` for a folder without git.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { GitInfo } from '../../code/gitInfo';
import { listDir, readTextIfExists, withFileLock, writeFileAtomic } from '../../core/fsUtil';
import type { PipelineRun } from './pipelineRun';

const MAX_RUNS = 30;
const MAX_READY = 200;
const KEPT_PROBLEMS_PER_STAGE = 50;
/** A log that no recorded run names and that has not been written for this long belonged to a process that died. */
const ORPHAN_LOG_MS = 24 * 60 * 60 * 1000;

export interface ReadyCommit {
  sha: string;
  runId: string;
  markedAt: string;
}

export function pipelineStateDir(folder: string, git: Pick<GitInfo, 'gitDir' | 'root'>): string {
  if (!git.gitDir || !git.root) return path.join(folder, '.conveyor', 'runs');
  const relative = path.relative(git.root, folder);
  return path.join(git.gitDir, 'conveyor', relative || '.');
}

export class RunHistory {
  constructor(readonly stateDir: string) {}

  get logsDir(): string {
    return path.join(this.stateDir, 'logs');
  }

  /** Newest first. A missing or unreadable history is an empty one (it is a cache, not a record). */
  async runs(): Promise<PipelineRun[]> {
    const parsed = await readJson<{ runs?: PipelineRun[] }>(path.join(this.stateDir, 'runs.json'));
    return Array.isArray(parsed?.runs) ? parsed.runs : [];
  }

  /** The editor and the CLI record into the same folder: each read-change-write holds the file's lock. */
  async record(run: PipelineRun): Promise<void> {
    await this.ensureDir();
    const file = path.join(this.stateDir, 'runs.json');
    await withFileLock(file, async () => {
      const before = await this.runs();
      const runs = [compact(run), ...before.filter((r) => r.id !== run.id)].slice(0, MAX_RUNS);
      // A cache (runs() reads a lost or empty file as no history): not flushed to disk, which cost 2 ms of each run.
      await writeFileAtomic(file, `${JSON.stringify({ version: 1, runs }, null, 1)}\n`, undefined, { cache: true });
      await this.pruneLogs(runs, before);
    });
  }

  async readyCommits(): Promise<ReadyCommit[]> {
    const parsed = await readJson<{ commits?: ReadyCommit[] }>(path.join(this.stateDir, 'ready.json'));
    return Array.isArray(parsed?.commits) ? parsed.commits : [];
  }

  async isReady(sha: string): Promise<ReadyCommit | undefined> {
    return (await this.readyCommits()).find((c) => c.sha === sha);
  }

  async markReady(sha: string, runId: string): Promise<void> {
    await this.ensureDir();
    const file = path.join(this.stateDir, 'ready.json');
    await withFileLock(file, async () => {
      const others = (await this.readyCommits()).filter((c) => c.sha !== sha);
      const commits = [{ sha, runId, markedAt: new Date().toISOString() }, ...others].slice(0, MAX_READY);
      await writeFileAtomic(file, `${JSON.stringify({ version: 1, commits }, null, 1)}\n`);
    });
  }

  logFileFor(runId: string): string {
    return path.join(this.logsDir, `${runId}.log`);
  }

  private async ensureDir(): Promise<void> {
    await fs.mkdir(this.stateDir, { recursive: true });
    // Without git the state sits in the workspace: keep it out of any future repository.
    if (this.stateDir.endsWith(path.join('.conveyor', 'runs'))) {
      await fs.writeFile(path.join(this.stateDir, '.gitignore'), '*\n', { flag: 'wx' }).catch(() => undefined);
    }
  }

  /**
   * Removes the logs of runs that fell out of the history now. A log no run names may be a run still going in
   * another process (the editor's while the CLI records): it goes only once nothing has written it for a day.
   */
  private async pruneLogs(kept: PipelineRun[], before: PipelineRun[]): Promise<void> {
    const keep = new Set(kept.map((r) => path.basename(r.logFile)));
    const dropped = new Set(before.map((r) => path.basename(r.logFile)).filter((name) => !keep.has(name)));
    for (const name of await listDir(this.logsDir)) {
      if (!name.endsWith('.log') || keep.has(name)) continue;
      const file = path.join(this.logsDir, name);
      const orphaned = async () => Date.now() - ((await fs.stat(file).catch(() => undefined))?.mtimeMs ?? Date.now()) > ORPHAN_LOG_MS;
      if (dropped.has(name) || (await orphaned())) await fs.rm(file, { force: true });
    }
  }
}

/** The history keeps enough to show a run, not every problem it found. */
function compact(run: PipelineRun): PipelineRun {
  return {
    ...run,
    stages: run.stages.map((s) => ({
      ...s,
      problems: s.problems.slice(0, KEPT_PROBLEMS_PER_STAGE),
      droppedProblems: (s.droppedProblems ?? 0) + Math.max(0, s.problems.length - KEPT_PROBLEMS_PER_STAGE),
      tests: s.tests && { ...s.tests, results: [] },
    })),
  };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  const text = await readTextIfExists(file).catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
