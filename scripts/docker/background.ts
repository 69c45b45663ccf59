// Long-running test servers (dockerd, the registry, a token server): started with their output in a log
// file, waited for with a readiness probe, stopped by PID. Errors quote the end of the log, because that
// is where a daemon says why it would not start.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { onProcessEnd } from '../processEnd';

export interface BackgroundProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
}

/** Stopped when the test process ends without stopping it (an uncaught error, process.exit, Ctrl-C). */
export function startInBackground(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv },
): BackgroundProcess {
  let forget = () => {};
  const { process: proc } = spawnLogged(name, command, args, options, () => forget());
  // SIGTERM, not SIGKILL: dockerd then stops its containerd too. The temporary folders stay behind.
  forget = onProcessEnd(() => signal(proc.pid, 'SIGTERM'));
  return proc;
}

/**
 * Spawns `command` with stdout and stderr appended to `logFile`; `onGone` hears the pid when it exits.
 * `detached` makes it lead its own process group (stopped as a group).
 */
export function spawnLogged(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv; detached?: boolean },
  onGone: (pid: number) => void,
): { process: BackgroundProcess; child: ChildProcess } {
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log, log],
      detached: options.detached ?? false,
    });
    let done = false;
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (error) => {
        done = true;
        resolve(error.message);
      });
      child.once('exit', (code, exitSignal) => {
        done = true;
        onGone(child.pid ?? -1);
        resolve(code ?? exitSignal ?? 'unknown');
      });
    });
    if (child.pid === undefined) {
      throw new Error(`${name} did not start (${command}): see ${options.logFile}`);
    }
    return { process: { name, pid: child.pid, logFile: options.logFile, exited, hasExited: () => done }, child };
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(log);
  }
}

export function logTail(logFile: string, lines = 25): string {
  if (!existsSync(logFile)) {
    return '(no log)';
  }
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export class ProcessExitedError extends Error {
  constructor(
    readonly process: BackgroundProcess,
    readonly exitCode: number | string,
  ) {
    super(`${process.name} exited (${exitCode}) before it was ready. Last lines of ${process.logFile}:\n${logTail(process.logFile)}`);
    this.name = 'ProcessExitedError';
  }
}

/** Polls `probe` until it says ready; fails early when the process dies, so a bad flag costs no timeout. */
export async function waitUntilReady(proc: BackgroundProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      throw new ProcessExitedError(proc, await proc.exited);
    }
    if (await probe().catch(() => false)) {
      return;
    }
    await delay(100);
  }
  throw new Error(`${proc.name} was not ready after ${timeoutMs / 1000} s. Last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(proc: BackgroundProcess, graceMs = 10_000): Promise<void> {
  if (proc.hasExited()) {
    return;
  }
  signal(proc.pid, 'SIGTERM');
  const stopped = await Promise.race([proc.exited.then(() => true), delay(graceMs).then(() => false)]);
  if (!stopped) {
    signal(proc.pid, 'SIGKILL');
    await proc.exited;
  }
}

/**
 * PIDs of the running `programs` whose command line mentions `marker` (a unique temporary folder): the
 * helpers a daemon started (dockerd's containerd and shims), which outlive it when it is killed.
 */
export function processesMentioning(marker: string, programs: readonly string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const program = path.basename(readlinkSync(`/proc/${entry}/exe`));
      if (programs.includes(program) && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) {
        pids.push(Number(entry));
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it; the server that takes it is started next). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
