// The daemons a test run or the demo starts (dockerd, registries, the Kubernetes control plane, code-server) must
// not outlive the process that started them, however it ends. Node's 'exit' event covers a normal end, an uncaught
// error and process.exit(), but not a signal: Ctrl-C, a CI runner's SIGTERM or a closed terminal's SIGHUP end Node
// without it when nobody listens for the signal (mocha does not), and daemons that lead their own process group
// never see the terminal's Ctrl-C themselves.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const cleanups = new Set<() => void>();
let installed = false;

/**
 * Runs `cleanup` (synchronous: nothing async runs at exit) when this process ends; the function returned
 * unregisters it, for a service stopped the normal way.
 */
export function onProcessEnd(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  install();
  return () => {
    cleanups.delete(cleanup);
  };
}

function runCleanups(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // The others still run.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', runCleanups);
  for (const signal of SIGNALS) {
    const onSignal = () => {
      // Someone else handles this signal (the demo's graceful stop, Playwright closing its browsers): they decide
      // whether the process ends, and an end through process.exit() runs the cleanups on 'exit'.
      if (process.listenerCount(signal) > 1) return;
      runCleanups();
      // Ended by the signal, as without this listener (the shell then reports it the usual way).
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
