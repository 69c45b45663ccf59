import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAlive, killIfAlive } from '../../support/processes';

const OWNER = path.resolve(__dirname, '../../support/serviceOwner.ts');

/** Starts the stand-in, waits for its daemons, signals it alone (not its group) and says what is left running. */
async function signalOwner(signal: NodeJS.Signals, mode = 'plain'): Promise<{ leftover: number[]; endedBy: string }> {
  const owner = spawn(process.execPath, ['--import', 'tsx', OWNER, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const ended = new Promise<string>((resolve) => owner.on('exit', (code, by) => resolve(by ?? `exit ${code}`)));
  await new Promise<void>((resolve, reject) => {
    owner.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/^ready$/m.test(output)) resolve();
    });
    void ended.then(() => reject(new Error(`the owner exited early:\n${output}`)));
  });
  const daemons = ['ownGroup', 'sameGroup'].map((name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(output)?.[1]));
  try {
    assert.ok(
      daemons.every((pid) => pid > 0 && isAlive(pid)),
      `both daemons started: ${output}`,
    );
    owner.kill(signal);
    const endedBy = await ended;
    for (let i = 0; i < 50 && daemons.some(isAlive); i++) await new Promise((r) => setTimeout(r, 100));
    return { leftover: daemons.filter(isAlive), endedBy };
  } finally {
    owner.kill('SIGKILL');
    daemons.forEach(killIfAlive);
    rmSync(path.join(os.tmpdir(), `conveyor-service-owner-${owner.pid}.log`), { force: true });
  }
}

describe('test services end with the process that started them (unit, real processes)', function () {
  this.timeout(30_000);

  const causes = { SIGINT: 'Ctrl-C', SIGTERM: 'a CI runner giving up', SIGHUP: 'a closed terminal' };
  for (const [signal, cause] of Object.entries(causes) as [NodeJS.Signals, string][]) {
    it(`stops the daemons, those in process groups of their own too, on ${signal} (${cause}), and ends by that signal`, async () => {
      const { leftover, endedBy } = await signalOwner(signal);
      assert.deepEqual(leftover, [], 'no daemon left running');
      assert.equal(endedBy, signal);
    });
  }

  it('leaves the signal to a handler the process has (the demo, Playwright), and stops the daemons when that handler exits', async () => {
    const { leftover, endedBy } = await signalOwner('SIGINT', 'graceful');
    assert.equal(endedBy, 'exit 0', "the process's own handler decided how it ends");
    assert.deepEqual(leftover, [], 'no daemon left running');
  });
});
