import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runningLauncher } from '../../../src/core/commandLauncher';
import { runProcess } from '../../../src/core/processRunner';
import { isAlive } from '../../support/processes';

/** pid, parent, process group and session of a process, from the text of its /proc/PID/stat. */
function ids(stat: string): number[] {
  // The name in parentheses may hold spaces: the fields after it start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(stat.split(' ')[0]), Number(fields[1]), Number(fields[2]), Number(fields[3])];
}

async function output(script: string, env?: Record<string, string>, args: string[] = []) {
  let text = '';
  const result = await runProcess(
    { command: '/bin/sh', args: ['-c', script, 'sh', ...args], cwd: process.cwd(), env },
    { onOutput: (chunk) => (text += chunk.toString('utf8')) },
  );
  return { result, text };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 250 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(condition(), what);
}

describe('the command launcher (unit, real processes)', () => {
  it('starts commands from its own small process, each leading a new group of this session', async () => {
    // The command's own ids, then its parent's, read while both run.
    const { result, text } = await output('cat /proc/$$/stat /proc/$PPID/stat');
    assert.equal(result.exitCode, 0, text);
    const launcher = runningLauncher();
    assert.ok(launcher, 'a launcher runs');
    const [command, parent] = text.trim().split('\n').map(ids);
    const [pid, parentPid, group, session] = command;
    assert.notEqual(parentPid, process.pid, 'not forked from this process');
    assert.equal(parent[1], launcher.pid, "its parent (a monitor that waits for it) is the launcher's child");
    assert.equal(group, pid, 'the command leads its own process group');
    assert.equal(session, ids(readFileSync('/proc/self/stat', 'utf8'))[3], "in this process's session");
    // Small, whatever the size of the process it starts commands for: that is the point of it.
    const residentKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${launcher.pid}/status`, 'utf8'))?.[1]);
    assert.ok(residentKb < 20_000, `the launcher holds ${residentKb} KB`);
  });

  it('reports the exit of 300 quick commands in a row, one that ends before its start is answered included', async function () {
    this.timeout(60_000);
    for (let i = 0; i < 300; i++) {
      const result = await runProcess({ command: '/bin/sh', args: ['-c', `exit ${i % 4}`], cwd: process.cwd() });
      assert.equal(result.exitCode, i % 4, `command ${i}`);
    }
  });

  it('passes arguments and the environment exactly: spaces, quotes, newlines, =, non-ASCII, empty values', async () => {
    const values = ['two words', `it's "quoted"`, 'line one\nline two', 'a=b=c', 'ünïcødé ✓', ''];
    const { result, text } = await output(
      'printf "[%s]" "$@"; printf "{%s}" "$ONE" "$TWO" "$EMPTY"',
      { ONE: 'x=y\nz', TWO: ' spaced ', EMPTY: '' },
      values,
    );
    assert.equal(result.exitCode, 0);
    assert.equal(text, `${values.map((v) => `[${v}]`).join('')}{x=y\nz}{ spaced }{}`);
  });

  it('tells a signal from an exit code, and a missing working folder as Node does', async () => {
    assert.deepEqual((await output('kill -TERM $$')).result.signal, 'SIGTERM');
    const missing = await runProcess({ command: '/bin/sh', args: ['-c', 'true'], cwd: path.join(tmpdir(), 'no-such-folder-here') });
    assert.match(missing.spawnError ?? '', /ENOENT/);
  });

  it('still reports a running command’s output and exit after the launcher was killed, and starts the next with a new one', async () => {
    let text = '';
    const running = runProcess(
      { command: '/bin/sh', args: ['-c', 'echo started; sleep 0.5; echo finished; exit 7'], cwd: process.cwd() },
      { onOutput: (chunk) => (text += chunk.toString('utf8')) },
    );
    await until(() => text.includes('started'), 'the command started');
    const killed = runningLauncher();
    assert.ok(killed);
    process.kill(killed.pid, 'SIGKILL');
    const result = await running;
    assert.equal(result.exitCode, 7);
    assert.equal(text, 'started\nfinished\n');
    const next = await output('echo again');
    assert.equal(next.text, 'again\n');
    const launcher = runningLauncher();
    assert.ok(launcher && launcher.pid !== killed.pid, 'a new launcher');
    assert.equal(existsSync(killed.folder), false, "the killed launcher's folder is removed");
  });

  it('ends with the process it starts commands for, removing its folder, however that process ends', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'conveyor-launcher-host-'));
    try {
      const host = path.join(dir, 'host.ts');
      writeFileSync(
        host,
        [
          `import { runProcess } from ${JSON.stringify(path.resolve(__dirname, '../../../src/core/processRunner'))};`,
          `import { runningLauncher } from ${JSON.stringify(path.resolve(__dirname, '../../../src/core/commandLauncher'))};`,
          "void runProcess({ command: '/bin/sh', args: ['-c', 'true'], cwd: process.cwd() }).then(() => {",
          '  console.log(JSON.stringify(runningLauncher()));',
          // SIGKILL: no handler of its own runs. 'group': it waits for its process group to be killed.
          "  if (process.argv[2] === 'kill') process.kill(process.pid, 'SIGKILL');",
          "  if (process.argv[2] === 'group') setInterval(() => undefined, 1000);",
          '});',
        ].join('\n'),
      );
      // exit: it ends by itself; kill: SIGKILL; group: SIGTERM to its whole process group, as code-server ends an
      // extension host's and test harnesses end a server's.
      for (const ending of ['exit', 'kill', 'group']) {
        const child = spawn(process.execPath, ['--import', 'tsx', host, ending], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
        let printed = '';
        child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
        await until(() => printed.includes('\n'), `the host (${ending}) printed its launcher`);
        const launcher = JSON.parse(printed.trim()) as { pid: number; folder: string };
        if (ending === 'group') process.kill(-child.pid!, 'SIGTERM');
        await until(() => !isAlive(launcher.pid), `the launcher ended after the host's ${ending}`);
        assert.equal(existsSync(launcher.folder), false, `its folder is removed after the host's ${ending}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
