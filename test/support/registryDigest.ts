import type { LocalRegistry } from '../../scripts/docker/dockerHost';

/** The digest the registry itself gives for `name:tag` (its Docker-Content-Digest), or null when it has no such tag. */
export async function registryDigest(registry: LocalRegistry, name: string, tag: string): Promise<string | null> {
  const response = await fetch(`${registry.url}/v2/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
  });
  return response.headers.get('docker-content-digest');
}
