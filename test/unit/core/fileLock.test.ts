import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { withFileLock, writeFileAtomic } from '../../../src/core/fsUtil';

/** A pid no process has: past the kernel's default pid_max. */
const DEAD_PID = 4_194_305;

describe('file locks and atomic writes (unit, real files)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cnv-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets one waiter at a time take over a lock left by a process that is gone', async () => {
    const file = path.join(dir, 'board.yml');
    for (let round = 0; round < 40; round++) {
      writeFileSync(`${file}.lock`, String(DEAD_PID));
      let inside = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 4 }, () =>
          withFileLock(file, async () => {
            most = Math.max(most, ++inside);
            await new Promise((resolve) => setTimeout(resolve, 2));
            inside--;
          }),
        ),
      );
      assert.equal(most, 1, `round ${round}: ${most} holders at once`);
    }
    assert.deepEqual(readdirSync(dir), [], 'no lock or moved-aside file is left');
  });

  it('does not take a lock from a living holder that keeps it longer than the stale time, and says who holds it', async () => {
    const file = path.join(dir, 'runs.json');
    writeFileSync(`${file}.lock`, `${process.pid} another-holder`);
    await assert.rejects(
      withFileLock(file, () => Promise.resolve(), { staleMs: 1, waitMs: 100 }),
      /runs\.json is being changed by another process/,
    );
    assert.equal(readFileSync(`${file}.lock`, 'utf8'), `${process.pid} another-holder`, 'the holder still has it');
  });

  it('leaves the old content and no temp file when writing fails part way', async () => {
    const file = path.join(dir, 'uptime.jsonl');
    writeFileSync(file, 'old\n');
    function* failing(): Generator<string> {
      yield 'x'.repeat(400_000);
      throw new Error('the source failed');
    }
    await assert.rejects(writeFileAtomic(file, failing()), /the source failed/);
    assert.equal(readFileSync(file, 'utf8'), 'old\n');
    assert.deepEqual(readdirSync(dir), ['uptime.jsonl']);
  });

  it('writes a cache file (not flushed) whole, with its mode, and as atomically: a failed write keeps the old content', async () => {
    const file = path.join(dir, 'runs.json');
    writeFileSync(file, 'old\n');
    await writeFileAtomic(file, ['{"runs":', '[]}\n'], 0o600, { cache: true });
    assert.equal(readFileSync(file, 'utf8'), '{"runs":[]}\n');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    function* failing(): Generator<string> {
      yield 'x'.repeat(100_000);
      throw new Error('the source failed');
    }
    await assert.rejects(writeFileAtomic(file, failing(), undefined, { cache: true }), /the source failed/);
    assert.equal(readFileSync(file, 'utf8'), '{"runs":[]}\n');
    assert.deepEqual(readdirSync(dir), ['runs.json'], 'no temp file is left');
  });
});
