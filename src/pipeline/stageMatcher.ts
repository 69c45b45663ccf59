// How a stage's output lines meet its problem matcher. The built-in matchers are our own patterns and run in
// line. A user's pattern (conveyor.yml problemMatcher.regexp) can backtrack for minutes on one line
// (`^(a+)+$` on 41 characters took 140 s), so it runs in a worker thread with a budget per line: a line
// over it, or Stop, terminates the worker, and the stage goes on without the pattern.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ProblemMatcherConfig } from '../core/config/conveyorConfig';
import type { Problem } from './problem';
import { createProblemMatcher, severityOf } from './problemMatchers';

export interface StageMatcher {
  push(line: string): void;
  /** Waits for the lines pushed so far; says why matching stopped early, if it did (not for Stop). */
  finish(): Promise<string | undefined>;
}

type CustomMatcherConfig = Exclude<ProblemMatcherConfig, string>;

/** How long a user's pattern may take on one line (detected between one and two budgets). */
export const LINE_BUDGET_MS = 250;
/** Lines waiting for the worker at most; later ones go unmatched rather than fill memory. */
const MAX_WAITING_LINES = 50_000;

export function startStageMatcher(
  config: ProblemMatcherConfig | undefined,
  cwd: string,
  source: string,
  onProblem: (problem: Problem) => void,
  options: { signal?: AbortSignal; budgetMs?: number } = {},
): StageMatcher {
  if (typeof config === 'object') return startPatternWorker(config, cwd, source, onProblem, options);
  const matcher = createProblemMatcher(config, cwd, source);
  return {
    push(line) {
      const found = matcher.match(line);
      if (Array.isArray(found)) found.forEach(onProblem);
      else if (found) onProblem(found);
    },
    finish() {
      matcher.finish?.().forEach(onProblem);
      return Promise.resolve(undefined);
    },
  };
}

// Plain JavaScript run by the worker: it needs no bundle entry of its own. It answers line by line (the lines
// before a stuck one still count) and counts each line it finishes in shared memory, so the main thread sees
// a line that makes no progress without asking the busy worker.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const done = new Int32Array(workerData.progress);
const pattern = new RegExp(workerData.regexp);
parentPort.on('message', (lines) => {
  for (const line of lines) {
    const m = pattern.exec(line);
    Atomics.add(done, 0, 1);
    parentPort.postMessage(m ? Array.from(m, (group) => group ?? null) : null);
  }
});`;

function startPatternWorker(
  config: CustomMatcherConfig,
  cwd: string,
  source: string,
  onProblem: (problem: Problem) => void,
  options: { signal?: AbortSignal; budgetMs?: number },
): StageMatcher {
  const budgetMs = options.budgetMs ?? LINE_BUDGET_MS;
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { regexp: config.regexp, progress: progress.buffer } });
  let waiting: string[] = [];
  let inFlight: string[] | undefined;
  let unmatched = 0;
  let stoppedBecause: string | undefined;
  let stopped = false;
  let idle: (() => void) | undefined;

  const stop = (reason: string | undefined) => {
    if (stopped) return;
    stopped = true;
    stoppedBecause = reason;
    clearInterval(watchdog);
    options.signal?.removeEventListener('abort', onAbort);
    void worker.terminate();
    idle?.();
  };
  const onAbort = () => stop(undefined);
  const send = () => {
    if (stopped || inFlight || waiting.length === 0) return;
    inFlight = waiting;
    waiting = [];
    lastSeen = -1;
    worker.postMessage(inFlight);
  };

  let answered = 0;
  worker.on('message', (groups: (string | null)[] | null) => {
    const lines = inFlight ?? [];
    const problem = groups && problemFromGroups(groups, lines[answered], config, cwd, source);
    if (problem) onProblem(problem);
    if (++answered < lines.length) return;
    inFlight = undefined;
    answered = 0;
    send();
    if (!inFlight) idle?.();
  });
  worker.on('error', (error) =>
    stop(`problemMatcher: the pattern could not run (${error.message}); no problems were taken from the rest of the output.`),
  );

  // No line finished during a whole budget while lines were in flight: the pattern is stuck on one. Armed once
  // the worker runs, so a slow thread start on a busy machine is not taken for a slow pattern.
  let lastSeen = -1;
  let watchdog: NodeJS.Timeout | undefined;
  worker.once('online', () => {
    if (stopped) return;
    watchdog = setInterval(() => {
      const seen = Atomics.load(progress, 0);
      if (inFlight && seen === lastSeen)
        stop(
          `problemMatcher: the pattern took over ${budgetMs} ms on one line (catastrophic backtracking?); no problems were taken from the rest of the output. Simplify the pattern.`,
        );
      lastSeen = seen;
    }, budgetMs);
  });
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop(undefined);

  return {
    push(line) {
      if (stopped) return;
      if (waiting.length >= MAX_WAITING_LINES) unmatched++;
      else waiting.push(line);
      send();
    },
    async finish() {
      if (!stopped && (inFlight || waiting.length > 0)) await new Promise<void>((resolve) => (idle = resolve));
      stop(stoppedBecause);
      if (stoppedBecause) return stoppedBecause;
      return unmatched > 0 ? `problemMatcher: the pattern fell behind the output; ${unmatched} lines were not matched.` : undefined;
    },
  };
}

function problemFromGroups(
  groups: (string | null)[],
  line: string,
  config: CustomMatcherConfig,
  cwd: string,
  source: string,
): Problem | undefined {
  const file = groups[config.file ?? 1];
  const lineNumber = groups[config.line ?? 2];
  if (!file || !lineNumber) return undefined;
  return {
    file: path.resolve(cwd, file),
    line: Number(lineNumber),
    column: Number(groups[config.column ?? 3] ?? 1) || 1,
    severity: config.severity ? severityOf(groups[config.severity] ?? 'error') : 'error',
    message: groups[config.message ?? groups.length - 1] ?? line,
    source,
  };
}
