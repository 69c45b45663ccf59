// Asks a Docker credential helper (`docker-credential-<name> get`, the program Docker Desktop, gcloud and ECR
// name in config.json) for a registry's credentials, by Docker's protocol: the server URL on stdin, JSON
// {ServerURL, Username, Secret} on stdout. What it prints is a secret: it never goes into a log or a message.
import { execFile } from 'node:child_process';
import type { ExecFileOptionsWithStringEncoding } from 'node:child_process';
import { ServiceError } from '../../core/errors';
import { killProcessTree } from '../../core/processRunner';
import type { RegistryCredentials } from './credentials';

export const CREDENTIAL_HELPER_TIMEOUT_MS = 10_000;
/** The protocol's answer for "nothing stored for this server" (exit code 1, on stdout). */
const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';
/** The user name that says Secret is an identity (refresh) token, not a password. */
const IDENTITY_TOKEN_USER = '<token>';
/** A failing helper's own words are shown, first line only and capped, and never JSON (that could hold a secret). */
const MAX_FAILURE_TEXT = 200;

export interface CredentialHelperRequest {
  /** The name after `docker-credential-` (`pass`, `desktop`, `gcloud`, `ecr-login`). */
  helper: string;
  /** What the helper stores credentials under: the registry host, `https://index.docker.io/v1/` for Docker Hub. */
  serverUrl: string;
  /** The registry, in messages. */
  host: string;
  timeoutMs?: number;
}

export function credentialHelperProgram(helper: string): string {
  return `docker-credential-${helper}`;
}

/** The credentials a helper printed, or undefined when it has none; throws on anything else (without the text). */
export function parseCredentialHelperOutput(stdout: string): RegistryCredentials | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error('printed something that is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('printed JSON that is not an object');
  const { Username: username, Secret: secret } = parsed as Record<string, unknown>;
  if (typeof secret !== 'string' || (username !== undefined && typeof username !== 'string')) {
    throw new Error('printed JSON without a string Username and Secret');
  }
  // Older helpers (docker-credential-pass 0.6) answer an unknown server with empty strings and exit code 0.
  if (!secret && !username) return undefined;
  if (username === IDENTITY_TOKEN_USER) return { identityToken: secret };
  return { username: username ?? '', password: secret };
}

/** Runs `docker-credential-<helper> get`; no shell, the server URL on stdin, the parent's environment. */
export function getFromCredentialHelper(request: CredentialHelperRequest): Promise<RegistryCredentials | undefined> {
  const program = credentialHelperProgram(request.helper);
  const fail = (kind: 'not-found' | 'timeout' | 'server' | 'malformed', why: string, cause?: unknown) =>
    new ServiceError(program, kind, `${program}, the Docker credential helper for ${request.host}, ${why}`, { cause });
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(request.helper)) {
    return Promise.reject(fail('malformed', `is not a program name Docker would run (check credsStore/credHelpers)`));
  }
  const timeoutMs = request.timeoutMs ?? CREDENTIAL_HELPER_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    // Its own process group, so a timeout ends what it started too (pass runs gpg, which may wait on a pinentry).
    // execFile passes `detached` on to spawn; its option type leaves it out.
    const options: ExecFileOptionsWithStringEncoding & { detached: boolean } = {
      encoding: 'utf8',
      windowsHide: true,
      detached: process.platform !== 'win32',
    };
    const child = execFile(program, ['get'], options, (error, stdout, stderr) => {
      clearTimeout(timer);
      if (!error) {
        try {
          resolve(parseCredentialHelperOutput(stdout));
        } catch (parseError) {
          reject(fail('malformed', (parseError as Error).message));
        }
        return;
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(fail('not-found', 'is not installed (not found on PATH): install it or remove it from your Docker config'));
      } else if (timedOut || error.killed || error.signal) {
        reject(fail('timeout', `gave no answer within ${timeoutMs / 1000} s`));
      } else if (stdout.trim() === NOT_FOUND_MESSAGE) {
        resolve(undefined);
      } else {
        const said = firstLine(stdout) || firstLine(stderr);
        reject(fail('server', `failed (exit code ${String(code)}${said ? `: ${said}` : ''})`));
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      void killProcessTree(child.pid, 0);
    }, timeoutMs);
    // A helper that exits without reading stdin must not turn into an unhandled EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(request.serverUrl);
  });
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (line.startsWith('{')) return '';
  return line.length > MAX_FAILURE_TEXT ? `${line.slice(0, MAX_FAILURE_TEXT)}…` : line;
}
