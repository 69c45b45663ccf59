// Credentials for one registry, as `docker login` stores them.

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /**
   * An OAuth2 refresh token that some registries (Azure, Harbor with OIDC…) hand out at `docker login`
   * instead of a password; it is exchanged for access tokens at the registry's token service.
   */
  identityToken?: string;
}

/** The names Docker Hub goes by; `docker login` stores its credentials under the first. */
export const DOCKER_HUB_ALIASES = [
  'https://index.docker.io/v1/',
  'index.docker.io',
  'docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
];

/** `https://index.docker.io/v1/` → `index.docker.io`; `http://127.0.0.1:5000/` → `127.0.0.1:5000`. */
export function registryHostOf(registry: string): string {
  return registry
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

export function isDockerHub(registry: string): boolean {
  const host = registryHostOf(registry);
  return DOCKER_HUB_ALIASES.some((alias) => registryHostOf(alias) === host);
}
