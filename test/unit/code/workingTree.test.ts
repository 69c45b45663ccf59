import * as assert from 'node:assert/strict';
import { parseStatusV2 } from '../../../src/code/workingTree';

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
