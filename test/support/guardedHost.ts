// A stand-in for the extension host in the guard's tests: runs each command given as an argument through runProcess,
// one after the other, passing their output on, and is then killed by the test while the last one still runs.
// GUARDED_WORK_FOLDER: the commands' work folder (the host never removes it itself).
import { runProcess } from '../../src/core/processRunner';

async function main(): Promise<void> {
  for (const script of process.argv.slice(2))
    await runProcess(
      { command: '/bin/sh', args: ['-c', script], cwd: process.cwd() },
      { onOutput: (chunk) => process.stdout.write(chunk), workFolder: process.env.GUARDED_WORK_FOLDER },
    );
}

void main();
