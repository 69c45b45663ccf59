// Images for registry tests: a private engine with images built from the busybox base image, registries
// started on demand, and pushes as `docker push` does them, with the digest the push reports.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { ensureBaseImage, followToEnd, startDockerEngine, startRegistry } from '../../scripts/docker/dockerHost';
import type { DockerEngine, LocalRegistry, RegistryAccount, RegistryOptions } from '../../scripts/docker/dockerHost';
import { packDirectory } from '../../src/release/image/buildContext';

interface PushEvent {
  aux?: { Digest?: string };
}

export interface RegistryTestbed {
  /** The engine's client, once the suite's `before` ran. */
  docker(): Docker;
  /** A registry that is stopped after the suite. */
  startRegistry(options?: RegistryOptions): Promise<LocalRegistry>;
}

/**
 * For a describe block: starts a private engine before its tests and builds `images` (name → marker) in it;
 * stops it and every registry the tests started after them.
 */
export function useRegistryTestbed(images: Record<string, string>): RegistryTestbed {
  let engine: DockerEngine | undefined;
  let docker: Docker | undefined;
  const registries: LocalRegistry[] = [];
  before(async () => {
    engine = await startDockerEngine();
    docker = new Docker({ socketPath: engine.socket });
    const base = await ensureBaseImage(engine);
    for (const [name, marker] of Object.entries(images)) await buildTestImage(docker, base, name, marker);
  });
  after(async () => {
    await Promise.all(registries.map((registry) => registry.stop()));
    await engine?.stop();
  });
  return {
    docker: () => {
      assert.ok(docker, 'the testbed engine starts in the suite’s before hook');
      return docker;
    },
    startRegistry: async (options) => {
      const registry = await startRegistry(options);
      registries.push(registry);
      return registry;
    },
  };
}

/** Builds `name` FROM `base` with one layer of its own, so two names with different `marker`s differ. */
async function buildTestImage(docker: Docker, base: string, name: string, marker = name): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnv-context-'));
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${base}\nRUN echo ${marker} > /app\n`);
    const build = await docker.buildImage(packDirectory(dir), { t: name });
    await followToEnd(docker, build, 'build');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Tags `image` as `<registry>/<repository>:<tag>` and pushes it; returns the manifest digest the push reports. */
export async function pushTestImage(
  docker: Docker,
  image: string,
  registry: LocalRegistry,
  repository: string,
  tag: string,
  account?: RegistryAccount,
): Promise<string> {
  await docker.getImage(image).tag({ repo: `${registry.host}/${repository}`, tag });
  const authconfig = account ? { username: account.user, password: account.password, serveraddress: registry.host } : {};
  const stream = await docker.getImage(`${registry.host}/${repository}`).push({ tag, authconfig });
  const events = (await followToEnd(docker, stream, `push to ${registry.host}`)) as PushEvent[];
  const digest = events.find((event) => event.aux?.Digest)?.aux?.Digest;
  assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/, 'the push reports the manifest digest');
  return digest!;
}
