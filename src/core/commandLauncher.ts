// Starts commands from a small perl process instead of from this one. Node starts a child by fork(), which copies
// this process's page tables while the event loop waits: 1.9 ms at 100 MB, 15 ms at 400 MB (an extension host's
// size) on this project's machine, for every stage, audit and Lighthouse run. The launcher is 4 MB, so its fork
// is cheap, and it puts the command in a process group of its own in this session (processGroupStart.ts says why)
// without starting a perl per command. The command's output comes through connected Unix sockets, as with
// Node's spawn (which gives a child a socket pair): the command connects to two listening sockets made here for it.
// Not named pipes: Node writes to a pipe synchronously, a line at a time, and a Node stage printing 20,000 lines
// then ran 20% longer than with a socket, which it writes to in large batches.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** What runProcess needs of a started command: Node's ChildProcess has the same members and events. */
export interface StartedCommand {
  readonly pid?: number;
  readonly stdout: Readable;
  /** Paused at first where the launcher started the command: the reader resumes them when it is ready. */
  readonly stderr: Readable;
  on(event: 'error', listener: (error: Error) => void): this;
  /** 'exit' when the command ends; 'close' once its output has ended too. */
  on(event: 'exit' | 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
}

/**
 * The launcher, run by perl from perl-base (every Debian and Ubuntu has it). Requests come on stdin, answers go out
 * one line each (shorter than PIPE_BUF, so lines from several processes never mix):
 *   `spawn ID BYTES` + BYTES of cwd, argc, argv…, KEY=VALUE… (NUL-separated) → a monitor process forks the
 *     command, which connects its stdout and stderr to the sockets ID.1 and ID.2 in the folder, leads a new process
 *     group, changes folder and execs. The monitor answers `pid ID PID` once the exec worked (a close-on-exec pipe
 *     tells it, as libuv does for Node), or `fail ID ERRNO`; then `exit ID CODE|- SIGNAL|-` when the command ends.
 * At the end of its input (this process ended, however it ended) it removes the folder and exits, as on SIGTERM. It
 * leads a process group of its own, so a kill of this process's group reaches it only through that end. Commands
 * still running are not its business: processGuard.ts stops those.
 */
const LAUNCHER_SOURCE = String.raw`
use strict; use POSIX (); use Socket qw(PF_UNIX SOCK_STREAM pack_sockaddr_un);
my $dir = shift @ARGV;
open(my $answers, '>&', \*STDOUT) or die "dup: $!";
$SIG{CHLD} = 'IGNORE';
sub removeFolder { if (opendir(my $entries, $dir)) { unlink("$dir/$_") for grep { !/^\.\.?$/ } readdir($entries); } rmdir($dir); }
$SIG{$_} = sub { removeFolder(); POSIX::_exit(0); } for qw(TERM HUP INT);
# A group of its own: what kills the host's group (code-server dropping a window) leaves it to end at its input's end.
setpgrp(0, 0);
sub answer { syswrite($answers, "$_[0]\n"); }
while (defined(my $request = <STDIN>)) {
  chomp $request;
  my ($verb, $id, $length) = split / /, $request;
  my $payload = '';
  while (length($payload) < $length) { read(STDIN, $payload, $length - length($payload), length($payload)) or last; }
  my ($cwd, $argc, @rest) = split /\0/, $payload, -1;
  my @argv = splice(@rest, 0, $argc);
  my $monitor = fork();
  if (!defined $monitor) { answer("fail $id " . ($! + 0)); next; }
  next if $monitor;
  $SIG{$_} = 'DEFAULT' for qw(CHLD TERM HUP INT);
  close(STDIN);
  pipe(my $execFailed, my $execFailedWriter) or do { answer("fail $id " . ($! + 0)); POSIX::_exit(0); };
  my $pid = fork();
  if (!defined $pid) { answer("fail $id " . ($! + 0)); POSIX::_exit(0); }
  if ($pid == 0) {
    close($execFailed);
    my $fail = sub { syswrite($execFailedWriter, pack('N', $! + 0)); POSIX::_exit(127); };
    open(STDIN, '<', '/dev/null') or $fail->();
    for my $stream (1, 2) {
      socket(my $socket, PF_UNIX, SOCK_STREAM, 0) or $fail->();
      connect($socket, pack_sockaddr_un("$dir/$id.$stream")) or $fail->();
      POSIX::dup2(fileno($socket), $stream) // $fail->();
    }
    setpgrp(0, 0);
    chdir($cwd) or $fail->();
    %ENV = map { split /=/, $_, 2 } @rest;
    exec { $argv[0] } @argv or $fail->();
  }
  close($execFailedWriter);
  if (sysread($execFailed, my $errno, 4) == 4) {
    waitpid($pid, 0);
    answer("fail $id " . unpack('N', $errno));
    POSIX::_exit(0);
  }
  answer("pid $id $pid");
  waitpid($pid, 0);
  my $status = $?;
  answer("exit $id " . (($status & 127) ? "- " . ($status & 127) : ($status >> 8) . " -"));
  POSIX::_exit(0);
}
removeFolder();
`;

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, number]) => [number, name]));
const SIGNAL_NAMES = new Map(Object.entries(osConstants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/** A start the launcher refused; `beforeStart` when the command surely did not run (the caller may start it otherwise). */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly beforeStart: boolean,
  ) {
    super(message);
  }
}

type Exit = [code: number | null, signal: NodeJS.Signals | null];

class LaunchedCommand extends EventEmitter implements StartedCommand {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private openStreams = 2;
  private exited = false;

  constructor(
    readonly pid: number,
    readonly stdout: Socket,
    readonly stderr: Socket,
  ) {
    super();
    for (const stream of [stdout, stderr])
      stream.on('close', () => {
        this.openStreams--;
        this.closeWhenDone();
      });
  }

  /** From the monitor's `exit` answer. */
  ended(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.exited = true;
    this.emit('exit', code, signal);
    this.closeWhenDone();
  }

  private closeWhenDone(): void {
    if (this.exited && this.openStreams === 0) this.emit('close', this.exitCode, this.signalCode);
  }
}

class Launcher {
  private readonly process: ChildProcessByStdio<Writable, Readable, null>;
  /** The answer each start in progress waits for, by id. */
  private readonly waiting = new Map<string, (words: string[]) => void>();
  private readonly running = new Map<string, LaunchedCommand>();
  private readonly exitedEarly = new Map<string, Exit>();
  private partial = '';
  private nextId = 0;
  ended = false;

  get pid(): number | undefined {
    return this.process.pid;
  }

  constructor(
    perl: string,
    readonly folder: string,
  ) {
    this.process = spawn(perl, ['-e', LAUNCHER_SOURCE, folder], { stdio: ['pipe', 'pipe', 'ignore'], env: {} });
    this.process.stdout.setEncoding('latin1');
    this.process.stdout.on('data', (text: string) => this.read(text));
    this.process.stdin.on('error', () => undefined); // a launcher that died: its exit tells
    this.process.on('error', () => this.end());
    this.process.on('exit', () => this.end());
    this.idle();
  }

  async launch(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<StartedCommand> {
    const id = String(++this.nextId);
    this.busy();
    // A server per stream, for one connection: the command's own, made before it execs.
    const servers = [1, 2].map(() => createServer({ pauseOnConnect: true }));
    const connected = servers.map((server) => new Promise<Socket>((resolve) => server.once('connection', resolve)));
    let requested = false;
    try {
      await Promise.all(
        servers.map(
          (server, i) =>
            new Promise<void>((resolve, reject) => {
              server.once('error', reject);
              server.listen(path.join(this.folder, `${id}.${i + 1}`), resolve);
            }),
        ),
      );
      const payload = Buffer.from(
        [
          cwd,
          String(args.length + 1),
          command,
          ...args,
          ...Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`])),
        ].join('\0'),
      );
      requested = true;
      const answer = await this.ask(id, `spawn ${id} ${payload.length}\n`, payload);
      if (answer[0] !== 'pid') throw launchError(answer, command, answer[0] === 'fail');
      // Connected before the exec, so before the answer: accepted by now or in this turn of the event loop.
      const [stdout, stderr] = await Promise.all(connected);
      const launched = new LaunchedCommand(Number(answer[2]), stdout, stderr);
      const exit = this.exitedEarly.get(id);
      this.exitedEarly.delete(id);
      // Told once the caller is listening: it adds its listeners as soon as this resolves.
      if (exit) setImmediate(() => launched.ended(...exit));
      else this.running.set(id, launched);
      return launched;
    } catch (error) {
      if (!(error instanceof LaunchError)) throw new LaunchError((error as Error).message, !requested);
      throw error;
    } finally {
      // Closing a Unix socket server removes its file; the connections it accepted stay open.
      for (const server of servers) server.close();
      if (!this.running.has(id)) this.idle();
    }
  }

  private ask(id: string, request: string, payload?: Buffer): Promise<string[]> {
    if (this.ended) return Promise.resolve(['ended', id]);
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.process.stdin.write(payload ? Buffer.concat([Buffer.from(request), payload]) : request);
    });
  }

  private read(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const words = line.split(' ');
      const id = words[1];
      if (words[0] === 'exit') {
        const exit: Exit = [
          words[2] === '-' ? null : Number(words[2]),
          words[3] === '-' ? null : (SIGNAL_NAMES.get(Number(words[3])) ?? 'SIGKILL'),
        ];
        const command = this.running.get(id);
        this.running.delete(id);
        // A quick command's exit can come in the same read as its pid, before launch() has its sockets.
        if (command) command.ended(...exit);
        else this.exitedEarly.set(id, exit);
        if (this.running.size === 0 && this.waiting.size === 0) this.idle();
        continue;
      }
      const waiter = this.waiting.get(id);
      this.waiting.delete(id);
      waiter?.(words);
    }
  }

  /** The launcher ended (killed, say): starts in progress fail; commands running still report their exit (their monitors hold the pipe). */
  private end(): void {
    this.ended = true;
    // Only sockets of starts that fail now are left in it.
    rmSync(this.folder, { recursive: true, force: true });
    for (const [id, waiter] of this.waiting) waiter(['ended', id]);
    this.waiting.clear();
    if (launcher === this) launcher = undefined;
  }

  /** While nothing is starting or running, the launcher does not keep this process (the CLI) alive. */
  private idle(): void {
    if (this.waiting.size > 0 || this.running.size > 0) return;
    this.process.unref();
    (this.process.stdout as Readable & { unref?: () => void }).unref?.();
    (this.process.stdin as Writable & { unref?: () => void }).unref?.();
  }

  private busy(): void {
    this.process.ref();
    (this.process.stdout as Readable & { ref?: () => void }).ref?.();
    (this.process.stdin as Writable & { ref?: () => void }).ref?.();
  }
}

function launchError(answer: string[], command: string, beforeStart: boolean): LaunchError {
  if (answer[0] === 'fail') {
    const code = ERRNO_NAMES.get(Number(answer[2])) ?? `errno ${answer[2]}`;
    // As Node words it: `spawn /bin/sh ENOENT` (also for a missing working folder).
    return new LaunchError(`spawn ${command} ${code}`, beforeStart);
  }
  return new LaunchError('the command launcher ended', beforeStart);
}

let launcher: Launcher | undefined;

/**
 * Starts `command` (an absolute path) through the launcher, as the leader of a new process group in this session,
 * with stdin from /dev/null and its output through pipes. Rejects with a LaunchError.
 */
export function launchInGroup(perl: string, command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<StartedCommand> {
  // NUL separates the request's fields: such an argument goes to Node's spawn, which refuses it in its own words.
  if ([command, ...args, cwd, ...Object.entries(env).flat()].some((text) => text?.includes('\0')))
    return Promise.reject(new LaunchError('an argument holds a NUL byte', true));
  try {
    launcher ??= new Launcher(perl, mkdtempSync(path.join(tmpdir(), 'conveyor-launch-')));
  } catch (error) {
    return Promise.reject(new LaunchError((error as Error).message, true));
  }
  return launcher.launch(command, args, cwd, env);
}

/** The launcher now running, if any (tests look at its process and folder). */
export function runningLauncher(): { pid: number; folder: string } | undefined {
  return launcher?.pid ? { pid: launcher.pid, folder: launcher.folder } : undefined;
}
