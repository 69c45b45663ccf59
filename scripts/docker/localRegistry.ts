// A private registry for tests: Debian's docker-registry (distribution 2.8) with a config written here,
// because the packaged /etc/docker/registry/config.yml turns on htpasswd and a fixed port. Anonymous by
// default; with `htpasswd` it asks for Basic credentials, with `tokenAuth` for Bearer tokens from a
// token service started alongside it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { freePort, startInBackground, stopProcess, waitUntilReady } from './background';
import { htpasswdLine } from './htpasswd';
import { startTokenServer } from './tokenServer';
import type { TokenServer } from './tokenServer';
import { DOCKER_TOOLS, requireDockerTools } from './tools';

export interface RegistryAccount {
  user: string;
  password: string;
}

export interface RegistryOptions {
  /** Port on 127.0.0.1; a free one when not given. */
  port?: number;
  /** Basic authentication with this one account. */
  htpasswd?: RegistryAccount;
  /** Bearer token authentication: a token service that signs tokens for this one account. */
  tokenAuth?: RegistryAccount;
}

export interface LocalRegistry {
  /** `127.0.0.1:PORT`: the registry part of image names. */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  dir: string;
  /** With `tokenAuth`: where clients get their tokens. */
  tokenRealm?: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

export async function startRegistry(options: RegistryOptions = {}): Promise<LocalRegistry> {
  requireDockerTools();
  const dir = mkdtempSync('/tmp/cnv-registry-');
  let tokenServer: TokenServer | undefined;
  try {
    tokenServer = options.tokenAuth ? await startTokenServer(dir, options.tokenAuth) : undefined;
    const host = `127.0.0.1:${options.port ?? (await freePort())}`;
    const config = path.join(dir, 'config.yml');
    writeFileSync(config, stringify(registryConfig(dir, host, options, tokenServer)));
    const registry = startInBackground(`docker-registry on ${host}`, DOCKER_TOOLS.registry, ['serve', config], {
      cwd: dir,
      logFile: path.join(dir, 'registry.log'),
      env: withoutRegistryOverrides(process.env),
    });
    const url = `http://${host}`;
    try {
      await waitUntilReady(registry, () => answersV2(url), READY_TIMEOUT_MS);
    } catch (error) {
      await stopProcess(registry);
      throw error;
    }
    let stopping: Promise<void> | undefined;
    const stop = async () => {
      await stopProcess(registry);
      await tokenServer?.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    return { host, url, dir, tokenRealm: tokenServer?.realm, stop: () => (stopping ??= stop()) };
  } catch (error) {
    await tokenServer?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function registryConfig(dir: string, host: string, options: RegistryOptions, tokenServer: TokenServer | undefined): object {
  return {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: path.join(dir, 'data') }, delete: { enabled: true } },
    http: { addr: host, secret: 'conveyor-test-only' },
    ...authConfig(dir, options, tokenServer),
  };
}

function authConfig(dir: string, options: RegistryOptions, tokenServer: TokenServer | undefined): object {
  if (tokenServer) {
    return {
      auth: {
        token: {
          realm: tokenServer.realm,
          service: tokenServer.service,
          issuer: tokenServer.issuer,
          rootcertbundle: tokenServer.certificateFile,
        },
      },
    };
  }
  if (options.htpasswd) {
    const file = path.join(dir, 'htpasswd');
    writeFileSync(file, htpasswdLine(options.htpasswd.user, options.htpasswd.password), { mode: 0o600 });
    return { auth: { htpasswd: { realm: 'conveyor-test-registry', path: file } } };
  }
  return {};
}

/** REGISTRY_* variables override the config file; a developer's shell must not change the test registry. */
function withoutRegistryOverrides(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('REGISTRY_')));
}

/** 200 when anonymous, 401 when it asks for credentials: either way the API is up. */
async function answersV2(url: string): Promise<boolean> {
  const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.status === 200 || response.status === 401;
}
