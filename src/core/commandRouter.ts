import type { Disposable } from './events';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- command arguments are whatever the caller passes
export type CommandHandler = (...args: any[]) => unknown;

/**
 * Conveyor's contributed commands, registered by activation before the workbench that handles them has loaded
 * (src/ui/workbench.ts, a bundle of its own). A command run in between waits for the workbench, then runs.
 */
export class CommandRouter implements Disposable {
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly routed: Set<string>;
  private readonly registrations: Disposable[];

  constructor(
    contributed: readonly string[],
    private readonly workbenchLoaded: () => Promise<unknown>,
    /** The host's registration (vscode.commands.registerCommand). */
    private readonly registerWithHost: (id: string, handler: CommandHandler) => Disposable,
  ) {
    this.routed = new Set(contributed);
    this.registrations = contributed.map((id) => registerWithHost(id, (...args: unknown[]) => this.run(id, args)));
  }

  /** For the workbench: handle `id` here when activation registered it, else register it with VS Code. */
  register(id: string, handler: CommandHandler): Disposable {
    if (!this.routed.has(id)) return this.registerWithHost(id, handler);
    // As VS Code itself does: a second handler for one command is a bug, not a replacement.
    if (this.handlers.has(id)) throw new Error(`command '${id}' already exists`);
    this.handlers.set(id, handler);
    return {
      dispose: () => {
        if (this.handlers.get(id) === handler) this.handlers.delete(id);
      },
    };
  }

  /** The workbench failed to load part-way: none of its handlers may run against what it left. */
  forgetHandlers(): void {
    this.handlers.clear();
  }

  dispose(): void {
    for (const registration of this.registrations) registration.dispose();
  }

  private run(id: string, args: unknown[]): unknown {
    const handler = this.handlers.get(id);
    if (handler) return handler(...args);
    return this.workbenchLoaded().then(() => {
      const loaded = this.handlers.get(id);
      if (!loaded) throw new Error(`Conveyor has no command ${id}.`);
      return loaded(...args);
    });
  }
}

/** The command ids in the extension's package.json (`contributes.commands`). */
export function contributedCommands(packageJSON: unknown): string[] {
  const commands = (packageJSON as { contributes?: { commands?: { command?: unknown }[] } } | undefined)?.contributes?.commands ?? [];
  return commands.map((c) => c.command).filter((id): id is string => typeof id === 'string');
}
