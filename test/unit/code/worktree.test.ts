import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseWorktreeList, worktreePathFor } from '../../../src/code/worktree';

describe('worktrees for Start Work (unit)', () => {
  it('reads git worktree list --porcelain: paths with spaces, branches, detached and prunable entries', () => {
    const output = [
      'worktree /work/shop',
      'HEAD 1111111111111111111111111111111111111111',
      'branch refs/heads/main',
      '',
      'worktree /work/shop.worktrees/feat-SHOP-4 pay now',
      'HEAD 2222222222222222222222222222222222222222',
      'branch refs/heads/feat/SHOP-4',
      '',
      'worktree /work/gone',
      'HEAD 3333333333333333333333333333333333333333',
      'detached',
      'prunable gitdir file points to non-existent location',
      '',
    ].join('\n');
    assert.deepEqual(parseWorktreeList(output), [
      { path: '/work/shop', branch: 'main', prunable: false },
      { path: '/work/shop.worktrees/feat-SHOP-4 pay now', branch: 'feat/SHOP-4', prunable: false },
      { path: '/work/gone', prunable: true },
    ]);
  });

  it('puts a worktree next to the repository, as GitLens does, or in the configured folder (relative to the folder)', () => {
    const root = path.resolve('/work/shop');
    assert.equal(worktreePathFor(root, root, 'feat/SHOP-4-pay'), path.resolve('/work/shop.worktrees/feat-SHOP-4-pay'));
    assert.equal(worktreePathFor(root, path.join(root, 'web'), 'fix/X-1', '../../trees'), path.resolve('/work/trees/fix-X-1'));
  });
});
