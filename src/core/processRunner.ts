// Runs one command as a child process in its own process group (processGroupStart.ts), so Stop and timeouts can
// end the whole tree it started (a shell, npm, the compiler npm started, a server a test left behind) without orphans.
// On Stop or a timeout, processes that left the group and lost their parent are found by a marker in their
// environment (processTracking.ts); if the host itself dies first, a watcher process stops them (processGuard.ts).
import { spawn } from 'node:child_process';
import { timerDelay } from './clock';
import { LaunchError, launchInGroup, type StartedCommand } from './commandLauncher';
import { groupStart, perlGroupStart, type GroupStart } from './processGroupStart';
import { guardCommand } from './processGuard';
import { descendantsOf, isRunning, readProcessTable, startTracking } from './processTracking';
import type { ProcessTracking } from './processTracking';

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
  /**
   * Output is not read until this settles: the caller is not ready for it yet (the pipeline announces its run first).
   * Meanwhile the command blocks once the pipe is full, so nothing piles up in memory.
   */
  holdOutput?: Promise<unknown>;
  /** Called once the command is running (not for one that could not start). */
  onStarted?: () => void;
  /**
   * A folder the command writes in that the caller removes when it is over: removed too if this process ends while
   * the command runs (processGuard.ts), when the caller's own clean-up cannot run.
   */
  workFolder?: string;
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
  const tracking = startTracking();
  const env = { ...process.env, ...spec.env, ...tracking.env };
  const start = groupStart(spec.command, spec.args, env);
  const watch = (startChild: () => StartedCommand) => {
    let child: StartedCommand;
    try {
      child = startChild();
    } catch (error) {
      // Node reports a missing cwd or executable as an 'error' event, and throws the rest at once: a cwd that is a
      // file (ENOTDIR), a NUL byte in an argument.
      return Promise.resolve(startFailed(error));
    }
    const watched = watchCommand(child, tracking, started, options);
    options.onStarted?.();
    return watched;
  };
  const spawnChild = (how: Extract<GroupStart, { via: 'spawn' }>) => () =>
    spawn(how.command, how.args, { cwd: spec.cwd, env, detached: how.detached, stdio: ['ignore', 'pipe', 'pipe'] });
  if (start.via === 'spawn') return watch(spawnChild(start));
  return launchInGroup(start.perl, start.command, start.args, spec.cwd, env).then(
    (child) => watch(() => child),
    // A launcher that cannot run here, or the command's own failure (a missing folder): Node's spawn of perl then
    // starts it, or says why not in Node's words. Never a second start of a command that may have run.
    (error: unknown) =>
      error instanceof LaunchError && !error.beforeStart ? startFailed(error) : watch(spawnChild(perlGroupStart(start))),
  );
}

function startFailed(error: unknown): ProcessResult {
  return { exitCode: null, signal: null, timedOut: false, cancelled: false, durationMs: 0, spawnError: (error as Error).message };
}

/** Follows a started command (listeners added at once: Node emits a failed start on the next tick) to its end. */
function watchCommand(
  child: StartedCommand,
  tracking: ProcessTracking,
  started: number,
  options: RunProcessOptions,
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    let pipesTimer: NodeJS.Timeout | undefined;
    tracking.firstPid = child.pid;
    const unguard = child.pid ? guardCommand(child.pid, tracking.id, options.workFolder) : () => undefined;
    const outputRead = deliverOutput(child, options.onOutput, options.holdOutput);
    const finish = (result: Omit<ProcessResult, 'durationMs' | 'timedOut' | 'cancelled'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(pipesTimer);
      options.signal?.removeEventListener('abort', onAbort);
      const durationMs = Math.round(performance.now() - started);
      // Stopped: over once everything it started has ended, not when its shell has; and once held output is read.
      void Promise.all([stopping, outputRead]).then(() => {
        unguard();
        resolve({ ...result, timedOut, cancelled, durationMs });
      });
    };
    let stopping: Promise<void> | undefined;
    const stop = () => void (stopping ??= killProcessTree(child.pid, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS, tracking));
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

    child.on('error', (error) => finish({ exitCode: null, signal: null, spawnError: error.message }));
    child.on('exit', (exitCode, signal) => {
      // The stage's main process is done; anything it left running in its group is an orphan-to-be. A process
      // that left the group on purpose is a daemon (a build tool's server started detached) and is left running, as
      // after a command in a terminal; Stop and a timeout end those too.
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
      // 'close' waits for every holder of the pipes; one outside the group would keep the stage (and Stop) waiting.
      // Counted from when the output is read: held output is not given up on.
      void outputRead.then(() => {
        if (settled) return;
        pipesTimer = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish({ exitCode, signal });
        }, options.pipeGraceMs ?? DEFAULT_PIPE_GRACE_MS);
      });
    });
    child.on('close', (exitCode, signal) => finish({ exitCode, signal }));
  });
}

/**
 * Hands the command's output to `onOutput`, or, while `hold` is pending, leaves it in the pipe (the command waits once
 * the pipe is full): the streams are paused before their listeners are added, so they stay paused. Node resumes them
 * when the command exits; what they read then is kept for later, and they are paused again. Resolves once the held
 * output is handed over.
 */
function deliverOutput(child: StartedCommand, onOutput: RunProcessOptions['onOutput'], hold: Promise<unknown> | undefined): Promise<void> {
  let held: [Buffer, 'stdout' | 'stderr'][] | undefined = hold ? [] : undefined;
  if (hold) {
    child.stdout.pause();
    child.stderr.pause();
  }
  for (const stream of ['stdout', 'stderr'] as const)
    child[stream].on('data', (chunk: Buffer) => {
      if (!held) return onOutput?.(chunk, stream);
      held.push([chunk, stream]);
      child[stream].pause();
    });
  if (!hold) {
    // A launched command's streams start paused (commandLauncher.ts); Node's are flowing already.
    child.stdout.resume();
    child.stderr.resume();
    return Promise.resolve();
  }
  const released = () => {
    const chunks = held ?? [];
    held = undefined;
    try {
      for (const [chunk, stream] of chunks) onOutput?.(chunk, stream);
    } finally {
      child.stdout.resume();
      child.stderr.resume();
    }
  };
  // A throwing onOutput is the caller's bug, as it is for a live chunk: raised on its own, never holding the command up.
  return hold.then(released, released).catch((error: unknown) => {
    process.nextTick(() => {
      throw error;
    });
  });
}

/**
 * SIGTERM to the process group, to every descendant (found through /proc, which also catches children that
 * started their own group), to every process the command's `tracking` finds (which also catches those whose
 * parent has exited) and to theirs (Chromium's helpers do not keep the marker); SIGKILL to whatever is still
 * running after the grace period; then the tracked processes once more, for any started meanwhile; and resolves once
 * all of them have ended. Without `pid` (the command's own process has gone), only what the tracking finds.
 */
export async function killProcessTree(pid: number | undefined, graceMs = DEFAULT_KILL_GRACE_MS, tracking?: ProcessTracking): Promise<void> {
  if (!pid && !tracking) return;
  const table = await readProcessTable({ tracking, parents: true });
  const roots = [...(pid ? [pid] : []), ...table.filter((p) => p.tracked).map((p) => p.pid)];
  const targets = [...new Set([...roots, ...roots.flatMap((root) => descendantsOf(root, table))])];
  if (pid) signalGroup(pid, 'SIGTERM');
  for (const p of targets) signalPid(p, 'SIGTERM');
  await untilEnded(targets, graceMs);
  if (pid) signalGroup(pid, 'SIGKILL');
  for (const p of targets) signalPid(p, 'SIGKILL');
  const killedLate = tracking ? await killTracked(tracking) : [];
  // SIGKILL is sent, not done: a process frees its memory before it ends (130 ms for a 2 GB heap here), and one
  // that is ending no longer shows the marker. Stopped means ended, so wait for them (a process stuck in the kernel,
  // on a dead NFS mount, say, is not waited for beyond KILLED_EXIT_WAIT_MS).
  await untilEnded([...targets, ...killedLate], KILLED_EXIT_WAIT_MS);
}

const KILLED_EXIT_WAIT_MS = 5000;

/** Waits until none of `pids` is running (a zombie has ended), or `graceMs` has passed. */
async function untilEnded(pids: number[], graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (pids.some(isRunning) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, Math.min(END_POLL_MS, deadline - Date.now())).unref());
}

const END_POLL_MS = 20;

/**
 * SIGKILL to every process `tracking` finds, again until a pass finds none: one found may have forked between
 * the read and the kill, and its child carries the marker too (actions/runner#4601).
 */
async function killTracked(tracking: ProcessTracking): Promise<number[]> {
  const killed: number[] = [];
  for (let pass = 0; pass < MAX_SWEEPS; pass++) {
    const tracked = (await readProcessTable({ tracking, parents: false })).filter((p) => p.tracked);
    if (tracked.length === 0) break;
    for (const p of tracked) signalPid(p.pid, 'SIGKILL');
    killed.push(...tracked.map((p) => p.pid));
  }
  return killed;
}

const MAX_SWEEPS = 5;

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
