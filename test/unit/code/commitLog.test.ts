import * as assert from 'node:assert/strict';
import { parseCommitLog } from '../../../src/code/commitLog';

describe('commit log (unit)', () => {
  it('reads sha, author date (as UTC) and subject, keeping separators a subject might hold', () => {
    const output = [
      `${'a'.repeat(40)}\x1f2026-11-20T10:00:00+01:00\x1ffeat: SHOP-1 cart`,
      `${'b'.repeat(40)}\x1f2026-11-19T08:30:00Z\x1fodd\x1fsubject`,
      '',
    ].join('\n');
    assert.deepEqual(parseCommitLog(output), [
      { sha: 'a'.repeat(40), authoredAt: '2026-11-20T09:00:00.000Z', subject: 'feat: SHOP-1 cart' },
      { sha: 'b'.repeat(40), authoredAt: '2026-11-19T08:30:00.000Z', subject: 'odd\x1fsubject' },
    ]);
    assert.deepEqual(parseCommitLog(''), []);
  });
});
