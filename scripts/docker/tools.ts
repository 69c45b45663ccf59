// Where the Debian packages behind the Docker test infrastructure put their programs, and a check that they
// are there. scripts/setup.ts installs them; a missing tool fails the run loudly, so integration
// tests never skip because Docker is absent.
import { existsSync } from 'node:fs';

export const DOCKER_TOOLS = {
  /** docker.io's daemon (20.10). */
  dockerd: '/usr/sbin/dockerd',
  /** docker.io's client. Not /usr/local/bin/docker: that is an unrelated Docker 28 client on this machine. */
  docker: '/usr/bin/docker',
  /** docker-registry: the CNCF distribution registry 2.8. */
  registry: '/usr/bin/docker-registry',
  /** busybox-static: a single static binary that becomes the root file system of the base image. */
  busybox: '/usr/bin/busybox',
  /** golang-docker-credential-helpers: the credential helper that keeps `docker login` secrets in pass. */
  credentialPass: '/usr/bin/docker-credential-pass',
  /** pass and gnupg: the store behind docker-credential-pass, with a throwaway GPG key per test. */
  pass: '/usr/bin/pass',
  gpg: '/usr/bin/gpg',
  /** podman 4.3: the same Docker API from a daemonless engine (`podman system service`). */
  podman: '/usr/bin/podman',
} as const;

/** The Debian packages that provide DOCKER_TOOLS. */
export const DOCKER_DEBIAN_PACKAGES = [
  'docker.io',
  'docker-registry',
  'busybox-static',
  'golang-docker-credential-helpers',
  'pass',
  'gnupg',
  'podman',
];

export const DOCKER_SETUP_COMMAND = 'node --import tsx scripts/setup.ts integration';

export function missingDockerTools(): string[] {
  return Object.values(DOCKER_TOOLS).filter((tool) => !existsSync(tool));
}

export function requireDockerTools(): void {
  const missing = missingDockerTools();
  if (missing.length > 0) {
    throw new Error(`Docker test tools missing (${missing.join(', ')}). Run: ${DOCKER_SETUP_COMMAND}`);
  }
}
