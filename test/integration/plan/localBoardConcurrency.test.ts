import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../../src/core/fsUtil';
import { ErrorStore, STORE_FILE_NAME } from '../../../src/monitor/errors/errorStore';
import { parseLocalBoard } from '../../../src/plan/localBoard';
import { changeLocalBoard } from '../../../src/plan/localBoardFile';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

const FILE = '.conveyor/board.yml';
const BOARD =
  'items:\n  - key: SHOP-1\n    title: Checkout page\n    status: todo\n  - key: SHOP-2\n    title: Pay with cards\n    status: todo\n';
const REPO = path.resolve(__dirname, '..', '..', '..');

/** Another Conveyor process (the CLI, a hook) creating `count` items in the same board file meanwhile. */
function otherProcessCreates(folder: string, count: number): Promise<void> {
  const script = `
    const { changeLocalBoard } = require(${JSON.stringify(path.join(REPO, 'src/plan/localBoardFile.ts'))});
    (async () => {
      for (let i = 0; i < ${count}; i++) await changeLocalBoard(${JSON.stringify(folder)}, ${JSON.stringify(FILE)}, { kind: 'create', title: 'from the other process ' + i });
    })().catch((error) => { console.error(error.message); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the other process failed (${code}): ${stderr}`))));
  });
}

describe('local board file under concurrent writers (integration, hardening)', () => {
  const workspace = sampleWorkspaces();

  it('keeps every one of 200 concurrent edits from the extension and 50 from a second process', async function () {
    this.timeout(120_000);
    const ws = workspace({ [FILE]: BOARD });
    const other = otherProcessCreates(ws.dir, 50);
    const ours = Array.from({ length: 200 }, (_, i) =>
      i % 4 === 0
        ? changeLocalBoard(ws.dir, FILE, { kind: 'update', key: i % 8 === 0 ? 'SHOP-1' : 'SHOP-2', title: `title ${i}` })
        : changeLocalBoard(ws.dir, FILE, { kind: 'create', title: `from the extension ${i}` }),
    );
    const results = await Promise.allSettled(ours);
    await other;
    const refused = results.filter((r) => r.status === 'rejected');
    assert.deepEqual(refused, [], 'no edit was refused');
    const items = parseLocalBoard(readFileSync(path.join(ws.dir, FILE), 'utf8')).items;
    const titles = new Set(items.map((i) => i.title));
    for (let i = 0; i < 200; i++) if (i % 4 !== 0) assert.ok(titles.has(`from the extension ${i}`), `edit ${i} kept`);
    for (let i = 0; i < 50; i++) assert.ok(titles.has(`from the other process ${i}`), `the other process's edit ${i} kept`);
    assert.equal(items.length, 2 + 150 + 50);
    assert.equal(new Set(items.map((i) => i.key)).size, items.length, 'every key unique');
    // The last update of each original item wins, as the queue applied them in order.
    assert.equal(items.find((i) => i.key === 'SHOP-1')?.title, 'title 192');
    assert.equal(items.find((i) => i.key === 'SHOP-2')?.title, 'title 196');
    assert.deepEqual(
      readdirSync(path.join(ws.dir, '.conveyor')).filter((name) => name !== 'board.yml'),
      [],
      'no temp or lock file left',
    );
  });

  it("applies this process's edits in the order they were asked for (200 quick moves of one card, ten times)", async () => {
    // Before the queue place was taken first, the folder check awaited ahead of it let the thread pool decide
    // the order: the last title asked for lost in 6 rounds of 10.
    for (let round = 0; round < 10; round++) {
      const ws = workspace({ [FILE]: BOARD });
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => changeLocalBoard(ws.dir, FILE, { kind: 'update', key: 'SHOP-1', title: `title ${i}` })),
      );
      const items = parseLocalBoard(readFileSync(path.join(ws.dir, FILE), 'utf8')).items;
      assert.equal(items.find((i) => i.key === 'SHOP-1')?.title, 'title 199', `round ${round + 1}`);
    }
  });

  it('writes 20 atomic saves of one file at once without a rename failing', async () => {
    const ws = workspace({});
    const file = path.join(ws.dir, 'state.json');
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(file, JSON.stringify({ i }))));
    assert.match(readFileSync(file, 'utf8'), /^\{"i":\d+\}$/);
    assert.deepEqual(readdirSync(ws.dir), ['state.json']);
  });

  for (const [what, text] of [
    ['a top-level list', '- key: SHOP-1\n  title: Checkout page\n'],
    ['prose', 'Remember to ask Ana about the checkout page.\n'],
    ['a number', '42\n'],
  ] as const) {
    it(`refuses to write over a board file that is ${what}, and leaves it as it was`, async () => {
      const ws = workspace({ [FILE]: text });
      await assert.rejects(changeLocalBoard(ws.dir, FILE, { kind: 'create', title: 'x' }), /is not a Conveyor board .*nothing was written/);
      assert.equal(readFileSync(path.join(ws.dir, FILE), 'utf8'), text);
    });
  }

  it('removes the temporary files a killed save left behind, on the next edit and on loading the error store', async () => {
    const ws = workspace({ [FILE]: BOARD });
    const dead = 2 ** 22 + 12345; // above Linux's default pid_max: no such process
    const leftovers = [`.board.yml.${dead}.a.tmp`, `.board.yml.${process.pid}.old.tmp`];
    for (const name of leftovers) writeFileSync(path.join(ws.dir, '.conveyor', name), 'half a board');
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(path.join(ws.dir, '.conveyor', leftovers[1]), old, old);
    await changeLocalBoard(ws.dir, FILE, { kind: 'create', title: 'after a crash' });
    assert.deepEqual(readdirSync(path.join(ws.dir, '.conveyor')), ['board.yml']);

    writeFileSync(path.join(ws.dir, `.${STORE_FILE_NAME}.${dead}.b.tmp`), 'x'.repeat(1000));
    await new ErrorStore({ directory: ws.dir }).load();
    assert.ok(!readdirSync(ws.dir).some((name) => name.endsWith('.tmp')), 'the error store cleaned its stale temp file');
  });
});
