// The control plane's processes, in the style of scripts/docker/background.ts (log file, readiness probe,
// errors that quote the log) with two differences that a cluster shared by a whole mocha run needs:
// each process leads its own process group, stopped as a group; and the children are unref'd, so a test
// process that is done exits (its 'exit' hook then kills them) instead of waiting for daemons that never end.
import { delay, logTail, spawnLogged, type BackgroundProcess } from '../docker/background';

export { delay, freePort, logTail, processesMentioning } from '../docker/background';

export type KubeProcess = BackgroundProcess;

const running = new Set<number>();
let exitHookInstalled = false;

/** Synchronous kill of every group still running, for the 'exit' hook and for failed starts. */
export function killAllNow(): void {
  running.forEach((pid) => killGroup(pid, 'SIGKILL'));
  running.clear();
}

function trackUntilExit(pid: number): void {
  running.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Only synchronous work is possible in 'exit'; SIGKILL because nobody will wait for a graceful stop.
    process.once('exit', killAllNow);
  }
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv },
): KubeProcess {
  const { process: proc, child } = spawnLogged(name, command, args, { ...options, detached: true }, (pid) => running.delete(pid));
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
  running.delete(proc.pid);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Negative: the whole process group that `detached` made this process the leader of.
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
