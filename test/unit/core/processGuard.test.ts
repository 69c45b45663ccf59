import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isAlive, killIfAlive } from '../../support/processes';

const HOST = path.resolve(__dirname, '../../support/guardedHost.ts');

/** A sleep in a session of its own whose parent exits at once: only its marker leads to it. Prints `name pid`. */
const lostDaemon = (name: string, environment = '') => `(${environment} setsid sleep 60 >/dev/null 2>&1 & echo ${name} $!)`;

describe('process guard (unit, real processes)', function () {
  this.timeout(30_000);

  it('stops what a running command started once its host is killed, leaving ended commands and opted-out daemons alone', async () => {
    // The first command ends by itself and leaves a daemon (a build server kept warm): not the guard's business.
    const ended = `${lostDaemon('ended')}; sleep 0.2`;
    const running = [
      lostDaemon('tracked'),
      lostDaemon('optedOut', 'CONVEYOR_TRACKING_ID='),
      // A process that dropped the marker under a tracked one whose parent exited (Chromium's helpers under its browser).
      `(setsid sh -c 'env -u CONVEYOR_TRACKING_ID sleep 60 >/dev/null 2>&1 & echo helper $!; wait' &)`,
      'sleep 60 & echo inGroup $!',
      'sleep 0.2; echo ready; wait',
    ].join('; ');
    const host = spawn(process.execPath, ['--import', 'tsx', HOST, ended, running], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      host.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/^ready$/m.test(output)) resolve();
      });
      host.on('exit', () => reject(new Error(`the host exited early:\n${output}`)));
    });
    const pid = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(output)?.[1]);
    const pids = {
      ended: pid('ended'),
      tracked: pid('tracked'),
      optedOut: pid('optedOut'),
      helper: pid('helper'),
      inGroup: pid('inGroup'),
    };
    try {
      assert.ok(
        Object.values(pids).every((p) => p > 0 && isAlive(p)),
        `all started: ${output}`,
      );
      host.kill('SIGKILL');
      const stopped = [pids.tracked, pids.helper, pids.inGroup];
      for (let i = 0; i < 100 && stopped.some(isAlive); i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(stopped.filter(isAlive), [], 'what the running command started is stopped once its host is gone');
      assert.equal(isAlive(pids.ended), true, 'a daemon of a command that had ended is left running');
      assert.equal(isAlive(pids.optedOut), true, 'a daemon started with CONVEYOR_TRACKING_ID emptied is left running');
    } finally {
      host.kill('SIGKILL');
      Object.values(pids).forEach(killIfAlive);
    }
  });

  it("removes a killed host's command's work folder once the command is stopped, one ignoring SIGTERM included", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'conveyor-guard-work folder '));
    // The command keeps writing in it, as Chromium writes its profile, until it is stopped, and outlives SIGTERM: the
    // watcher must stay for the grace period and SIGKILL it (it once ended first, as nothing held its event loop).
    const writer = `trap '' TERM; echo ready $$; while :; do date > "$GUARDED_WORK_FOLDER/profile"; sleep 0.05; done`;
    const host = spawn(process.execPath, ['--import', 'tsx', HOST, writer], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, GUARDED_WORK_FOLDER: folder },
    });
    let command = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        host.stdout.on('data', (chunk: Buffer) => {
          command = Number(/ready (\d+)/.exec(chunk.toString('utf8'))?.[1] ?? command);
          if (command) resolve();
        });
        host.on('exit', () => reject(new Error('the host exited early')));
      });
      host.kill('SIGKILL');
      for (let i = 0; i < 100 && existsSync(folder); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(isAlive(command), false, 'the command that ignored SIGTERM is killed');
      assert.equal(existsSync(folder), false, 'the work folder is removed once its host is gone');
    } finally {
      host.kill('SIGKILL');
      if (command) killIfAlive(command);
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
