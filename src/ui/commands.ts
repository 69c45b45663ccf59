import * as vscode from 'vscode';
import { refOf } from '../core/viewNode';
import type { RefOf, ViewRefKind } from '../core/viewNode';
import type { FolderStatus } from '../loop/folderStatus';
import type { CommandHandler } from '../core/commandRouter';
import { pickFolder } from './folderPicker';
import { errorNotice } from './errorNotice';
import { showServiceError } from './serviceErrors';
import { requireTrust } from './workspaceTrust';
import type { WorkspaceModel } from './workspaceModel';

/** What every command needs from the shell: the folders, and the log its failures go to. */
export interface CommandHost {
  model: WorkspaceModel;
  log: vscode.LogOutputChannel;
}

export interface CommandOptions<K extends ViewRefKind> {
  /** What waits for workspace trust: the middle of "Restricted Mode: … until you trust this workspace." */
  needsTrust?: string;
  /** The command acts on one folder: the row's, a folder path given as the first argument, the only one, or a pick. */
  folder?: { placeHolder: string };
  /** The kinds of row the command acts on: `call.ref` is one of them, or undefined. */
  refs?: readonly K[];
  /** What failed, put before the message of an error the handler throws: "Deploy failed: …". */
  failure?: string;
  /** The stage's sign-in command, offered when a service answers unauthorized. */
  signIn?: string;
  /** Errors are logged and handed back to the caller, which shows them itself (the kanban), instead of shown. */
  rethrow?: boolean;
}

type Registrar = (id: string, handler: CommandHandler) => vscode.Disposable;
let registrar: Registrar = (id, handler) => vscode.commands.registerCommand(id, handler);

/** Commands are registered through the activation's router (src/extension.ts), which registered the contributed ones already. */
export function registerCommandsThrough(register: Registrar): void {
  registrar = register;
}

/** Logs and shows an error with `what` before its message, for a flow that goes on after a step fails. */
export type ReportFailure = (what: string) => (error: unknown) => undefined;

/** What a command is run on, resolved once for every command. */
export interface CommandCall<R> {
  /** The row's typed ref (or the ref passed directly), when of a kind the command acts on. */
  ref?: R;
  /** The folder named without asking: by the row (of any kind), or by a folder path given as the first argument. */
  status?: FolderStatus;
  /** The folder named, the only one, or the user's pick; undefined when there is none or the pick was cancelled. */
  pickFolder: (placeHolder: string) => Promise<FolderStatus | undefined>;
  failed: ReportFailure;
}

export interface FolderCommandCall<R> extends CommandCall<R> {
  /** The folder the command acts on: named, the only one, or picked. */
  status: FolderStatus;
}

/**
 * Registers a Conveyor command with what every command needs, done once: the Restricted Mode check, the
 * folder prompt, the row's typed ref, and a failure logged and shown with the action its kind calls for.
 * Arguments after the first are handed on as given (click commands name their own).
 */
export function registerConveyorCommand<K extends ViewRefKind = never, A extends unknown[] = unknown[]>(
  host: CommandHost,
  id: string,
  handler: (call: FolderCommandCall<RefOf<K>>, ...args: A) => unknown,
  options: CommandOptions<K> & { folder: { placeHolder: string } },
): vscode.Disposable;
export function registerConveyorCommand<K extends ViewRefKind = never, A extends unknown[] = unknown[]>(
  host: CommandHost,
  id: string,
  handler: (call: CommandCall<RefOf<K>>, ...args: A) => unknown,
  options?: CommandOptions<K>,
): vscode.Disposable;
export function registerConveyorCommand<K extends ViewRefKind, A extends unknown[]>(
  { model, log }: CommandHost,
  id: string,
  handler: (call: FolderCommandCall<RefOf<K>>, ...args: A) => unknown,
  options: CommandOptions<K> = {},
): vscode.Disposable {
  return registrar(id, async (...args: A) => {
    let folder: string | undefined;
    const failed = (what?: string) => (error: unknown) => void showServiceError(error, log, { what, folder, signIn: options.signIn });
    try {
      if (options.needsTrust && !requireTrust(options.needsTrust)) return undefined;
      const [first] = args;
      const named = refOf(first)?.folder ?? (typeof first === 'string' ? first : undefined);
      if (named !== undefined || options.folder) await model.ready;
      const given = named === undefined ? undefined : model.statusOf(named);
      const pick = async (placeHolder: string) => {
        const picked = await pickFolder(model, given?.folder, placeHolder);
        folder ??= picked?.folder;
        return picked;
      };
      const status = options.folder ? await pick(options.folder.placeHolder) : given;
      if (options.folder && !status) return undefined;
      folder = status?.folder;
      log.trace(`${id}${folder ? ` in ${folder}` : ''}`);
      // With the folder option the status is there (checked above); without it, the handler's type says it may not be.
      const call = { ref: refOf(first, options.refs ?? []), status, pickFolder: pick, failed } as FolderCommandCall<RefOf<K>>;
      return await handler(call, ...args);
    } catch (error) {
      if (!options.rethrow) return failed(options.failure)(error);
      log.error(errorNotice(error, { what: options.failure }).message);
      throw error;
    }
  });
}
