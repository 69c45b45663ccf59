import type { LocalRegistry, RegistryAccount } from '../../scripts/docker/dockerHost';

/**
 * The digest the registry itself gives for `name:tag` (its Docker-Content-Digest), or null when it has no such
 * tag; `account` signs in to an htpasswd registry.
 */
export async function registryDigest(
  registry: LocalRegistry,
  name: string,
  tag: string,
  account?: RegistryAccount,
): Promise<string | null> {
  const basic = account && `Basic ${Buffer.from(`${account.user}:${account.password}`).toString('base64')}`;
  const response = await fetch(`${registry.url}/v2/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      ...(basic ? { Authorization: basic } : {}),
    },
  });
  return response.headers.get('docker-content-digest');
}
