import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BRANCH_PLACEHOLDERS, branchNameFor, safeBranchName } from '../../../src/code/branchName';
import { parseConfig } from '../../../src/core/config/parseConfig';

const item = { key: 'SHOP-4', title: 'Add the “Pay now” button!', type: 'feat' };

describe('branch names for Start Work (unit)', () => {
  it('names the branch as before by default: type, key without #, a lower-case slug cut at 40 characters', () => {
    assert.equal(branchNameFor(item), 'feat/SHOP-4-add-the-pay-now-button');
    assert.equal(branchNameFor({ key: '#42', title: 'Crème brûlée: the recipe' }), 'feat/42-creme-brulee-the-recipe');
    assert.equal(branchNameFor({ key: 'ENG-7', title: '!!!', type: 'fix' }), 'fix/ENG-7', 'no slug, no trailing dash');
    assert.equal(
      branchNameFor({ key: 'A-1', title: 'a very long title that goes on and on past forty characters' }),
      'feat/A-1-a-very-long-title-that-goes-on-and-on-pa',
    );
  });

  it('fills a template, with the title as written made safe for git', () => {
    assert.equal(branchNameFor(item, 'users/ana/{key}'), 'users/ana/SHOP-4');
    assert.equal(branchNameFor(item, '{type}-{key}_{slug}'), 'feat-SHOP-4_add-the-pay-now-button');
    assert.equal(branchNameFor(item, '{key}/{title}'), 'SHOP-4/Add-the-“Pay-now”-button!');
    assert.equal(branchNameFor({ key: 'X-1', title: 'a/b: ~c^d?' }, '{key}-{title}'), 'X-1-a-b-c-d', 'a / in a title starts no folder');
    assert.equal(branchNameFor(item, '{constructor}{key}'), '{constructor}SHOP-4', 'only the placeholders are filled');
  });

  it('falls back to the default when the template comes out empty', () => {
    assert.equal(branchNameFor({ key: 'X-1', title: '...' }, '{title}'), 'feat/X-1');
  });

  it('makes any text a name git check-ref-format --branch accepts', () => {
    const cases: Record<string, string> = {
      '-leading/dash': 'leading/dash',
      'a..b': 'a.b',
      'tilde~caret^colon:q?star*[bracket\\back': 'tilde-caret-colon-q-star-bracket-back',
      'sp a  ce - and\ttab\x7fdel\x01': 'sp-a-ce-and-tab-del',
      'at@{brace}': 'at-brace}',
      'ends.lock': 'ends',
      'x.lock.lock/': 'x',
      'trailing.': 'trailing',
      '/double//slash/': 'double/slash',
      '.hidden/.part': 'hidden/part',
      '@': '',
      'keeps--double-dashes': 'keeps--double-dashes',
    };
    for (const [name, safe] of Object.entries(cases)) assert.equal(safeBranchName(name), safe, JSON.stringify(name));
  });

  it('caps the name at 100 characters, and what the cut leaves at the end is still valid', () => {
    const long = safeBranchName(`feat/${'a'.repeat(94)}.lock-more`);
    assert.equal(long, `feat/${'a'.repeat(94)}`);
    assert.equal([...safeBranchName('é'.repeat(150))].length, 100, 'characters, not bytes');
  });

  it('accepts exactly the placeholders it fills in conveyor.yml, and locates an unknown one at its line', () => {
    const schema = JSON.parse(readFileSync(path.join(__dirname, '../../../schemas/conveyor.schema.json'), 'utf8')) as {
      properties: { code: { properties: { startWork: { properties: { branch: { pattern: string } } } } } };
    };
    const pattern = schema.properties.code.properties.startWork.properties.branch.pattern;
    assert.deepEqual(/\(\?:([\w|]+)\)/.exec(pattern)?.[1].split('|'), [...BRANCH_PLACEHOLDERS]);

    const good = parseConfig('code:\n  startWork:\n    branch: "{type}/{key}-{title}"\n    worktree: ask\n');
    assert.deepEqual(good.problems, []);
    assert.equal(good.config.code?.startWork?.worktree, 'ask');

    const bad = parseConfig('board: { onStartWork: Doing }\ncode:\n  startWork:\n    branch: "{type}/{id}"\n    worktree: sometimes\n');
    assert.deepEqual(
      bad.problems.map((p) => [p.range.start.line + 1, p.message.split(' (found')[0]]),
      [
        [
          4,
          'code.startWork.branch must be: a branch-name template using only the placeholders {type}, {key}, {slug} (the title in lower-case words) and {title} (the title as written); characters git refuses in a branch name become -, and it is cut at 100 characters. Default: {type}/{key}-{slug}',
        ],
        [5, 'code.startWork.worktree must be one of: true, false, ask'],
      ],
    );
    assert.deepEqual(bad.config, { board: { onStartWork: 'Doing' }, code: { startWork: {} } }, 'the defaults are used instead');
  });
});
