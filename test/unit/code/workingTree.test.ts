import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseStatusV2, withoutChangesSince } from '../../../src/code/workingTree';

describe('git status --porcelain=v2 (unit)', () => {
  it('reads the commit, the branch and every kind of change, including renames and paths with spaces', () => {
    const output = [
      '# branch.oid 4c7e1d2f9a0b4c7e1d2f9a0b4c7e1d2f9a0b4c7e',
      '# branch.head feature/CNV-1-login',
      '1 .M N... 100644 100644 100644 3f4e 3f4e src/app.js',
      '2 R. N... 100644 100644 100644 aa11 aa11 R100 docs/new name.md',
      'docs/old name.md',
      'u UU N... 100644 100644 100644 100644 b1 b2 b3 conflict.txt',
      '? notes.txt',
      '',
    ].join('\0');
    assert.deepEqual(parseStatusV2(output), {
      commit: '4c7e1d2f9a0b4c7e1d2f9a0b4c7e1d2f9a0b4c7e',
      branch: 'feature/CNV-1-login',
      changes: ['src/app.js', 'docs/new name.md', 'conflict.txt', 'notes.txt'],
      dirty: true,
    });
  });

  it('says a new repository has no commit yet and a detached HEAD has no branch', () => {
    assert.deepEqual(parseStatusV2('# branch.oid (initial)\0# branch.head main\0'), {
      commit: undefined,
      branch: 'main',
      changes: [],
      dirty: false,
    });
    assert.equal(parseStatusV2('# branch.oid abc\0# branch.head (detached)\0').branch, undefined);
  });
});

describe('the tree before a pipeline’s first stage, from one read while it ran (unit, real files)', () => {
  let folder: string;
  const since = Date.now();
  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'conveyor-tree-'));
    mkdirSync(path.join(folder, '.git'));
    for (const [file, when] of [
      ['edited-before.js', since - 60_000],
      ['written-by-stage.js', since + 5],
    ] as const) {
      writeFileSync(path.join(folder, file), 'x\n');
      utimesSync(path.join(folder, file), new Date(when), new Date(when));
    }
    mkdirSync(path.join(folder, 'coverage'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));
  const tree = (changes: string[]) => ({ commit: 'abc', branch: 'main', changes, dirty: changes.length > 0 });

  it('leaves out the changes written since the stage started, and keeps older ones and deletions', async () => {
    assert.deepEqual(
      await withoutChangesSince(tree(['edited-before.js', 'written-by-stage.js', 'deleted.js', 'coverage/']), folder, since),
      tree(['edited-before.js', 'deleted.js']),
    );
    assert.deepEqual(await withoutChangesSince(tree(['written-by-stage.js', 'coverage/']), folder, since), tree([]));
  });

  it('keeps a cut listing as read (an unlisted change may be older), and a folder outside git', async () => {
    const listed = Array.from({ length: 20 }, () => 'written-by-stage.js');
    assert.deepEqual(await withoutChangesSince(tree(listed), folder, since), tree(listed));
    rmSync(path.join(folder, '.git'), { recursive: true });
    const outside = mkdtempSync(path.join(tmpdir(), 'conveyor-no-git-'));
    try {
      assert.deepEqual(await withoutChangesSince(tree(['written-by-stage.js']), outside, since), tree(['written-by-stage.js']));
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
