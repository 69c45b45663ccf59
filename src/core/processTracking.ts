// Finds the processes a command started even after they left its process group (setsid, a daemon's double
// fork) and lost their parent: each carries a marker in its environment, as GitHub Actions' runner finds a
// job's processes by RUNNER_TRACKING_ID. Linux only (/proc); elsewhere nothing is found.
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';

/**
 * Every process a command starts inherits this variable with the command's own value. A stage that means to
 * leave a server running starts it with the variable emptied (`CONVEYOR_TRACKING_ID= setsid server &`).
 */
export const TRACKING_VARIABLE = 'CONVEYOR_TRACKING_ID';

export interface ProcessTracking {
  /** The marker's value, unique to one command. */
  id: string;
  /** The environment entry to give the command. */
  env: Record<string, string>;
  marker: Buffer;
  /** The kernel's count of processes and threads created, read before the command started. */
  createdBefore: number | undefined;
  /** Set once the command is running: its processes all have pids allocated after this one. */
  firstPid?: number;
}

export function startTracking(): ProcessTracking {
  return trackingFor(randomBytes(12).toString('hex'), createdSoFar());
}

/**
 * The tracking of a command known by its id only (processGuardMain.ts): with no count of processes from before it
 * started, every process's environment is read.
 */
export function trackingFor(id: string, createdBefore?: number): ProcessTracking {
  return { id, env: { [TRACKING_VARIABLE]: id }, marker: Buffer.from(`${TRACKING_VARIABLE}=${id}\0`), createdBefore };
}

/** Whether `pid` is still one of the command's processes (not ended, its pid not reused); true where /proc cannot tell. */
export function carriesMarker(pid: number, tracking: ProcessTracking): boolean {
  if (!existsSync('/proc/self')) return true;
  try {
    return readFileSync(`/proc/${pid}/environ`).includes(tracking.marker);
  } catch {
    return false;
  }
}

export interface ProcessEntry {
  pid: number;
  /** 0 when not asked for. */
  ppid: number;
  /** Started with the command's marker in its environment (a zombie has no environment left, so never). */
  tracked: boolean;
}

/**
 * Every process /proc shows, with its parent when `parents` is asked for (the last sweeps of a Stop
 * need only the markers); an empty list where /proc is not available.
 */
export async function readProcessTable({ tracking, parents }: { tracking?: ProcessTracking; parents: boolean }): Promise<ProcessEntry[]> {
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    return [];
  }
  const mayBeTracked = tracking ? allocatedSince(tracking) : () => false;
  const table = await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e) && (parents || mayBeTracked(Number(e))))
      .map(async (entry): Promise<ProcessEntry> => {
        const pid = Number(entry);
        const stat = parents ? await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '') : '';
        // Field 4 (ppid) follows the command name, which is in parentheses and may contain spaces.
        const ppid = parents ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : 0;
        // Other users' environments cannot be read; their processes are not ours to stop anyway.
        const environ =
          tracking && pid !== process.pid && mayBeTracked(pid)
            ? await fs.readFile(`/proc/${entry}/environ`).catch(() => undefined)
            : undefined;
        return { pid, ppid, tracked: !!tracking && !!environ?.includes(tracking.marker) };
      }),
  );
  return table.filter((p) => Number.isFinite(p.ppid));
}

/** Whether `pid` is a process that has not ended (a zombie has: it only waits for its parent to collect it). */
export function isRunning(pid: number): boolean {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat !== undefined) return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  try {
    // Without /proc (macOS): signal 0 only asks whether the process exists.
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** All processes below `pid` in `table` (read with parents). */
export function descendantsOf(pid: number, table: ProcessEntry[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Which pids can belong to the command. Reading every process's environment costs about 0.25 ms each (150 ms
 * with 500 processes, on each Stop); Linux hands out pids in turn, so the command's processes have pids from its
 * own up to the last one allocated (/proc/loadavg), wrapping at pid_max. Once more processes were created
 * than pids exist, the range says nothing and every process is read.
 */
function allocatedSince(tracking: ProcessTracking): (pid: number) => boolean {
  const created = createdSoFar();
  return pidsAllocatedSince({
    first: tracking.firstPid,
    last: Number(readProc('/proc/loadavg')?.trim().split(' ')[4]),
    pidMax: Number(readProc('/proc/sys/kernel/pid_max')),
    createdMeanwhile: created !== undefined && tracking.createdBefore !== undefined ? created - tracking.createdBefore : undefined,
  });
}

/** The test behind allocatedSince, from the numbers /proc gave (any of them unknown: every pid may be). */
export function pidsAllocatedSince(at: {
  first?: number;
  last: number;
  pidMax: number;
  createdMeanwhile?: number;
}): (pid: number) => boolean {
  const { first, last, pidMax, createdMeanwhile } = at;
  if (!first || !Number.isInteger(last) || !pidMax || createdMeanwhile === undefined) return () => true;
  // Low pids are reserved and skipped on wrapping; a margin keeps the test safe near a full turn.
  if (createdMeanwhile >= pidMax - 1000) return () => true;
  return last >= first ? (pid) => pid >= first && pid <= last : (pid) => pid >= first || pid <= last;
}

/** Processes and threads created since boot (/proc/stat's `processes`), or undefined. */
function createdSoFar(): number | undefined {
  const count = Number(/^processes (\d+)$/m.exec(readProc('/proc/stat') ?? '')?.[1]);
  return Number.isInteger(count) ? count : undefined;
}

/** A small /proc file, read at once: a thread-pool round trip would cost more than the read. */
function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
