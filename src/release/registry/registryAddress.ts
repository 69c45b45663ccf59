// Where a registry's API lives. Users write registries the way image names do (`127.0.0.1:5000`,
// `ghcr.io`, `docker.io`); the API is HTTPS except on the loopback, which is what Docker itself assumes
// (it treats 127.0.0.0/8 as an insecure registry by default). An explicit http:// or https:// wins.
import { isLoopbackHost } from '../../core/http/tokenHost';
import { isDockerHub } from './credentials';

export interface RegistryAddress {
  /** How messages name the registry: `127.0.0.1:5000`, `docker.io`. */
  display: string;
  /** `http://127.0.0.1:5000`, `https://registry-1.docker.io` (no trailing slash). */
  baseUrl: string;
  dockerHub: boolean;
}

export function registryAddress(registry: string): RegistryAddress {
  const trimmed = registry.trim().replace(/\/+$/, '').replace(/\/v2$/, '');
  const scheme = /^(https?):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  const host = trimmed.replace(/^https?:\/\//i, '').replace(/\/.*$/, '');
  if (host === '') {
    throw new Error(`"${registry}" is not a registry address: write host[:port], e.g. 127.0.0.1:5000 or ghcr.io`);
  }
  const dockerHub = isDockerHub(host);
  // Docker Hub's API is not at docker.io itself.
  const apiHost = dockerHub ? 'registry-1.docker.io' : host;
  return {
    display: dockerHub ? 'docker.io' : host,
    baseUrl: `${scheme ?? (isLoopbackHost(host.replace(/:\d+$/, '')) ? 'http' : 'https')}://${apiHost}`,
    dockerHub,
  };
}

/** The registry as the service in messages and errors: "registry 127.0.0.1:5000". */
export function registryService(address: RegistryAddress): string {
  return `registry ${address.display}`;
}

/** Docker Hub's official images live under `library/`: `node` is `library/node` to the API. */
export function apiRepository(address: RegistryAddress, repository: string): string {
  return address.dockerHub && !repository.includes('/') ? `library/${repository}` : repository;
}
