// Finds the credentials `docker login` stored for a registry in Docker's config.json, so Conveyor signs in
// wherever the user's docker CLI already does. Credential helpers (credsStore, credHelpers) keep secrets
// elsewhere and would mean running a program; that is not supported yet and is reported as the reason.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { DOCKER_HUB_ALIASES, isDockerHub, registryHostOf } from './credentials';
import type { RegistryCredentials } from './credentials';

export interface DockerCredentialLookup {
  credentials?: RegistryCredentials;
  /** Why there are none, in words for the user (no config, no entry, a credential helper…). */
  reason?: string;
  configPath: string;
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: unknown;
  credHelpers?: Record<string, unknown>;
}

/** $DOCKER_CONFIG/config.json, or ~/.docker/config.json: where the docker CLI looks. */
export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return path.join(env.DOCKER_CONFIG || path.join(home, '.docker'), 'config.json');
}

/** The credentials for `registryHost` (`127.0.0.1:5000`, `ghcr.io`, `docker.io`), or undefined. */
export async function readDockerCredentials(
  registryHost: string,
  configPath = defaultDockerConfigPath(),
): Promise<RegistryCredentials | undefined> {
  return (await findDockerCredentials(registryHost, configPath)).credentials;
}

/** Like readDockerCredentials, with the reason when there are none. */
export async function findDockerCredentials(registryHost: string, configPath = defaultDockerConfigPath()): Promise<DockerCredentialLookup> {
  const none = (reason: string): DockerCredentialLookup => ({ reason, configPath });
  let config: DockerConfigFile;
  try {
    config = parseConfig(await readFile(configPath, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return none(missing ? `no Docker config at ${configPath}` : `cannot read ${configPath}: ${(error as Error).message}`);
  }
  const host = registryHostOf(registryHost);
  const helper = helperFor(config, host);
  if (helper) {
    return none(
      `credentials for ${host} are kept by the credential helper docker-credential-${helper} (credHelpers in ${configPath}), which Conveyor does not read yet`,
    );
  }
  const [key, entry] = findEntry(config.auths ?? {}, host) ?? [];
  const decoded = key !== undefined && entry ? credentialsOf(entry) : undefined;
  if (typeof decoded === 'string') {
    return none(`the entry for ${key} in ${configPath} ${decoded}`);
  }
  if (decoded) {
    return { credentials: decoded, configPath };
  }
  if (typeof config.credsStore === 'string' && config.credsStore) {
    return none(
      `credentials are kept by the credential store docker-credential-${config.credsStore} (credsStore in ${configPath}), which Conveyor does not read yet`,
    );
  }
  return none(`${configPath} has no credentials for ${host}: run \`docker login ${host}\``);
}

function parseConfig(text: string): DockerConfigFile {
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('not a JSON object');
  }
  const config = parsed as Record<string, unknown>;
  return {
    auths: objectOrUndefined(config.auths) as Record<string, AuthEntry> | undefined,
    credsStore: config.credsStore,
    credHelpers: objectOrUndefined(config.credHelpers),
  };
}

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function helperFor(config: DockerConfigFile, host: string): string | undefined {
  const helpers = config.credHelpers ?? {};
  const key = Object.keys(helpers).find((name) => sameRegistry(name, host));
  const helper = key === undefined ? undefined : helpers[key];
  return typeof helper === 'string' && helper ? helper : undefined;
}

/** Keys are written many ways (`https://host/v1/`, `host`); Docker Hub's canonical key comes first. */
function findEntry(auths: Record<string, AuthEntry>, host: string): [string, AuthEntry] | undefined {
  const keys = Object.keys(auths).filter((key) => sameRegistry(key, host) && typeof auths[key] === 'object' && auths[key] !== null);
  keys.sort((a, b) => rank(a) - rank(b));
  return keys.length > 0 ? [keys[0], auths[keys[0]]] : undefined;
}

function rank(key: string): number {
  const index = DOCKER_HUB_ALIASES.indexOf(key);
  return index < 0 ? DOCKER_HUB_ALIASES.length : index;
}

function sameRegistry(key: string, host: string): boolean {
  return isDockerHub(host) ? isDockerHub(key) : registryHostOf(key) === host;
}

/** Credentials, undefined for an entry that holds none (credsStore leaves `{}`), or what is wrong with it. */
function credentialsOf(entry: AuthEntry): RegistryCredentials | string | undefined {
  const identityToken = typeof entry.identitytoken === 'string' && entry.identitytoken ? entry.identitytoken : undefined;
  if (typeof entry.auth === 'string' && entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      return 'has an "auth" value that is not base64 of user:password';
    }
    return withIdentityToken({ username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }, identityToken);
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return withIdentityToken({ username: entry.username, password: entry.password }, identityToken);
  }
  if (!identityToken) {
    return undefined;
  }
  return typeof entry.username === 'string' ? { username: entry.username, identityToken } : { identityToken };
}

function withIdentityToken(credentials: RegistryCredentials, identityToken: string | undefined): RegistryCredentials {
  return identityToken ? { ...credentials, identityToken } : credentials;
}
