// The control plane's processes, in the style of scripts/docker/background.ts (log file, readiness probe,
// errors that quote the log) with two differences that a cluster shared by a whole mocha run needs:
// each process leads its own process group, stopped as a group; and the children are unref'd, so a test
// process that is done exits (scripts/processEnd then kills them) instead of waiting for daemons that never end.
import { delay, logTail, spawnLogged, type BackgroundProcess } from '../docker/background';
import { onProcessEnd } from '../processEnd';

export { delay, freePort, logTail, processesMentioning } from '../docker/background';

export type KubeProcess = BackgroundProcess;

/** The groups still running, each with what takes it off the list of groups to kill when the process ends. */
const running = new Map<number, () => void>();

function trackUntilExit(pid: number): void {
  // Only synchronous work is possible then; SIGKILL because nobody will wait for a graceful stop.
  running.set(
    pid,
    onProcessEnd(() => killGroup(pid, 'SIGKILL')),
  );
}

function untrack(pid: number): void {
  running.get(pid)?.();
  running.delete(pid);
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv },
): KubeProcess {
  const { process: proc, child } = spawnLogged(name, command, args, { ...options, detached: true }, untrack);
  child.unref();
  trackUntilExit(proc.pid);
  return proc;
}

export class KubeProcessExitedError extends Error {
  constructor(proc: KubeProcess, exitCode: number | string) {
    super(`${proc.name} exited (${exitCode}) before it was ready. Last lines of ${proc.logFile}:\n${logTail(proc.logFile, 30)}`);
    this.name = 'KubeProcessExitedError';
  }
}

/** Polls `probe` until it says ready; fails early when the process dies, so a bad flag costs no timeout. */
export async function waitForProcess(proc: KubeProcess, probe: () => Promise<boolean>, timeoutMs: number, what = 'ready'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      throw new KubeProcessExitedError(proc, await proc.exited);
    }
    if (await probe().catch(() => false)) {
      return;
    }
    await delay(100);
  }
  throw new Error(`${proc.name} was not ${what} after ${timeoutMs / 1000} s. Last lines of ${proc.logFile}:\n${logTail(proc.logFile, 30)}`);
}

/** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader is gone. */
export async function stopKubeProcess(proc: KubeProcess, graceMs = 5_000): Promise<void> {
  if (proc.hasExited()) {
    return;
  }
  killGroup(proc.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    proc.exited.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
  ]);
  clearTimeout(timer);
  if (!stopped) {
    killGroup(proc.pid, 'SIGKILL');
    await proc.exited;
  }
  // Anything the leader left in its group.
  killGroup(proc.pid, 'SIGKILL');
  untrack(proc.pid);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Negative: the whole process group that `detached` made this process the leader of.
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
