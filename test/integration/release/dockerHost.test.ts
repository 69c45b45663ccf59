import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { packDirectory } from '../../../src/release/image/buildContext';
import { ensureBaseImage, followToEnd, startDockerEngine, startRegistry } from '../../../scripts/docker/dockerHost';
import type { DockerEngine, LocalRegistry } from '../../../scripts/docker/dockerHost';

interface PushEvent {
  aux?: { Tag?: string; Digest?: string };
}

/** A build context folder with just this Dockerfile, as the tar stream the engine expects. */
function contextWith(dockerfile: string): { tar: Readable; dispose: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnv-context-'));
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  return { tar: packDirectory(dir), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

async function timed<T>(timings: Record<string, number>, name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

describe("Docker engine and registry started by the project's scripts (integration)", function () {
  this.timeout(120_000);
  let engine: DockerEngine | undefined;
  let registry: LocalRegistry | undefined;
  const timings: Record<string, number> = {};

  after(async () => {
    await engine?.stop();
    await registry?.stop();
    console.log(`      timings (ms): ${JSON.stringify(timings)}`);
  });

  it('builds FROM the busybox base image with the classic builder, runs it without a network and pushes it to the registry', async () => {
    engine = await timed(timings, 'engine start', startDockerEngine);
    const docker = new Docker({ socketPath: engine.socket });
    const base = await timed(timings, 'base image import', () => ensureBaseImage(engine!));
    assert.equal(base, 'conveyor-base:busybox');
    assert.equal(await ensureBaseImage(engine), base, 'a second call finds the image and imports nothing');

    registry = await timed(timings, 'registry start', () => startRegistry());
    const repository = `${registry.host}/smoke/hello`;
    const context = contextWith(`FROM ${base}\nRUN echo hi > /hello\n`);
    try {
      const build = await docker.buildImage(context.tar, { t: `${repository}:1` });
      await timed(timings, 'build', () => followToEnd(docker, build, 'build'));
    } finally {
      context.dispose();
    }

    const container = await docker.createContainer({
      Image: `${repository}:1`,
      Cmd: ['cat', '/hello'],
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    const exit = (await container.wait()) as { StatusCode: number };
    assert.equal(exit.StatusCode, 0);
    const output = await container.logs({ stdout: true, stderr: false });
    // Without a TTY the engine frames each chunk with an 8-byte header.
    assert.equal(output.subarray(8).toString('utf8'), 'hi\n');
    await container.remove();

    const push = await docker.getImage(repository).push({ tag: '1', authconfig: {} });
    const events = (await timed(timings, 'push', () => followToEnd(docker, push, 'push'))) as PushEvent[];
    const digest = events.find((event) => event.aux?.Digest)?.aux?.Digest;
    assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);

    const tags = (await (await fetch(`${registry.url}/v2/smoke/hello/tags/list`)).json()) as { name: string; tags: string[] };
    assert.deepEqual(tags, { name: 'smoke/hello', tags: ['1'] });
  });

  it('stops the engine and the registry, leaving no process, mount or folder behind', async () => {
    assert.ok(engine && registry, 'the previous test started both');
    const dirs = [engine.dir, registry.dir];
    await engine.stop();
    await registry.stop();
    for (const dir of dirs) {
      assert.equal(existsSync(dir), false, `${dir} is removed`);
      assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(dir), false, `nothing stays mounted under ${dir}`);
    }
    await assert.rejects(fetch(`${registry.url}/v2/`), 'the registry no longer answers');
  });
});
