// What a failed command tells the user, as plain data (no vscode, so it is unit-tested): one sentence and the
// one action the error's kind calls for, each action a command with its arguments.
import { isServiceError, messageOf } from '../core/errors';
import type { ServiceError } from '../core/errors';
import { formatWait } from '../core/http/headers';

/** What a failed command tells beyond the error's own sentence. */
export interface ErrorDisplay {
  /** What failed, put before the message: "Could not scale web" → "Could not scale web: <message>". */
  what?: string;
  /** The folder the command acted on: a refused or missing thing offers its conveyor.yml. */
  folder?: string;
  /** The stage's sign-in command, offered when the service says unauthorized (else the one of `error.service`). */
  signIn?: string;
}

export interface ErrorAction {
  title: string;
  command: string;
  arguments: unknown[];
}

export interface ErrorNotice {
  /** For the log: what failed and why, never a stack. */
  message: string;
  /** For the notification: the message, and when to try again after a rate limit. */
  text: string;
  actions: ErrorAction[];
}

/** The sign-in of each service, by the name a ServiceError gives it, for callers that do not name their own. */
const SIGN_IN_BY_SERVICE: readonly (readonly [RegExp, string])[] = [
  [/jenkins/i, 'conveyor.ci.signInJenkins'],
  [/github/i, 'conveyor.ci.signInGitHub'],
  [/jira|linear|notion/i, 'conveyor.board.signIn'],
  [/sentry/i, 'conveyor.errors.signIn'],
  [/registry/i, 'conveyor.release.signIn'],
];

export function errorNotice(error: unknown, display: ErrorDisplay = {}): ErrorNotice {
  const message = display.what ? `${display.what}: ${messageOf(error)}` : messageOf(error);
  if (!isServiceError(error)) return { message, text: message, actions: [] };
  const text = error.kind === 'rate-limited' ? withRetry(message, error.retryAfterMs) : message;
  return { message, text, actions: actionsFor(error, display) };
}

function actionsFor(error: ServiceError, { folder, signIn }: ErrorDisplay): ErrorAction[] {
  switch (error.kind) {
    case 'unauthorized': {
      const command = signIn ?? SIGN_IN_BY_SERVICE.find(([service]) => service.test(error.service))?.[1];
      return command ? [{ title: 'Sign In', command, arguments: folder ? [folder] : [] }] : [];
    }
    case 'forbidden':
    case 'not-found':
      return [
        folder
          ? { title: 'Open conveyor.yml', command: 'conveyor.openConfig', arguments: [folder] }
          : { title: 'Open Settings', command: 'workbench.action.openSettings', arguments: ['@ext:conveyor-dev.conveyor'] },
      ];
    case 'unreachable':
    case 'timeout':
      return [{ title: 'Show Log', command: 'conveyor.showLog', arguments: [] }];
    default:
      return [];
  }
}

/** A rate limit says when to try again, unless the service's sentence already does. */
function withRetry(message: string, retryAfterMs: number | undefined): string {
  if (/\b(again|retry)\b/i.test(message)) return message;
  return `${message} (try again in ${retryAfterMs === undefined ? 'a minute' : formatWait(retryAfterMs)})`;
}
