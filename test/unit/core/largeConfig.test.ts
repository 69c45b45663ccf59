import * as assert from 'node:assert/strict';
import { MAX_CONFIG_BYTES, MAX_LISTED_PROBLEMS, parseConfig } from '../../../src/core/config/parseConfig';

// 5,000 unknown keys took 3.7 s and 20,000 took 24.7 s, a 5 MB file over 15 s (hardening, issue 20 item 10).
// The time itself is measured by bench/config.ts; these check the bounds that keep it linear.
const unknownKeys = (count: number) => `version: 1\n${Array.from({ length: count }, (_, i) => `key${i}: ${i}`).join('\n')}\n`;

describe('a large conveyor.yml (unit, hardening)', () => {
  it('lists the first 100 problems, each at its line, and counts the rest in one more', () => {
    const { config, problems } = parseConfig(unknownKeys(5_000));
    assert.equal(problems.length, MAX_LISTED_PROBLEMS + 1);
    assert.equal(problems[0].range.start.line + 1, 2);
    assert.equal(problems[99].range.start.line + 1, 101);
    assert.match(problems[99].message, /^Unknown key "key99"/);
    assert.equal(problems[100].message, '…and 4,900 more problems, not listed: fix the ones above first.');
    assert.deepEqual(config, { version: 1 }, 'every unknown key is still dropped');
  });

  it('caps duplicate keys the same way, still at their lines', () => {
    const text = `${Array.from({ length: 300 }, () => 'version: 1').join('\n')}\n`;
    const { config, problems } = parseConfig(text);
    assert.deepEqual(config, {});
    assert.equal(problems.length, MAX_LISTED_PROBLEMS + 1);
    assert.deepEqual(
      problems.slice(0, 2).map((p) => [p.range.start.line + 1, p.message]),
      [
        [2, 'Map keys must be unique'],
        [3, 'Map keys must be unique'],
      ],
    );
    assert.match(problems[100].message, /and 199 more problems/);
  });

  it('refuses a file over 512 KiB unparsed, with a problem at line 1', () => {
    const text = `version: 1\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`;
    const { config, problems } = parseConfig(text);
    assert.deepEqual(config, {});
    assert.equal(problems.length, 1);
    assert.equal(problems[0].range.start.line, 0);
    assert.match(problems[0].message, /conveyor\.yml is 512 KiB; Conveyor reads at most 512 KiB/);
    assert.equal(parseConfig(text.slice(0, MAX_CONFIG_BYTES - 100)).problems.length, 0, 'just under the limit is read');
  });
});
