import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chooseGroupStart, hasControllingTerminal, perlGroupStart, type GroupStartFacts } from '../../../src/core/processGroupStart';
import { runProcess } from '../../../src/core/processRunner';

const LINUX: GroupStartFacts = { platform: 'linux', hasTerminal: false, perl: '/usr/bin/perl' };
/** Prints the shell's pid, process group and session, from /proc. */
const IDS = 'cut -d" " -f1,5,6 /proc/$$/stat';

/** This process's session id. */
function ownSession(): number {
  return Number(execFileSync('sh', ['-c', `cut -d" " -f6 /proc/${process.pid}/stat`], { encoding: 'utf8' }));
}

describe('starting a command in a process group of its own (unit, real processes)', () => {
  it('uses a group in this session on Linux without a terminal, and a new session otherwise', () => {
    const inGroup = chooseGroupStart('/bin/sh', ['-c', 'make'], {}, LINUX);
    assert.deepEqual(inGroup, { via: 'launcher', perl: '/usr/bin/perl', command: '/bin/sh', args: ['-c', 'make'] });
    // Where the launcher cannot run: perl per command, which leads a new group of this session and execs the command.
    if (inGroup.via !== 'launcher') throw new Error('not the launcher');
    const perl = perlGroupStart(inGroup);
    assert.equal(perl.command, '/usr/bin/perl');
    assert.deepEqual(perl.args.slice(2), ['/bin/sh', '-c', 'make']);
    assert.equal(perl.detached, false);
    const inNewSession = { via: 'spawn', command: '/bin/sh', args: ['-c', 'make'], detached: true };
    assert.deepEqual(chooseGroupStart('/bin/sh', ['-c', 'make'], {}, { ...LINUX, hasTerminal: true }), inNewSession, 'from a terminal');
    assert.deepEqual(chooseGroupStart('/bin/sh', ['-c', 'make'], {}, { ...LINUX, platform: 'darwin' }), inNewSession, 'macOS');
    assert.deepEqual(chooseGroupStart('/bin/sh', ['-c', 'make'], {}, { ...LINUX, perl: undefined }), inNewSession, 'no perl');
    assert.deepEqual(chooseGroupStart('/bin/sh', ['-c', 'make'], { PERL5OPT: '-MDevel::Cover' }, LINUX), inNewSession, 'PERL5OPT');
    // Node's own errors for a command it cannot start.
    assert.deepEqual(chooseGroupStart('npm', ['audit'], {}, LINUX), { ...inNewSession, command: 'npm', args: ['audit'] }, 'on PATH');
    assert.equal(chooseGroupStart('/nonexistent/tool', [], {}, LINUX).via, 'spawn', 'a missing command');
  });

  it('runs the command as the leader of its own group: in this session without a terminal, in a new one with a terminal', async () => {
    let output = '';
    const result = await runProcess(
      { command: '/bin/sh', args: ['-c', IDS], cwd: process.cwd() },
      { onOutput: (c) => (output += c.toString('utf8')) },
    );
    assert.equal(result.exitCode, 0, output);
    const [pid, group, session] = output.trim().split(' ').map(Number);
    assert.equal(group, pid, 'the command leads its own process group (what Stop signals)');
    if (hasControllingTerminal()) assert.equal(session, pid, 'a new session, away from the terminal');
    else assert.equal(session, ownSession(), "this process's session (no new scheduling group)");
  });

  it('starts commands from a terminal in a new session, so they cannot read from it', function () {
    this.timeout(30_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'conveyor-group-start-'));
    try {
      // A host with a terminal (`script` gives it one) runs a command that tries to open the terminal.
      const host = path.join(dir, 'host.ts');
      writeFileSync(
        host,
        [
          `import { runProcess } from ${JSON.stringify(path.resolve(__dirname, '../../../src/core/processRunner'))};`,
          `const script = ${JSON.stringify(`${IDS}; (exec 3</dev/tty && echo opened) 2>/dev/null || echo refused`)};`,
          "let out = '';",
          "void runProcess({ command: '/bin/sh', args: ['-c', script], cwd: process.cwd() }, { onOutput: (c) => (out += c) })",
          "  .then(() => console.log('RESULT ' + out.trim().split('\\n').join(' ')));",
        ].join('\n'),
      );
      const printed = execFileSync('script', ['-qec', `${process.execPath} --import tsx ${host}`, '/dev/null'], { encoding: 'utf8' });
      const line = /RESULT (\d+) (\d+) (\d+) (\w+)/.exec(printed);
      assert.ok(line, printed);
      const [, pid, group, session, tty] = line;
      assert.equal(group, pid, 'the command leads its own process group');
      assert.equal(session, pid, 'a new session');
      assert.equal(tty, 'refused', 'the terminal cannot be opened from the command');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing command as a start error, as before', async () => {
    const result = await runProcess({ command: '/nonexistent/tool', args: [], cwd: process.cwd() });
    assert.match(result.spawnError ?? '', /ENOENT/);
  });
});
