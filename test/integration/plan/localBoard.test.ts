import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { branchNameFor } from '../../../src/code/branchName';
import { startWork } from '../../../src/code/startWork';
import { parseLocalBoard } from '../../../src/plan/localBoard';
import { changeLocalBoard, nextKey } from '../../../src/plan/localBoardFile';
import { LocalBoardProvider } from '../../../src/plan/localBoardProvider';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

const BOARD = [
  '# Our board — comments stay',
  'items:',
  '  - key: SHOP-1',
  '    title: Checkout page',
  '    status: todo',
  '',
  '  - key: SHOP-2',
  '    title: Pay with cards',
  '    status: in-progress',
  '    assignee: ana',
  '',
].join('\n');

describe('local board changes and Start Work on real files and git (integration)', () => {
  const workspace = sampleWorkspaces();
  const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

  it('moves, assigns, creates and deletes items as small edits that keep comments and order', async () => {
    const ws = workspace({ '.conveyor/board.yml': BOARD }, { git: true });
    const board = new LocalBoardProvider(ws.dir, '.conveyor/board.yml', 'ana');
    const [first] = await board.list();
    await board.move(first, { id: 'in-review', name: 'In review', column: 'in-review' });
    await board.assign(first, 'bo');
    const created = await board.create({ title: 'Refunds' });
    assert.equal(created.key, 'SHOP-3');
    const text = readFileSync(path.join(ws.dir, '.conveyor/board.yml'), 'utf8');
    assert.ok(
      text.startsWith(
        '# Our board — comments stay\nitems:\n  - key: SHOP-1\n    title: Checkout page\n    status: in-review\n    assignee: bo\n',
      ),
      text,
    );
    assert.match(
      text,
      /assignee: ana\n\n {2}- key: SHOP-3\n {4}title: Refunds\n {4}status: todo\n$/,
      'the new item is its own block, like the others',
    );
    const diff = git(ws.dir, 'diff', '--numstat');
    assert.match(
      diff,
      /^6\t1\t\.conveyor\/board\.yml$/,
      'one line changed, one added for the assignee, a blank line and three for the new item',
    );
    assert.deepEqual(
      (await board.list({ mine: true })).map((i) => i.key),
      ['SHOP-2'],
    );
    await board.delete(created);
    assert.deepEqual(
      (await board.list()).map((i) => `${i.key}:${i.column}`),
      ['SHOP-1:in-review', 'SHOP-2:in-progress'],
    );
  });

  it('keeps an edit made on disk meanwhile (another editor, a git pull) when it writes', async () => {
    const ws = workspace({ '.conveyor/board.yml': BOARD });
    const board = new LocalBoardProvider(ws.dir, '.conveyor/board.yml');
    const [first] = await board.list();
    writeFileSync(path.join(ws.dir, '.conveyor/board.yml'), BOARD.replace('Pay with cards', 'Pay with cards and wallets'));
    await board.move(first, { id: 'done', name: 'Done', column: 'done' });
    const text = readFileSync(path.join(ws.dir, '.conveyor/board.yml'), 'utf8');
    assert.match(text, /Pay with cards and wallets/);
    assert.match(text, /key: SHOP-1\n {4}title: Checkout page\n {4}status: done/);
  });

  it('never writes over a malformed board, and says where it is broken; a vanished item is reported', async () => {
    const broken = BOARD.replace('    status: todo', '    status: [todo');
    const ws = workspace({ '.conveyor/board.yml': broken });
    await assert.rejects(
      changeLocalBoard(ws.dir, '.conveyor/board.yml', { kind: 'create', title: 'x' }),
      /board\.yml line \d+: .*does not write over a board it cannot read/,
    );
    assert.equal(readFileSync(path.join(ws.dir, '.conveyor/board.yml'), 'utf8'), broken);
    const fine = workspace({ '.conveyor/board.yml': BOARD });
    await assert.rejects(
      changeLocalBoard(fine.dir, '.conveyor/board.yml', { kind: 'update', key: 'SHOP-9', status: 'done' }),
      /SHOP-9 is no longer in/,
    );
  });

  it('creates the board file with the first item when there is none, and numbers keys after the most common prefix', async () => {
    const ws = workspace({});
    const { key } = await changeLocalBoard(ws.dir, '.conveyor/board.yml', { kind: 'create', title: 'First thing' });
    assert.equal(key, 'CNV-1');
    assert.match(readFileSync(path.join(ws.dir, '.conveyor/board.yml'), 'utf8'), /^items:\n {2}- key: CNV-1\n/);
    assert.equal(nextKey([{ key: 'A-9' }, { key: 'B-1' }, { key: 'B-2' }]), 'B-3');
  });

  it('never hands out a key a block already has, even one the board cannot show, and refuses to guess between two blocks with one key', async () => {
    const ws = workspace({
      '.conveyor/board.yml': ['items:', '  - key: CNV-1', '    title: A', '  - key: CNV-2', '    title:', '    status: todo', ''].join(
        '\n',
      ),
    });
    const file = path.join(ws.dir, '.conveyor/board.yml');
    const { key } = await changeLocalBoard(ws.dir, '.conveyor/board.yml', { kind: 'create', title: 'Fix login' });
    assert.equal(key, 'CNV-3', 'CNV-2 is taken by a block without a title');
    await changeLocalBoard(ws.dir, '.conveyor/board.yml', { kind: 'update', key: 'CNV-3', status: 'done' });
    assert.match(readFileSync(file, 'utf8'), /key: CNV-3\n {4}title: Fix login\n {4}status: done/);

    ws.write(
      '.conveyor/board.yml',
      ['items:', '  - key: CNV-1', '    title: 404', '  - key: CNV-1', '    title: From a merge', ''].join('\n'),
    );
    const before = readFileSync(file, 'utf8');
    assert.deepEqual(
      parseLocalBoard(before).items.map((i) => i.title),
      ['404', 'From a merge'],
      'a title YAML reads as a number is shown as written',
    );
    await assert.rejects(
      changeLocalBoard(ws.dir, '.conveyor/board.yml', { kind: 'update', key: 'CNV-1', status: 'done' }),
      /CNV-1 is the key of 2 items in .*give each its own key/,
    );
    assert.equal(readFileSync(file, 'utf8'), before, 'nothing written');
  });

  it('starts work: a branch from the default branch, a dirty tree asked about and never lost', async () => {
    const ws = workspace({ 'src/app.js': 'one\n' }, { git: true });
    git(ws.dir, 'checkout', '-q', '-b', 'elsewhere');
    const item = { key: 'SHOP-4', title: 'Add the “Pay now” button!', type: 'feat' };
    assert.equal(branchNameFor(item), 'feat/SHOP-4-add-the-pay-now-button');
    ws.write('src/app.js', 'two\n');
    await assert.rejects(
      startWork(ws.dir, item),
      (error: Error & { kind?: string }) => error.kind === 'dirty' && /Uncommitted changes \(src\/app\.js\)/.test(error.message),
    );
    assert.equal(git(ws.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'elsewhere', 'nothing changed before the user chose');

    const stashed = await startWork(ws.dir, item, 'stash');
    assert.deepEqual(stashed, { branch: 'feat/SHOP-4-add-the-pay-now-button', existed: false, base: 'main', stashed: true });
    assert.equal(git(ws.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'feat/SHOP-4-add-the-pay-now-button');
    assert.match(git(ws.dir, 'stash', 'list'), /conveyor: before starting SHOP-4/);
    assert.equal(readFileSync(path.join(ws.dir, 'src/app.js'), 'utf8'), 'one\n');

    git(ws.dir, 'checkout', '-q', 'main');
    ws.write('src/app.js', 'three\n');
    const carried = await startWork(ws.dir, item, 'carry');
    assert.equal(carried.existed, true);
    assert.equal(readFileSync(path.join(ws.dir, 'src/app.js'), 'utf8'), 'three\n', 'carried changes stay in the tree');
  });
});
