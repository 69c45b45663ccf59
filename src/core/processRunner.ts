// Runs one command as a child process in its own process group, so Stop and timeouts can end the whole
// tree it started (a shell, npm, the compiler npm started, a server a test left behind) without orphans.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { timerDelay } from './clock';

/** A command described as data; the runner decides how to run it. */
export interface CommandSpec {
  command: string;
  args: string[];
  cwd: string;
  /** Added to the parent's environment. */
  env?: Record<string, string>;
}

export interface RunProcessOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** How long a SIGTERM'd tree gets before SIGKILL. */
  killGraceMs?: number;
  /**
   * How long after the command exits its output pipes may stay open. A process that left the group (setsid,
   * a daemon) can hold them for ever; past this the command is over and what it prints is not read.
   */
  pipeGraceMs?: number;
}

export interface ProcessResult {
  exitCode: number | null;
  /** The signal that ended the process, when one did. */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** Set when the process could not be started at all (missing cwd, missing executable). */
  spawnError?: string;
}

const DEFAULT_KILL_GRACE_MS = 2000;
const DEFAULT_PIPE_GRACE_MS = 2000;

export function runProcess(spec: CommandSpec, options: RunProcessOptions = {}): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    let pipesTimer: NodeJS.Timeout | undefined;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const finish = (result: Omit<ProcessResult, 'durationMs' | 'timedOut' | 'cancelled'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(pipesTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, timedOut, cancelled, durationMs: Math.round(performance.now() - started) });
    };
    const stop = () => void killProcessTree(child.pid, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          stop();
        }, timerDelay(options.timeoutMs))
      : undefined;
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => options.onOutput?.(chunk, 'stdout'));
    child.stderr.on('data', (chunk: Buffer) => options.onOutput?.(chunk, 'stderr'));
    child.on('error', (error) => finish({ exitCode: null, signal: null, spawnError: error.message }));
    child.on('exit', (exitCode, signal) => {
      // The stage's main process is done; anything it left running in its group is an orphan-to-be.
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
      // 'close' waits for every holder of the pipes; one outside the group would keep the stage (and Stop) waiting.
      pipesTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish({ exitCode, signal });
      }, options.pipeGraceMs ?? DEFAULT_PIPE_GRACE_MS);
    });
    child.on('close', (exitCode, signal) => finish({ exitCode, signal }));
  });
}

/**
 * SIGTERM to the process group and to every descendant (found through /proc, which also catches children
 * that started their own group), then SIGKILL to whatever is left after the grace period.
 */
export async function killProcessTree(pid: number | undefined, graceMs = DEFAULT_KILL_GRACE_MS): Promise<void> {
  if (!pid) return;
  const descendants = await descendantsOf(pid);
  signalGroup(pid, 'SIGTERM');
  for (const p of descendants) signalPid(p, 'SIGTERM');
  await new Promise((r) => setTimeout(r, graceMs).unref());
  signalGroup(pid, 'SIGKILL');
  for (const p of [pid, ...descendants]) signalPid(p, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** All processes below `pid`, from /proc (Linux); an empty list where /proc is not available. */
async function descendantsOf(pid: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (entry) => {
        const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
        // Field 4 (ppid) follows the command name, which is in parentheses and may contain spaces.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (Number.isFinite(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      }),
  );
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
