// Start Work 2.0 on real git: a worktree of its own opened in a new window, branch-name templates with the
// characters titles really hold, and the status conveyor.yml names on the local board file.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { branchNameFor, safeBranchName } from '../../../src/code/branchName';
import { startWork } from '../../../src/code/startWork';
import { parseWorktreeList, startWorkInWorktree } from '../../../src/code/worktree';
import type { FolderOpener } from '../../../src/code/worktree';
import { isServiceError } from '../../../src/core/errors';
import { LocalBoardProvider } from '../../../src/plan/localBoardProvider';
import { startWorkMove } from '../../../src/plan/startWorkStatus';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** Records what Start Work asked VS Code to open, as `vscode.openFolder` would be called. */
function recordingOpener(): FolderOpener & { opened: [string, { forceNewWindow: true }][] } {
  const opened: [string, { forceNewWindow: true }][] = [];
  return { opened, openFolder: (folder, options) => Promise.resolve(opened.push([folder, options])) };
}

describe('Start Work in worktrees, with branch templates and the configured status, on real git (integration)', () => {
  const workspace = sampleWorkspaces();
  const item = { key: 'SHOP-4', title: 'Add the “Pay now” button!', type: 'feat' };

  it('starts work in a new worktree next to the repository, opened in a new window, leaving a dirty checkout untouched', async () => {
    const ws = workspace({ 'src/app.js': 'one\n' }, { git: true });
    git(ws.dir, 'checkout', '-q', '-b', 'elsewhere');
    ws.write('src/app.js', 'mine, not committed\n');
    ws.write('notes.txt', 'untracked\n');
    const statusBefore = git(ws.dir, 'status', '--porcelain');
    const opener = recordingOpener();

    const result = await startWorkInWorktree(ws.dir, item, { opener });

    const worktree = path.join(
      path.dirname(git(ws.dir, 'rev-parse', '--show-toplevel')),
      'workspace.worktrees',
      'feat-SHOP-4-add-the-pay-now-button',
    );
    assert.deepEqual(result, {
      branch: 'feat/SHOP-4-add-the-pay-now-button',
      existed: false,
      base: 'main',
      worktree,
      reused: false,
      opened: worktree,
    });
    const listed = parseWorktreeList(git(ws.dir, 'worktree', 'list', '--porcelain'));
    assert.deepEqual(
      listed.map((w) => [w.path, w.branch]),
      [
        [git(ws.dir, 'rev-parse', '--show-toplevel'), 'elsewhere'],
        [worktree, 'feat/SHOP-4-add-the-pay-now-button'],
      ],
    );
    assert.equal(git(worktree, 'rev-parse', 'HEAD'), git(ws.dir, 'rev-parse', 'main'), 'from the default branch');
    assert.equal(readFileSync(path.join(worktree, 'src/app.js'), 'utf8'), 'one\n', 'the worktree has the committed file');
    assert.deepEqual(opener.opened, [[worktree, { forceNewWindow: true }]]);

    assert.equal(git(ws.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'elsewhere', 'the checkout stays on its branch');
    assert.equal(git(ws.dir, 'status', '--porcelain'), statusBefore);
    assert.equal(readFileSync(path.join(ws.dir, 'src/app.js'), 'utf8'), 'mine, not committed\n');
    assert.equal(git(ws.dir, 'stash', 'list'), '', 'nothing stashed');
  });

  it('reuses the worktree that has the branch, checks an existing branch out in a new one, and replaces one deleted by hand', async () => {
    const ws = workspace({ 'web/conveyor.yml': 'version: 1\n' }, { git: true });
    const web = path.join(ws.dir, 'web');
    const opener = recordingOpener();
    const first = await startWorkInWorktree(web, item, { opener, worktreeFolder: '../../trees' });
    assert.equal(
      first.worktree,
      path.join(path.dirname(git(ws.dir, 'rev-parse', '--show-toplevel')), 'trees', 'feat-SHOP-4-add-the-pay-now-button'),
    );
    assert.equal(first.opened, path.join(first.worktree, 'web'), 'the folder of conveyor.yml, in the worktree');

    const again = await startWorkInWorktree(web, item, { opener });
    assert.deepEqual(
      [again.reused, again.existed, again.worktree],
      [true, true, first.worktree],
      'found where it is, whatever the setting now',
    );
    assert.deepEqual(
      opener.opened.map(([folder]) => folder),
      [first.opened, first.opened],
    );
    assert.equal(parseWorktreeList(git(ws.dir, 'worktree', 'list', '--porcelain')).length, 2, 'no second worktree');

    git(ws.dir, 'branch', 'fix/SHOP-9-typo', 'main');
    const existing = await startWorkInWorktree(ws.dir, { key: 'SHOP-9', title: 'Typo', type: 'fix' }, { opener });
    assert.deepEqual([existing.existed, existing.reused, existing.branch], [true, false, 'fix/SHOP-9-typo']);
    assert.equal(git(existing.worktree, 'rev-parse', '--abbrev-ref', 'HEAD'), 'fix/SHOP-9-typo');

    rmSync(existing.worktree, { recursive: true, force: true });
    const replaced = await startWorkInWorktree(ws.dir, { key: 'SHOP-9', title: 'Typo', type: 'fix' }, { opener });
    assert.deepEqual([replaced.reused, replaced.worktree], [false, existing.worktree]);
    assert.ok(existsSync(path.join(replaced.worktree, '.git')), 'a working worktree again');
  });

  it('creates the branch a template names from a title full of what git refuses', async () => {
    const ws = workspace({ 'a.txt': 'a\n' }, { git: true });
    const nasty = { key: '#77', title: ' -Fix: "quotes" ~tilde^ ?* [x] \\ @{u} ..dots.lock ', type: 'fix' };
    const result = await startWork(ws.dir, nasty, undefined, { branchTemplate: '{type}/{key}/{title}.lock' });
    assert.equal(result.branch, 'fix/77/Fix-"quotes"-tilde-x]-u}-.d', 'the title cut at 40 characters, the .lock gone');
    assert.equal(git(ws.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), result.branch);
    assert.equal(branchNameFor(nasty, '{type}/{key}/{title}.lock'), result.branch);

    // An item titled "HEAD" with a `{title}` template gets the default name: git refuses a branch called HEAD.
    const head = await startWork(ws.dir, { key: '#78', title: 'HEAD' }, undefined, { branchTemplate: '{title}' });
    assert.equal(head.branch, 'feat/78-head');
    assert.equal(git(ws.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'feat/78-head');

    for (const name of ['-x', 'a..b', 'a b', 'x.lock', 'a/', '.a', 'a@{b', 'ä~^:?*[\\\x01\x7f', '@', `${'z'.repeat(99)}/.x`]) {
      const safe = safeBranchName(`n/${name}`);
      assert.equal(git(ws.dir, 'check-ref-format', '--branch', safe), safe, `${JSON.stringify(name)} → ${safe}`);
    }
  });

  it('moves a local item to the status board.onStartWork names, and refuses one the board does not have', async () => {
    const ws = workspace({ '.conveyor/board.yml': 'items:\n  - key: SHOP-1\n    title: Checkout\n    status: todo\n' }, { git: true });
    const board = new LocalBoardProvider(ws.dir, '.conveyor/board.yml');
    const [todo] = await board.list();

    assert.equal((await startWorkMove(board, todo, undefined))?.column, 'in-progress', 'unconfigured: In progress, as before');
    const before = readFileSync(path.join(ws.dir, '.conveyor/board.yml'), 'utf8');
    await assert.rejects(startWorkMove(board, todo, 'Doing'), (error: unknown) => {
      assert.ok(isServiceError(error, 'invalid'));
      assert.match(
        error.message,
        /SHOP-1 cannot move to "Doing" .*; on the local board it can be: To do, In progress, In review, Done\. Nothing was changed\./,
      );
      return true;
    });
    assert.equal(readFileSync(path.join(ws.dir, '.conveyor/board.yml'), 'utf8'), before);

    const move = await startWorkMove(board, todo, 'in-review');
    assert.ok(move);
    await board.move(todo, move);
    assert.deepEqual(
      (await board.list()).map((i) => [i.key, i.column]),
      [['SHOP-1', 'in-review']],
    );
  });
});
