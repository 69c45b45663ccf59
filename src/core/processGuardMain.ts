// The watcher processGuard.ts starts (bundled as dist/processGuard.js). Its input is the host's list of running
// commands ("start PID ID", "end PID"); when the input closes, the host has ended, and every command still listed
// is stopped as Stop would stop it, then the watcher exits. With nothing listed for a while it exits too; the
// host starts another when it next runs a command.
import { createInterface } from 'node:readline';
import { killProcessTree } from './processRunner';
import { carriesMarker, trackingFor } from './processTracking';

const IDLE_EXIT_MS = 30_000;
const KILL_GRACE_MS = 1000;

const running = new Map<number, string>();
let idleTimer: NodeJS.Timeout | undefined;

function exitWhenIdle(): void {
  clearTimeout(idleTimer);
  idleTimer = running.size === 0 ? setTimeout(() => process.exit(0), IDLE_EXIT_MS) : undefined;
}

async function stopAll(): Promise<void> {
  clearTimeout(idleTimer);
  await Promise.all(
    [...running].map(([pid, id]) => {
      const tracking = trackingFor(id);
      // A pid that no longer carries the marker was reused: only the processes that carry it are the command's.
      return killProcessTree(carriesMarker(pid, tracking) ? pid : undefined, KILL_GRACE_MS, tracking);
    }),
  );
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [verb, pid, id] = line.split(' ');
  if (verb === 'start' && Number(pid) > 0 && id) running.set(Number(pid), id);
  else if (verb === 'end') running.delete(Number(pid));
  exitWhenIdle();
});
lines.on('close', () => void stopAll().finally(() => process.exit(0)));
exitWhenIdle();
