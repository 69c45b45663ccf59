import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findExecutable } from '../../../src/core/findExecutable';

describe('finding a program on PATH (unit)', () => {
  let dirs: string[];
  beforeEach(async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-find-exe-'));
    dirs = [path.join(root, 'a'), path.join(root, 'b')];
    for (const dir of dirs) await fs.mkdir(dir);
  });
  afterEach(() => fs.rm(path.dirname(dirs[0]), { recursive: true, force: true }));

  it('takes the first executable file in PATH order, skipping files that cannot run and folders', async () => {
    await fs.writeFile(path.join(dirs[0], 'kubectl'), '', { mode: 0o644 });
    await fs.writeFile(path.join(dirs[1], 'kubectl'), '', { mode: 0o755 });
    await fs.mkdir(path.join(dirs[0], 'kustomize'));
    assert.equal(await findExecutable('kubectl', dirs.join(path.delimiter), 'linux'), path.join(dirs[1], 'kubectl'));
    assert.equal(await findExecutable('kustomize', dirs.join(path.delimiter), 'linux'), undefined);
  });

  it("looks for PATHEXT's extensions on Windows, as cmd.exe does", async () => {
    await fs.writeFile(path.join(dirs[1], 'kubectl.exe'), '', { mode: 0o755 });
    const saved = process.env.PATHEXT;
    process.env.PATHEXT = '.COM;.EXE';
    try {
      assert.equal(await findExecutable('kubectl', dirs.join(';'), 'win32'), path.join(dirs[1], 'kubectl.exe'));
      assert.equal(await findExecutable('kubectl', dirs.join(path.delimiter), 'linux'), undefined, 'no extension is added elsewhere');
    } finally {
      if (saved === undefined) delete process.env.PATHEXT;
      else process.env.PATHEXT = saved;
    }
  });
});
