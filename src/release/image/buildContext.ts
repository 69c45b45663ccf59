// The build context sent to the engine: the context folder as a tar stream, without what .dockerignore
// excludes (as `docker build` does), so secrets and node_modules never reach the image or the engine.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import createIgnore from '@balena/dockerignore';
import * as tar from 'tar-fs';

export interface BuildContext {
  stream: Readable;
  /** The Dockerfile's path inside the context, with forward slashes (the engine's `dockerfile` option). */
  dockerfile: string;
}

export async function packBuildContext(folder: string, contextPath: string, dockerfilePath: string): Promise<BuildContext> {
  const contextDir = path.resolve(folder, contextPath);
  const dockerfile = path.resolve(folder, contextPath, dockerfilePath);
  const inside = path.relative(contextDir, dockerfile);
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new Error(`The Dockerfile ${dockerfilePath} is outside the build context ${contextPath}: move it into the context or change image.context in conveyor.yml.`);
  }
  const stat = await fs.stat(dockerfile).catch(() => undefined);
  if (!stat?.isFile()) throw new Error(`No Dockerfile at ${path.relative(folder, dockerfile) || dockerfilePath}: add one or set image.dockerfile in conveyor.yml.`);
  const ignore = createIgnore({ ignorecase: false }).add(await readDockerignore(contextDir));
  const keep = new Set([inside.split(path.sep).join('/'), '.dockerignore']);
  const stream = tar.pack(contextDir, {
    ignore: (name) => {
      const relative = path.relative(contextDir, name).split(path.sep).join('/');
      // Like docker build: the Dockerfile and .dockerignore are always sent, whatever the patterns say.
      return relative !== '' && !keep.has(relative) && ignore.ignores(relative);
    },
    // Reproducible ownership: the image must not depend on who ran the build.
    map: (header) => ({ ...header, uid: 0, gid: 0, uname: 'root', gname: 'root' }),
  });
  // tar-fs returns a streamx stream, which the engine reads like any Node Readable.
  return { stream: stream as unknown as Readable, dockerfile: inside.split(path.sep).join('/') };
}

async function readDockerignore(contextDir: string): Promise<string[]> {
  const text = await fs.readFile(path.join(contextDir, '.dockerignore'), 'utf8').catch(() => '');
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
