// Installs what the Docker integration tests need from Debian: the engine (docker.io), the registry
// (docker-registry) and a static busybox that becomes the base image, since nothing can be pulled from
// Docker Hub here. Idempotent: does nothing when the programs are already there.
import { execFileSync } from 'node:child_process';
import { DOCKER_DEBIAN_PACKAGES, missingDockerTools } from './tools';

const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const apt = (...args: string[]) => execFileSync('apt-get', args, { stdio: 'inherit', env: aptEnv });
const install = () => apt('install', '-y', '-qq', '--no-install-recommends', ...DOCKER_DEBIAN_PACKAGES);

function installPackages(): void {
  try {
    install();
  } catch {
    // A fresh machine has no package lists yet; refreshing them costs time, so only when needed.
    console.log('[docker setup] install failed; apt-get update and retry');
    apt('update', '-qq');
    install();
  }
}

const missing = missingDockerTools();
if (missing.length === 0) {
  console.log('[docker setup] docker.io, docker-registry and busybox-static already installed: nothing to do');
} else {
  console.log(`[docker setup] missing ${missing.join(', ')}: apt-get install ${DOCKER_DEBIAN_PACKAGES.join(' ')}`);
  try {
    installPackages();
  } catch (error) {
    console.error(`[docker setup] could not install ${DOCKER_DEBIAN_PACKAGES.join(' ')}: ${(error as Error).message}`);
    process.exit(1);
  }
  const stillMissing = missingDockerTools();
  if (stillMissing.length > 0) {
    console.error(`[docker setup] installed the packages but ${stillMissing.join(', ')} is still missing`);
    process.exit(1);
  }
  console.log('[docker setup] installed docker.io, docker-registry and busybox-static');
}
