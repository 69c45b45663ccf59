// The base image every test Dockerfile starts FROM. Nothing can be pulled from Docker Hub here, so it is
// imported from a root file system made of the static busybox: one binary, a symlink per applet.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { packDirectory } from '../../src/release/image/buildContext';
import type { DockerEngine } from './dockerEngine';
import { DOCKER_TOOLS } from './tools';

export const BASE_IMAGE = 'conveyor-base:busybox';
const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface ProgressEvent {
  error?: string;
  errorDetail?: { message?: string };
}

/** Imports BASE_IMAGE into the engine unless it is already there; returns its name. */
export async function ensureBaseImage(engine: DockerEngine): Promise<string> {
  const docker = new Docker({ socketPath: engine.socket });
  if (await imageExists(docker, BASE_IMAGE)) {
    return BASE_IMAGE;
  }
  const rootfs = busyboxRootfs();
  try {
    const tar = packDirectory(rootfs);
    // The tag goes in `repo` (the API allows it there): Podman's compatible API ignores a separate `tag`.
    const progress = await docker.importImage(tar, { repo: BASE_IMAGE, changes: [`ENV PATH=${STANDARD_PATH}`, 'CMD ["sh"]'] });
    await followToEnd(docker, progress, `import of ${BASE_IMAGE}`);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  return BASE_IMAGE;
}

async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** A folder laid out like a tiny Linux root: /bin/busybox with its applets, /tmp, /etc with root and nobody. */
function busyboxRootfs(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'cnv-rootfs-'));
  for (const dir of ['bin', 'etc', 'root', 'tmp', 'usr/bin', 'var/tmp']) {
    mkdirSync(path.join(root, dir), { recursive: true, mode: dir.endsWith('tmp') ? 0o1777 : 0o755 });
  }
  copyFileSync(DOCKER_TOOLS.busybox, path.join(root, 'bin', 'busybox'));
  const applets = execFileSync(DOCKER_TOOLS.busybox, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((name) => name && name !== 'busybox');
  for (const applet of applets) {
    symlinkSync('busybox', path.join(root, 'bin', applet));
  }
  // Scripts start with `#!/usr/bin/env sh`.
  symlinkSync('/bin/busybox', path.join(root, 'usr', 'bin', 'env'));
  writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  return root;
}

/** Reads an Engine API progress stream to its end; failures arrive as `{error}` events, not rejections. */
export function followToEnd(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: unknown[]) => {
      const failed = (events as ProgressEvent[]).find((event) => event.error !== undefined);
      if (error || failed) {
        reject(new Error(`${what} failed: ${error?.message ?? failed?.errorDetail?.message ?? failed?.error}`));
      } else {
        resolve(events);
      }
    });
  });
}
