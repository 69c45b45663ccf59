import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, symlinkSync, unlinkSync } from 'node:fs';
import * as tarStream from 'tar-stream';
import { packBuildContext, packDirectory } from '../../../src/release/image/buildContext';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

async function entries(
  stream: NodeJS.ReadableStream,
): Promise<Map<string, { type: string; size: number; uid: number; linkname?: string | null }>> {
  const extract = tarStream.extract();
  const found = new Map<string, { type: string; size: number; uid: number; linkname?: string | null }>();
  const done = (async () => {
    for await (const entry of extract) {
      let size = 0;
      for await (const chunk of entry) size += (chunk as Buffer).length;
      // GNU tar writes folders as `src/`, tar-stream as `src`.
      found.set(entry.header.name.replace(/\/$/, ''), {
        type: entry.header.type ?? 'file',
        size,
        uid: entry.header.uid ?? -1,
        linkname: entry.header.linkname,
      });
    }
  })();
  stream.pipe(extract);
  await done;
  return found;
}

/**
 * The GNU tar cases need GNU tar (an essential Debian package, so every machine this project's CI runs on has
 * it); without it they fail and say so, as a test that needs a tool does here, rather than skip.
 */
function requireGnuTar(): void {
  const version = spawnSync('tar', ['--version'], { encoding: 'utf8' });
  assert.ok(
    version.status === 0 && version.stdout.includes('GNU tar'),
    'GNU tar is not on PATH (install the tar package); Conveyor falls back to tar-stream without it',
  );
}

describe('build context (unit)', () => {
  const workspace = sampleWorkspaces();

  for (const writer of ['gnu-tar', 'tar-stream'] as const) {
    it(`packs the context like docker build (${writer}): .dockerignore honoured with exceptions, the Dockerfile always sent, root-owned entries`, async () => {
      if (writer === 'gnu-tar') requireGnuTar();
      const ws = workspace({
        Dockerfile: 'FROM scratch\n',
        '.dockerignore': ['Dockerfile', 'node_modules', '*.log', 'docs', '!docs/keep.md', ''].join('\n'),
        'src/app.js': 'x\n',
        // Names tar must take as names: a leading dash, a space.
        '--remove-files': 'x\n',
        'with space.txt': 'x\n',
        'node_modules/left/index.js': 'x\n',
        'debug.log': 'x\n',
        'docs/private.md': 'x\n',
        'docs/keep.md': 'x\n',
        'assets/big.bin': 'b'.repeat(3 * 1024 * 1024),
      });
      symlinkSync('src/app.js', `${ws.dir}/link.js`);
      const context = await packBuildContext(ws.dir, '.', 'Dockerfile', { writer });
      assert.equal(context.dockerfile, 'Dockerfile');
      const found = await entries(context.stream);
      assert.deepEqual([...found.keys()].sort(), [
        '--remove-files',
        '.dockerignore',
        'Dockerfile',
        'assets',
        'assets/big.bin',
        'docs/keep.md',
        'link.js',
        'src',
        'src/app.js',
        'with space.txt',
      ]);
      assert.ok(existsSync(`${ws.dir}/--remove-files`), 'the file is still there');
      assert.equal(found.get('assets/big.bin')?.size, 3 * 1024 * 1024, 'a big file is streamed whole');
      assert.equal(found.get('link.js')?.type, 'symlink');
      assert.equal(found.get('link.js')?.linkname, 'src/app.js');
      assert.ok([...found.values()].every((e) => e.uid === 0));
    });
  }

  for (const writer of ['gnu-tar', 'tar-stream'] as const) {
    it(`sends a Dockerfile that lives in an excluded folder, and nothing else of that folder (${writer})`, async () => {
      if (writer === 'gnu-tar') requireGnuTar();
      const ws = workspace({
        'build/docker/Dockerfile': 'FROM scratch\n',
        'build/docker/notes.md': 'x\n',
        '.dockerignore': 'build\n',
        'src/app.js': 'x\n',
      });
      const context = await packBuildContext(ws.dir, '.', 'build/docker/Dockerfile', { writer });
      assert.equal(context.dockerfile, 'build/docker/Dockerfile');
      const files = [...(await entries(context.stream)).entries()].filter(([, e]) => e.type === 'file').map(([name]) => name);
      assert.deepEqual(files.sort(), ['.dockerignore', 'build/docker/Dockerfile', 'src/app.js']);
    });
  }

  it('fails the stream, never ends it early, when a file vanishes between the walk and the archive (GNU tar)', async () => {
    requireGnuTar();
    const ws = workspace({ Dockerfile: 'FROM scratch\n', 'gone.txt': 'x\n', 'kept.txt': 'y\n' });
    const stream = packDirectory(
      ws.dir,
      (relative) => {
        if (relative === 'gone.txt') unlinkSync(`${ws.dir}/gone.txt`);
        return true;
      },
      { writer: 'gnu-tar' },
    );
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
      /^Error: Packing the build context failed: tar: gone\.txt: Cannot stat: No such file or directory$/,
    );
  });

  for (const writer of ['gnu-tar', 'tar-stream'] as const) {
    it(`fails the stream with the walk's error, never ends it early, when the walk fails part way (${writer})`, async () => {
      if (writer === 'gnu-tar') requireGnuTar();
      // More entries than one batch of the walk, so GNU tar is already packing when the walk fails.
      const files = Object.fromEntries(Array.from({ length: 2_500 }, (_, n) => [`src/f${String(n).padStart(4, '0')}.js`, 'x\n']));
      const ws = workspace({ Dockerfile: 'FROM scratch\n', ...files });
      const stream = packDirectory(
        ws.dir,
        (relative) => {
          if (relative === 'src/f2400.js') throw new Error('EACCES: permission denied, scandir src/f2400.js');
          return true;
        },
        { writer },
      );
      await assert.rejects(
        (async () => {
          for await (const chunk of stream) void chunk;
        })(),
        /^Error: EACCES: permission denied, scandir src\/f2400\.js$/,
      );
    });
  }

  it('refuses a Dockerfile outside the context and a missing one, with what to change', async () => {
    const ws = workspace({ 'app/Dockerfile': 'FROM scratch\n', 'Dockerfile.other': 'FROM scratch\n' });
    await assert.rejects(
      packBuildContext(ws.dir, 'app', '../Dockerfile.other'),
      /outside the build context app: move it into the context or change image.context/,
    );
    await assert.rejects(packBuildContext(ws.dir, '.', 'Containerfile'), /No Dockerfile at Containerfile: add one or set image.dockerfile/);
  });
});
