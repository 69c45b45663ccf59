import * as assert from 'node:assert/strict';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { parseLocalBoard } from '../../../src/plan/localBoard';

// YAML alias bombs and undefined aliases aborted `status` and `pipeline run` with "Excessive alias count…"
// and no file or line (hardening, issue 20 item 8). They are a problem at the alias's line instead.
const BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'pipeline: { stages: *c }',
  '',
].join('\n');

describe('YAML aliases in conveyor.yml and the board file (unit, hardening)', () => {
  it('reports an alias bomb in conveyor.yml at the first alias, with defaults for the rest', () => {
    const parsed = parseConfig(BOMB);
    assert.deepEqual(parsed.config, {});
    assert.equal(parsed.problems.length, 1);
    assert.match(parsed.problems[0].message, /expand to too much data/);
    assert.equal(parsed.problems[0].range.start.line + 1, 2);
  });

  it('reports an alias to no anchor in conveyor.yml at its line', () => {
    const parsed = parseConfig(['version: 1', 'pipeline:', '  stages: *nowhere', ''].join('\n'));
    assert.ok(parsed.problems.length >= 1, 'a problem');
    assert.equal(parsed.problems[0].range.start.line + 1, 3);
  });

  it('reports an alias bomb in the board file at its line instead of throwing', () => {
    const parsed = parseLocalBoard(BOMB.replace('pipeline: { stages: *c }', 'items: *c'));
    assert.deepEqual(parsed.items, []);
    assert.match(parsed.error?.message ?? '', /expand to too much data/);
    assert.equal(parsed.error?.line, 2);
  });
});
