// The watcher processGuard.ts starts (bundled as dist/processGuard.js). Its input is the host's list of running
// commands ("start PID ID", "folder PID PATH", "end PID"); when the input closes, the host has ended, and every
// command still listed is stopped as Stop would stop it, its work folder removed, then the watcher exits. With
// nothing listed for a while it exits too; the host starts another when it next runs a command.
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { killProcessTree } from './processRunner';
import { carriesMarker, trackingFor } from './processTracking';

const IDLE_EXIT_MS = 30_000;
const KILL_GRACE_MS = 1000;

const running = new Map<number, { id: string; workFolder?: string }>();
let idleTimer: NodeJS.Timeout | undefined;

function exitWhenIdle(): void {
  clearTimeout(idleTimer);
  idleTimer = running.size === 0 ? setTimeout(() => process.exit(0), IDLE_EXIT_MS) : undefined;
}

async function stopAll(): Promise<void> {
  clearTimeout(idleTimer);
  // The kill's waits are unref'd timers (they must not hold a host open): with the input closed, nothing else keeps
  // this process running, and it ended before SIGKILL and the clean-up as soon as a command took a moment to end.
  const keepRunning = setInterval(() => undefined, 1000);
  await Promise.all(
    [...running].map(async ([pid, { id, workFolder }]) => {
      const tracking = trackingFor(id);
      // A pid that no longer carries the marker was reused: only the processes that carry it are the command's.
      await killProcessTree(carriesMarker(pid, tracking) ? pid : undefined, KILL_GRACE_MS, tracking);
      // Once what wrote there has ended (Chromium writes its profile until it is gone).
      if (workFolder) await rm(workFolder, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    }),
  ).finally(() => clearInterval(keepRunning));
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [verb, pid, id] = line.split(' ');
  const command = running.get(Number(pid));
  if (verb === 'start' && Number(pid) > 0 && id) running.set(Number(pid), { id });
  else if (verb === 'folder' && command) command.workFolder = line.slice(`folder ${pid} `.length);
  else if (verb === 'end') running.delete(Number(pid));
  exitWhenIdle();
});
lines.on('close', () => void stopAll().finally(() => process.exit(0)));
exitWhenIdle();
