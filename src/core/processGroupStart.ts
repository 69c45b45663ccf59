// How a command is started in a process group of its own (what Stop, timeouts and the clean-up at its exit signal).
// Node offers one way: `detached`, a new session. On Linux, with autogroup scheduling (on by default in Debian's and
// Ubuntu's kernels), a new session is also a new scheduling group, and a command that prints a lot then ran 5-10%
// slower than the same command started in its reader's session (bench/pipeline). A process group in this session
// avoids that: perl's setpgrp, then exec into the command, so the command keeps the pid and leads the group. The
// perl that does it is the launcher (commandLauncher.ts), started once, which also spares this process a fork per command.
// That is only done where this process has no controlling terminal (the extension host, CI): from a terminal (the
// CLI), a new session keeps the command away from it, so a prompt on /dev/tty fails at once instead of stopping a
// background group until its timeout.
import { closeSync, openSync } from 'node:fs';
import * as path from 'node:path';
import { isExecutableFile } from './findExecutable';

/**
 * How a command is started: by Node's spawn, in a new session when `detached`; or by the launcher
 * (commandLauncher.ts) in a new group of this session, with perl's setpgrp run per command where the launcher fails.
 */
export type GroupStart =
  { via: 'spawn'; command: string; args: string[]; detached: boolean } | { via: 'launcher'; perl: string; command: string; args: string[] };

export interface GroupStartFacts {
  platform: NodeJS.Platform;
  /** Whether this process has a controlling terminal. */
  hasTerminal: boolean;
  /** An executable perl, if there is one. */
  perl: string | undefined;
}

const PERL = '/usr/bin/perl';
// exec's block form runs $ARGV[0] with @ARGV as its argv, with no shell in between; a failed exec says why (exit 255).
const SETPGRP_EXEC = 'setpgrp(0, 0); exec { $ARGV[0] } @ARGV or die "$ARGV[0]: $!\\n"';

let facts: GroupStartFacts | undefined;

/** How to start `command`: in a group of this session where that is possible and safe, else in a new session. */
export function groupStart(command: string, args: string[], env: NodeJS.ProcessEnv): GroupStart {
  facts ??= { platform: process.platform, hasTerminal: hasControllingTerminal(), perl: isExecutableFile(PERL) ? PERL : undefined };
  return chooseGroupStart(command, args, env, facts);
}

export function chooseGroupStart(command: string, args: string[], env: NodeJS.ProcessEnv, facts: GroupStartFacts): GroupStart {
  const inNewSession = { via: 'spawn' as const, command, args, detached: true };
  // Only Linux schedules sessions apart. A command given by name or missing is started as before, so a missing one is
  // Node's spawn error (ENOENT) and not perl's. PERL5OPT would load modules into perl (and slow every start).
  if (facts.platform !== 'linux' || facts.hasTerminal || !facts.perl || env.PERL5OPT) return inNewSession;
  if (!path.isAbsolute(command) || !isExecutableFile(command)) return inNewSession;
  return { via: 'launcher', perl: facts.perl, command, args };
}

/** The same start without the launcher: Node's spawn of perl, which leads a new group and execs the command. */
export function perlGroupStart(start: Extract<GroupStart, { via: 'launcher' }>): Extract<GroupStart, { via: 'spawn' }> {
  return { via: 'spawn', command: start.perl, args: ['-e', SETPGRP_EXEC, start.command, ...start.args], detached: false };
}

/** Whether this process has a controlling terminal (one it could open as /dev/tty). */
export function hasControllingTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r'));
    return true;
  } catch {
    return false;
  }
}
