// Stops what a command started when the process that started it dies without the chance to: the extension host
// is killed with SIGTERM when code-server drops a window (no deactivate runs), crashes, or the CLI's terminal is
// closed. The command runs in a process group of its own (processGroupStart.ts), so nothing else would end it,
// and a Lighthouse run left so keeps a headless Chromium for ever. One watcher process per host
// (processGuardMain.ts) holds a pipe from it; the kernel closes the pipe however the host ends, and the watcher
// then stops each command still registered, as Stop would, and removes the work folder it was given (Lighthouse's
// Chromium profile: the host's own clean-up never runs). (Language servers guard against a dead client the
// same way, by watching its pid.)
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import * as path from 'node:path';
import type { Writable } from 'node:stream';

/** Commands running now: pid → tracking id and work folder. Replayed to a watcher started anew. */
const running = new Map<number, { id: string; workFolder?: string }>();
let watcher: ChildProcessByStdio<Writable, null, null> | undefined;
let unavailable = false;

/**
 * Registers a command with the watcher (starting it on first use); the returned function unregisters it once the
 * command is over. Where no watcher can be started the command simply runs unguarded.
 */
export function guardCommand(pid: number, trackingId: string, workFolder?: string): () => void {
  // A line per message: a folder whose path holds a newline is not handed over (the caller still removes it).
  const folder = workFolder && !workFolder.includes('\n') ? workFolder : undefined;
  running.set(pid, { id: trackingId, workFolder: folder });
  tell(startLines(pid, running.get(pid)!));
  return () => {
    if (running.delete(pid)) tell(`end ${pid}`);
  };
}

/** `start PID ID`, then `folder PID PATH` (the rest of the line, spaces and all) for a command with a work folder. */
function startLines(pid: number, { id, workFolder }: { id: string; workFolder?: string }): string {
  return `start ${pid} ${id}${workFolder ? `\nfolder ${pid} ${workFolder}` : ''}`;
}

function tell(line: string): void {
  if (watcher) watcher.stdin.write(`${line}\n`);
  else if (running.size > 0) startWatcher();
}

function startWatcher(): void {
  if (unavailable) return;
  const script = watcherScript();
  if (!script) return;
  let child: ChildProcessByStdio<Writable, null, null>;
  try {
    // Its own session: the group kills that end a command (or the host's own group) do not reach it.
    child = spawn(process.execPath, script, {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      windowsHide: true,
    });
  } catch {
    return;
  }
  watcher = child;
  try {
    // Its start (and tsx's compile, from source) must not slow down the command it starts beside.
    if (child.pid) setPriority(child.pid, 10);
  } catch {
    // Not allowed here; it starts at the host's priority.
  }
  // The watcher exits when idle; a line written as it did is lost (EPIPE), and the exit handler replays it.
  child.stdin.on('error', () => undefined);
  child.on('error', () => {
    forget(child);
    unavailable = true;
  });
  child.on('exit', (code) => {
    forget(child);
    // Exited idle just as a command started: start another with the list. One that failed or was killed is not
    // started again (no loop of failing starts); the host's commands then run unguarded.
    if (code !== 0) unavailable = true;
    else if (running.size > 0) startWatcher();
  });
  child.stdin.write([...running].map(([pid, command]) => `${startLines(pid, command)}\n`).join(''));
  // Neither the watcher nor its pipe keeps the host's event loop (the CLI's) alive.
  child.unref();
  (child.stdin as Writable & { unref?: () => void }).unref?.();
}

function forget(child: ChildProcessByStdio<Writable, null, null>): void {
  if (watcher === child) watcher = undefined;
}

/**
 * Bundled, the watcher is dist/processGuard.js beside the bundle that loads this module; from source (tests, the
 * bench), the TypeScript file beside this one, loaded through tsx.
 */
function watcherScript(): string[] | undefined {
  const built = path.join(__dirname, 'processGuard.js');
  if (existsSync(built)) return [built];
  const source = path.join(__dirname, 'processGuardMain.ts');
  if (!existsSync(source)) return undefined;
  try {
    return ['--require', createRequire(__filename).resolve('tsx/cjs'), source];
  } catch {
    return undefined;
  }
}
