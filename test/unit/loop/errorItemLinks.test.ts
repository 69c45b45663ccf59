import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ErrorItemLinks } from '../../../src/loop/errorItems/errorItemLinks';

describe('links between errors and work items (unit, real files)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cnv-error-links-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every link when several writers add at once (the editor makes a new store per command, the CLI its own)', async () => {
    const writers = [new ErrorItemLinks(dir), new ErrorItemLinks(dir), new ErrorItemLinks(dir)];
    await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        writers[n % writers.length].add({
          errorId: `error-${n}`,
          errorShortId: `LOCAL-${n}`,
          itemKey: `CNV-${n}`,
          provider: 'local',
          createdAt: '2026-12-05T00:00:00Z',
        }),
      ),
    );
    const all = await new ErrorItemLinks(dir).all();
    assert.equal(all.length, 30);
    assert.equal(new Set(all.map((l) => l.errorId)).size, 30);
  });
});
