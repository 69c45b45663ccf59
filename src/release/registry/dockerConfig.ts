// Finds the credentials `docker login` stored for a registry, so Conveyor signs in wherever the user's docker
// CLI already does: from the credential helper config.json names (credHelpers[host], else credsStore), else
// from its `auths` entry. A helper that is missing or fails rejects with a message naming it and the host.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { credentialHelperProgram, getFromCredentialHelper } from './credentialHelper';
import type { CredentialHelperRequest } from './credentialHelper';
import { DOCKER_HUB_ALIASES, isDockerHub, registryHostOf } from './credentials';
import type { RegistryCredentials } from './credentials';

export interface DockerCredentialLookup {
  credentials?: RegistryCredentials;
  /** Why there are none, in words for the user (no config, no entry, a helper without them…). */
  reason?: string;
  configPath: string;
  /** The credential helper that was asked (`pass` for docker-credential-pass), when one was. */
  helper?: string;
}

export type CredentialHelperRunner = (request: CredentialHelperRequest) => Promise<RegistryCredentials | undefined>;

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
export async function findDockerCredentials(
  registryHost: string,
  configPath = defaultDockerConfigPath(),
  runHelper: CredentialHelperRunner = getFromCredentialHelper,
): Promise<DockerCredentialLookup> {
  const none = (reason: string): DockerCredentialLookup => ({ reason, configPath });
  let config: DockerConfigFile;
  try {
    config = parseConfig(await readFile(configPath, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return none(missing ? `no Docker config at ${configPath}` : `cannot read ${configPath}: ${(error as Error).message}`);
  }
  const host = registryHostOf(registryHost);
  // As the docker CLI: once a helper is named for the host, config.json's own entries are not read.
  const helper = helperFor(config, host);
  if (helper) {
    const credentials = await runHelper({ helper: helper.name, serverUrl: helperServerUrl(host), host });
    if (credentials) return { credentials, configPath, helper: helper.name };
    return {
      reason: `${credentialHelperProgram(helper.name)} (${helper.key} in ${configPath}) has no credentials for ${host}: run \`docker login ${host}\``,
      configPath,
      helper: helper.name,
    };
  }
  const [key, entry] = findEntry(config.auths ?? {}, host) ?? [];
  const decoded = key !== undefined && entry ? credentialsOf(entry) : undefined;
  if (typeof decoded === 'string') {
    return none(`the entry for ${key} in ${configPath} ${decoded}`);
  }
  if (decoded) {
    return { credentials: decoded, configPath };
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

/** credHelpers[host] first, then credsStore: the docker CLI's order. */
function helperFor(config: DockerConfigFile, host: string): { name: string; key: 'credHelpers' | 'credsStore' } | undefined {
  const helpers = config.credHelpers ?? {};
  const key = Object.keys(helpers).find((name) => sameRegistry(name, host));
  const perHost = key === undefined ? undefined : helpers[key];
  if (typeof perHost === 'string' && perHost) return { name: perHost, key: 'credHelpers' };
  return typeof config.credsStore === 'string' && config.credsStore ? { name: config.credsStore, key: 'credsStore' } : undefined;
}

/** The key `docker login` stores under: the host, and Docker Hub's canonical URL for Docker Hub. */
function helperServerUrl(host: string): string {
  return isDockerHub(host) ? DOCKER_HUB_ALIASES[0] : host;
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
