// Create Work Item from Error for real: an error the receiver stored (with a frame that maps into the repository),
// made into an item of the local board file, the link recorded next to the run history, and both traces joined.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createItemFromError } from '../../../src/loop/errorItems/createItemFromError';
import { ErrorItemLinks } from '../../../src/loop/errorItems/errorItemLinks';
import { readLoopRecords } from '../../../src/loop/loopRecords';
import { traceFrom } from '../../../src/loop/trace/traceFrom';
import { FrameMapper } from '../../../src/monitor/errors/frameMapping';
import { parseLocalBoard } from '../../../src/plan/localBoard';
import { LocalBoardProvider } from '../../../src/plan/localBoardProvider';
import { scriptedHistory, type ScriptedHistory } from '../../support/scriptedHistory';

const BOARD_FILE = '.conveyor/board.yml';
const BOARD = `# The shop's board
items:
  - key: SHOP-11
    title: Cart totals
    status: done

  - key: SHOP-12
    title: Search
    status: in-progress # Mia
`;

describe('Create Work Item from Error on the local board file (integration)', () => {
  let h: ScriptedHistory;
  before(async () => {
    h = await scriptedHistory();
    h.ws.write(BOARD_FILE, BOARD);
    h.ws.write('src/cart.js', `${'// cart\n'.repeat(20)}`);
    const sha = await h.releasedCommit('feat: SHOP-11 cart', 3, 'run-1', '1.1.0');
    await h.ship('belt-1', 2, '1.1.0', sha, [{ name: 'production' }]);
    await h.error('TypeError', 'total is `NaN`', 'shop@1.1.0', 1);
  });
  after(() => h.ws.remove());

  it('writes the item with its description into the board file, records the link, and joins the traces', async () => {
    const [issue] = (await readLoopRecords(h.ws.dir)).issues;
    assert.equal(issue.shortId, 'LOCAL-1');
    // The receiver's frame says /app/src/cart.js (the container's path): the mapping finds it in the repository.
    const mapper = new FrameMapper({ roots: [h.ws.dir], pathMappings: { '/app/': '.' } });
    const links = new ErrorItemLinks(h.stateDir);
    const board = new LocalBoardProvider(h.ws.dir, BOARD_FILE);
    const { item, link } = await createItemFromError(issue, {
      folder: h.ws.dir,
      create: (fields) => board.create(fields),
      links,
      locate: (frame) => mapper.map(frame),
      now: () => new Date('2026-11-05T09:00:00.000Z'),
    });

    assert.deepEqual([item.key, item.title, item.column], ['SHOP-13', 'TypeError: total is `NaN`', 'todo']);
    const description = [
      'TypeError: total is \\`NaN\\`',
      '',
      'Where it happened (innermost first):',
      '',
      '- `src/cart.js:12`',
      '',
      'Occurrences:',
      '',
      '- Release: `shop@1.1.0`',
      '- Environment: `production`',
      '- Events: 1, users: 0',
      `- First seen ${h.at(1)}, last seen ${h.at(1)}`,
      '',
      `Error: local error LOCAL-1 (id \`${issue.id}\`)`,
      '',
    ];
    // The file as the team wrote it, and the new item as a block after it, its description a literal block.
    assert.equal(
      readFileSync(path.join(h.ws.dir, BOARD_FILE), 'utf8'),
      [
        BOARD,
        '  - key: SHOP-13',
        '    title: "TypeError: total is `NaN`"',
        '    status: todo',
        '    description: |',
        ...description.slice(0, -1).map((line) => (line ? `      ${line}` : '')),
        '',
      ].join('\n'),
    );
    const parsed = parseLocalBoard(readFileSync(path.join(h.ws.dir, BOARD_FILE), 'utf8'));
    assert.equal(parsed.items.find((i) => i.key === 'SHOP-13')?.description, description.join('\n'));

    assert.deepEqual(link, {
      errorId: issue.id,
      errorShortId: 'LOCAL-1',
      itemKey: 'SHOP-13',
      itemTitle: 'TypeError: total is `NaN`',
      provider: 'local',
      createdAt: '2026-11-05T09:00:00.000Z',
    });
    assert.deepEqual(await links.all(), [link]);
    assert.equal(path.relative(path.join(h.ws.dir, '.git'), links.stateDir), 'conveyor', 'kept next to the run history');

    // No commit names SHOP-13 yet: its trace is the error it was made from.
    const itemTrace = await traceFrom(h.ws.dir, { item: 'SHOP-13' });
    assert.equal(itemTrace.found, true);
    assert.deepEqual(
      itemTrace.errors.map((e) => [e.shortId, e.item]),
      [['LOCAL-1', { key: 'SHOP-13' }]],
    );
    const errorTrace = await traceFrom(h.ws.dir, { errorId: 'LOCAL-1' });
    assert.deepEqual(
      errorTrace.items.map((i) => i.key),
      ['SHOP-13', 'SHOP-11'],
    );
    assert.deepEqual(errorTrace.errors[0].item, { key: 'SHOP-13' });
  });
});
