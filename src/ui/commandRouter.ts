import * as vscode from 'vscode';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- command arguments are whatever the caller passes
export type CommandHandler = (...args: any[]) => unknown;

/**
 * Conveyor's contributed commands, registered by activation before the workbench that handles them has loaded
 * (src/ui/workbench.ts, a bundle of its own). A command run in between waits for the workbench, then runs.
 */
export class CommandRouter implements vscode.Disposable {
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly routed: Set<string>;
  private readonly registrations: vscode.Disposable[];

  constructor(
    contributed: readonly string[],
    private readonly workbenchLoaded: () => Promise<unknown>,
  ) {
    this.routed = new Set(contributed);
    this.registrations = contributed.map((id) => vscode.commands.registerCommand(id, (...args: unknown[]) => this.run(id, args)));
  }

  /** For the workbench: handle `id` here when activation registered it, else register it with VS Code. */
  register(id: string, handler: CommandHandler): vscode.Disposable {
    if (!this.routed.has(id)) return vscode.commands.registerCommand(id, handler);
    this.handlers.set(id, handler);
    return new vscode.Disposable(() => this.handlers.delete(id));
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
