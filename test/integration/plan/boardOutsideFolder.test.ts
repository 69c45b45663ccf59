import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describeFolder } from '../../../src/loop/folderStatus';
import { folderStatusText } from '../../../src/loop/folderStatusText';
import { changeLocalBoard } from '../../../src/plan/localBoardFile';
import { sampleWorkspace } from '../../support/sampleWorkspace';

// A create overwrote ../outside/notes.txt, and ../../../../etc/passwd showed as an existing board
// (hardening, issue 20 item 3). A path that leaves the folder, by ".." or by a real symlink, is refused.
describe('a board file outside the folder (integration, hardening)', () => {
  const NOTES = 'notes the board must never touch\n';
  let ws: ReturnType<typeof sampleWorkspace>;
  let outside: string;
  beforeEach(() => {
    ws = sampleWorkspace({}, { name: 'shop' });
    outside = path.join(path.dirname(ws.dir), 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'notes.txt'), NOTES);
    symlinkSync(outside, path.join(ws.dir, 'shared'));
  });
  afterEach(() => ws.remove());

  it('shows board.file through a symlink out of the folder as a problem at its line, and does not read it', async () => {
    writeFileSync(path.join(outside, 'board.yml'), 'items:\n  - { key: OUT-1, title: not ours }\n');
    ws.write('conveyor.yml', 'version: 1\nboard:\n  provider: local\n  file: shared/board.yml\n');
    const status = await describeFolder(ws.dir);
    const text = folderStatusText(status);
    assert.match(
      text,
      /conveyor\.yml:4:9: error: board\.file points outside this folder \("shared\/board\.yml", through a symbolic link\)/,
    );
    assert.equal(status.board.file, '.conveyor/board.yml', 'the default board is used');
    assert.deepEqual(status.board.items, []);
  });

  it('never shows ../../../../etc/passwd as an existing board', async () => {
    ws.write('conveyor.yml', 'board: { file: ../../../../etc/passwd }\n');
    const status = await describeFolder(ws.dir);
    assert.equal(status.config.problems[0].range.start.line, 0);
    assert.equal(status.board.exists, false);
  });

  it('refuses a create into a board outside the folder, by ".." or through the symlink, and leaves the file as it was', async () => {
    for (const file of ['../outside/notes.txt', 'shared/notes.txt']) {
      await assert.rejects(changeLocalBoard(ws.dir, file, { kind: 'create', title: 'x' }), /is outside this folder/);
    }
    assert.equal(readFileSync(path.join(outside, 'notes.txt'), 'utf8'), NOTES);
  });

  it('refuses the default board when .conveyor is a symlink out of the folder', async () => {
    symlinkSync(outside, path.join(ws.dir, '.conveyor'));
    await assert.rejects(changeLocalBoard(ws.dir, '.conveyor/board.yml', { kind: 'create', title: 'x' }), /is outside this folder/);
    assert.deepEqual(readdirSync(outside), ['notes.txt'], 'nothing written outside');
  });
});
