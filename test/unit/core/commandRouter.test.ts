import * as assert from 'node:assert/strict';
import { CommandRouter, contributedCommands } from '../../../src/core/commandRouter';
import type { CommandHandler } from '../../../src/core/commandRouter';

/** A host's command registry, as VS Code keeps it: one handler per id, a second is an error. */
function aHost() {
  const commands = new Map<string, CommandHandler>();
  return {
    commands,
    register: (id: string, handler: CommandHandler) => {
      if (commands.has(id)) throw new Error(`command '${id}' already exists`);
      commands.set(id, handler);
      return { dispose: () => commands.delete(id) };
    },
    run: (id: string, ...args: unknown[]) => {
      const handler = commands.get(id);
      if (!handler) throw new Error(`command '${id}' not found`);
      return handler(...args);
    },
  };
}

describe('the command router activation registers (unit)', () => {
  it('registers every contributed command at once; one run before the workbench loads waits for it, then runs its handler', async () => {
    const host = aHost();
    let loaded!: () => void;
    const workbench = new Promise<void>((resolve) => (loaded = resolve));
    const router = new CommandRouter(['conveyor.a', 'conveyor.b'], () => workbench, host.register);
    assert.deepEqual([...host.commands.keys()], ['conveyor.a', 'conveyor.b']);

    const early = host.run('conveyor.a', 1, 2) as Promise<unknown>;
    router.register('conveyor.a', (x: number, y: number) => x + y);
    loaded();
    assert.equal(await early, 3);
    assert.equal(host.run('conveyor.a', 2, 2), 4, 'once loaded, the handler runs directly');
  });

  it('registers a command that was not contributed (a row click) with the host, and refuses a second handler for one id', () => {
    const host = aHost();
    const router = new CommandRouter(['conveyor.a'], () => Promise.resolve(), host.register);
    router.register('conveyor.internal.open', () => 'opened');
    assert.equal(host.run('conveyor.internal.open'), 'opened');
    const first = router.register('conveyor.a', () => 'first');
    assert.throws(() => router.register('conveyor.a', () => 'second'), /already exists/);
    first.dispose();
    router.register('conveyor.a', () => 'again');
    assert.equal(host.run('conveyor.a'), 'again');
  });

  it('answers a command with the load failure when the workbench failed, and with no handler once it forgot them', async () => {
    const host = aHost();
    const router = new CommandRouter(
      ['conveyor.a', 'conveyor.b'],
      () => Promise.reject(new Error('workbench.js is missing')),
      host.register,
    );
    await assert.rejects(host.run('conveyor.a') as Promise<unknown>, /workbench\.js is missing/);

    const other = aHost();
    const loadedRouter = new CommandRouter(['conveyor.c'], () => Promise.resolve(), other.register);
    loadedRouter.register('conveyor.c', () => 'c');
    loadedRouter.forgetHandlers();
    await assert.rejects(Promise.resolve(other.run('conveyor.c')), /Conveyor has no command conveyor\.c/);
    router.dispose();
    assert.equal(host.commands.size, 0, 'disposing the router unregisters its commands');
  });

  it("reads the command ids of the extension's package.json", () => {
    assert.deepEqual(
      contributedCommands({ contributes: { commands: [{ command: 'conveyor.a' }, { title: 'no id' }, { command: 'conveyor.b' }] } }),
      ['conveyor.a', 'conveyor.b'],
    );
    assert.deepEqual(contributedCommands(undefined), []);
  });
});
