import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runProcess } from '../../../src/core/processRunner';
import { pidsAllocatedSince } from '../../../src/core/processTracking';
import { isAlive, killIfAlive } from '../../support/processes';

/** The numbers a command printed, one per line. */
function printedPids(output: string): number[] {
  return output
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

/**
 * Runs `script` with sh after starting a `setsid sleep` that holds its pipes (its pid is the first line printed)
 * and opted out of the tracking, so it outlives the command as a server meant to stay would.
 * The pause lets the sleep leave the group before the shell can exit and the group be killed.
 */
async function withEscapedSleep(script: string, options: Parameters<typeof runProcess>[1] = {}) {
  let output = '';
  const result = await runProcess(
    { command: '/bin/sh', args: ['-c', `CONVEYOR_TRACKING_ID= setsid sleep 20 & echo $!; sleep 0.2; ${script}`], cwd: process.cwd() },
    { ...options, onOutput: (chunk) => (output += chunk.toString('utf8')) },
  );
  killIfAlive(Number(output.split('\n')[0]));
  return { result, output };
}

/**
 * Starts a sleep in a new session from a subshell that exits at once, so the sleep's parent is PID 1 (or a
 * subreaper): neither the command's group nor its parent chain leads to it. Prints the sleep's pid.
 */
const startDaemon = (environment = '') => `(${environment} setsid sleep 30 >/dev/null 2>&1 & echo $!); sleep 0.2`;

describe('process runner (unit, real processes)', () => {
  it('ends a command whose shell exited while a process outside its group still holds the output pipes', async () => {
    const { result, output } = await withEscapedSleep('echo started', { pipeGraceMs: 300 });
    assert.equal(result.exitCode, 0);
    assert.match(output, /started/);
    assert.ok(result.durationMs < 5000, `ended after ${result.durationMs} ms, not when the sleep did`);
  });

  it('leaves a daemon that left the group running when the command ends by itself, as a terminal would (a build server kept warm)', async () => {
    let output = '';
    const result = await runProcess(
      { command: '/bin/sh', args: ['-c', `${startDaemon()}; echo done`], cwd: process.cwd() },
      { onOutput: (chunk) => (output += chunk.toString('utf8')) },
    );
    const [daemon] = printedPids(output);
    try {
      assert.equal(result.exitCode, 0);
      assert.equal(isAlive(daemon), true);
    } finally {
      killIfAlive(daemon);
    }
  });

  it('on Stop, kills a daemon that left the group and lost its parent (double fork), except one started with CONVEYOR_TRACKING_ID emptied', async () => {
    let output = '';
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const result = await runProcess(
      { command: '/bin/sh', args: ['-c', `${startDaemon()}; ${startDaemon('CONVEYOR_TRACKING_ID=')}; sleep 300`], cwd: process.cwd() },
      { signal: controller.signal, killGraceMs: 100, onOutput: (chunk) => (output += chunk.toString('utf8')) },
    );
    const [tracked, kept] = printedPids(output);
    try {
      assert.equal(result.cancelled, true);
      assert.ok(tracked > 0 && kept > 0, output);
      assert.equal(isAlive(tracked), false, 'the daemon the stopped command started was killed');
      assert.equal(isAlive(kept), true, 'the one that opted out, as with RUNNER_TRACKING_ID in Actions, is still running');
    } finally {
      killIfAlive(tracked);
      killIfAlive(kept);
    }
  });

  it('stops a command whose escaped daemon keeps forking, leaving nothing behind', async () => {
    let output = '';
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    // The daemon starts a new sleep every 20 ms: a single read-then-kill pass would miss the ones it starts meanwhile.
    const script = `(setsid sh -c 'echo $$; while :; do sleep 30 & echo $!; sleep 0.02; done' & ); sleep 300`;
    const result = await runProcess(
      { command: '/bin/sh', args: ['-c', script], cwd: process.cwd() },
      { signal: controller.signal, killGraceMs: 100, onOutput: (chunk) => (output += chunk.toString('utf8')) },
    );
    const pids = printedPids(output);
    try {
      assert.equal(result.cancelled, true);
      assert.ok(pids.length > 3, `the daemon ran and forked: ${pids.join(' ')}`);
      assert.deepEqual(pids.filter(isAlive), [], 'no process of the stopped command is still running');
    } finally {
      pids.forEach(killIfAlive);
    }
  });

  it('is over only once the processes it killed have ended, even one that ignores SIGTERM and takes long to exit', async function () {
    this.timeout(20_000);
    // An escaped server with a large heap that does not hold the command's pipes (so their closing does not tell when
    // it ended): after SIGKILL the kernel frees its 1.5 GB before the process ends (200-300 ms here), and meanwhile
    // /proc shows it running but no longer shows its environment, marker included. Perl, as it is on every Debian.
    const server = `/usr/bin/perl -e '$SIG{TERM} = "IGNORE"; my $heap = "x" x (1536 * 1024 * 1024); sleep 300'`;
    const script = `(setsid ${server} </dev/null >/dev/null 2>&1 & echo $!); sleep 300`;
    let output = '';
    const controller = new AbortController();
    const residentKb = (pid: number) => {
      try {
        return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        return 0;
      }
    };
    let watching = false;
    const stopOnceItsHeapIsFull = (pid: number) => {
      watching = true;
      if (residentKb(pid) > 1.4 * 1024 ** 2) controller.abort();
      else setTimeout(() => stopOnceItsHeapIsFull(pid), 20);
    };
    const result = await runProcess(
      { command: '/bin/sh', args: ['-c', script], cwd: process.cwd() },
      {
        signal: controller.signal,
        killGraceMs: 100,
        onOutput: (chunk) => {
          output += chunk.toString('utf8');
          const [pid] = printedPids(output);
          if (pid && !watching) stopOnceItsHeapIsFull(pid);
        },
      },
    );
    const [pid] = printedPids(output);
    try {
      assert.equal(result.cancelled, true);
      assert.ok(pid, `the server started: ${output}`);
      assert.equal(isAlive(pid), false, 'the server had ended when the stopped command was over');
    } finally {
      if (pid) killIfAlive(pid);
    }
  });

  it('ends a command stopped after its shell exited, while an escaped process holds the pipes (Stop finds nothing to kill)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const { result, output } = await withEscapedSleep('echo started', {
      signal: controller.signal,
      killGraceMs: 100,
      pipeGraceMs: 1000,
    });
    assert.equal(result.cancelled, true);
    assert.match(output, /started/);
    assert.ok(result.durationMs < 5000, `ended after ${result.durationMs} ms`);
  });

  it('reads everything a command printed before it exited', async () => {
    let bytes = 0;
    const result = await runProcess(
      { command: '/bin/sh', args: ['-c', 'head -c 5000000 /dev/zero'], cwd: process.cwd() },
      { pipeGraceMs: 50, onOutput: (chunk) => (bytes += chunk.length) },
    );
    assert.equal(result.exitCode, 0);
    assert.equal(bytes, 5_000_000);
  });

  it('answers a start Node refuses at once (a working directory that is a file) with spawnError, not a rejection', async () => {
    const result = await runProcess({ command: '/bin/sh', args: ['-c', 'true'], cwd: __filename });
    assert.match(result.spawnError ?? '', /ENOTDIR/);
    assert.equal(result.exitCode, null);
  });

  it('reads nothing while the output is held, and loses nothing once it is released, past the pipes’ grace', async () => {
    const held = async (script: string) => {
      let release!: () => void;
      let released = false;
      const chunks: { early: boolean; text: string }[] = [];
      const running = runProcess(
        { command: '/bin/sh', args: ['-c', script], cwd: process.cwd() },
        {
          pipeGraceMs: 50,
          holdOutput: new Promise<void>((resolve) => (release = resolve)),
          onOutput: (chunk) => chunks.push({ early: !released, text: chunk.toString('latin1') }),
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
      released = true;
      release();
      const result = await running;
      return { result, early: chunks.filter((c) => c.early).length, output: chunks.map((c) => c.text).join('') };
    };
    // Exits at once: its output waits in the pipe beyond the 50 ms the pipes are given after an exit.
    const quick = await held('echo printed; echo on stderr >&2');
    assert.equal(quick.result.exitCode, 0);
    assert.equal(quick.early, 0, 'nothing read while held');
    assert.deepEqual(quick.output.split('\n').sort(), ['', 'on stderr', 'printed']);
    // Prints more than a pipe holds: it waits for the reader, then finishes.
    const large = await held('head -c 5000000 /dev/zero; echo done >&2');
    assert.equal(large.result.exitCode, 0);
    assert.equal(large.early, 0, 'nothing read while held');
    assert.equal(large.output.length, 5_000_005);
    assert.ok(large.result.durationMs >= 400, `the command waited for its reader (${large.result.durationMs} ms)`);
  });
});

describe('which pids a stopped command may own (unit)', () => {
  it("takes the pids from the command's own to the last allocated, wrapping at pid_max", () => {
    const straight = pidsAllocatedSince({ first: 1000, last: 1200, pidMax: 32768, createdMeanwhile: 250 });
    assert.deepEqual([999, 1000, 1100, 1200, 1201].map(straight), [false, true, true, true, false]);
    const wrapped = pidsAllocatedSince({ first: 32000, last: 400, pidMax: 32768, createdMeanwhile: 1500 });
    assert.deepEqual([31999, 32000, 32767, 300, 400, 401].map(wrapped), [false, true, true, true, true, false]);
  });

  it('reads every process once more were created than pids exist, or when a number is unknown', () => {
    const cases = [
      pidsAllocatedSince({ first: 1000, last: 1200, pidMax: 32768, createdMeanwhile: 40_000 }),
      pidsAllocatedSince({ first: 1000, last: NaN, pidMax: 32768, createdMeanwhile: 10 }),
      pidsAllocatedSince({ first: 1000, last: 1200, pidMax: 32768, createdMeanwhile: undefined }),
      pidsAllocatedSince({ first: undefined, last: 1200, pidMax: 32768, createdMeanwhile: 10 }),
    ];
    for (const mayOwn of cases) assert.equal(mayOwn(5), true);
  });
});
