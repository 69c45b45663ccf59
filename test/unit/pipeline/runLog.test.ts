import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunLog } from '../../../src/pipeline/run/runLog';

describe('a run log on disk (unit)', () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-runlog-'))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('keeps every line in order across batched writes, headings and the byte limit', async () => {
    const file = path.join(dir, 'run.log');
    const log = new RunLog(file, 30_000);
    log.heading('build');
    for (let i = 0; i < 5_000; i++) log.line(`compiled module ${i}`);
    log.heading('test');
    log.line('ok 1');
    await log.close();
    const lines = (await fs.readFile(file, 'utf8')).split('\n');
    assert.equal(lines[1], '━━ build');
    assert.equal(lines[2], 'compiled module 0');
    const notice = lines.findIndex((l) => l.startsWith('[… '));
    assert.ok(notice > 2, 'the limit was reached and said so');
    // The first lines up to the limit, then the notice, then the stage's last 500, in order.
    assert.deepEqual(
      lines.slice(notice + 1, notice + 501),
      Array.from({ length: 500 }, (_, i) => `compiled module ${4_500 + i}`),
    );
    assert.deepEqual(lines.slice(notice + 501), ['', '━━ test', 'ok 1', '']);
    const kept = lines.slice(2, notice).map((l) => Number(l.replace('compiled module ', '')));
    assert.deepEqual(
      kept,
      kept.map((_, i) => i),
    );
  });

  it('keeps the order when a long line reaches the limit and a short one after it would still fit', async () => {
    const file = path.join(dir, 'order.log');
    const log = new RunLog(file, 60);
    log.heading('build');
    log.line('line-1');
    log.line(`line-2 ${'x'.repeat(60)}`);
    log.line('line-3');
    await log.close();
    const lines = (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l.startsWith('line-'));
    assert.deepEqual(
      lines.map((l) => l.slice(0, 6)),
      ['line-1', 'line-2', 'line-3'],
    );
  });

  it('writes what it has within a moment, without waiting for close, while a stage is quiet', async () => {
    const file = path.join(dir, 'live.log');
    const log = new RunLog(file);
    log.heading('serve');
    log.line('listening on 8080');
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.match(await fs.readFile(file, 'utf8'), /listening on 8080\n$/);
    await log.close();
  });
});
