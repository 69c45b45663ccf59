import * as assert from 'node:assert/strict';
import { linkItems } from '../../../src/code/itemLinks';

describe('work item links (unit)', () => {
  it('finds an item’s branch and the commits that mention its key, without confusing SHOP-1 and SHOP-12', () => {
    const links = linkItems(
      ['SHOP-1', 'SHOP-12', '#4', 'SHOP-9'],
      ['main', 'feat/SHOP-1-pay-button', 'fix/SHOP-12-rounding', 'feat/4-github-item'],
      [
        { sha: 'a', subject: 'SHOP-1: add the pay button' },
        { sha: 'b', subject: 'fix(cart): rounding (SHOP-12)' },
        { sha: 'c', subject: 'Merge pull request #42 from x' },
        { sha: 'd', subject: 'closes #4' },
      ],
    );
    assert.deepEqual(links.get('SHOP-1'), {
      branches: ['feat/SHOP-1-pay-button'],
      commits: [{ sha: 'a', subject: 'SHOP-1: add the pay button' }],
    });
    assert.deepEqual(
      links.get('SHOP-12')?.commits.map((c) => c.sha),
      ['b'],
    );
    assert.deepEqual(links.get('#4'), { branches: ['feat/4-github-item'], commits: [{ sha: 'd', subject: 'closes #4' }] });
    assert.equal(links.has('SHOP-9'), false);
  });

  it("does not take GitHub's pull-request references for a number key: the squash merge's (#7) and Merge pull request #7", () => {
    const links = linkItems(
      ['#7'],
      [],
      [
        { sha: 'a', subject: 'Add the login page (#7)' },
        { sha: 'b', subject: 'Merge pull request #7 from acme/login' },
        { sha: 'c', subject: 'fix: #7 totals (#12)' },
        { sha: 'd', subject: 'fix(#7): totals' },
      ],
    );
    assert.deepEqual(
      links.get('#7')?.commits.map((c) => c.sha),
      ['c', 'd'],
    );
    assert.deepEqual(
      linkItems(['SHOP-7'], [], [{ sha: 'e', subject: 'Add the login page (SHOP-7)' }])
        .get('SHOP-7')
        ?.commits.map((c) => c.sha),
      ['e'],
      'a key with letters in parentheses is a mention',
    );
  });

  it('takes an issue number in a branch only where the key goes, not a version in its name', () => {
    const branches = [
      'feat/3-dark-mode',
      '3-quick-fix',
      'issue-3',
      'fix/gh-3-typo',
      'feat/7-upgrade-to-python-3',
      'feat/12-drop-node-18-support',
      'dependabot/npm_and_yarn/lodash-4.17.21',
      'feat/33-other',
    ];
    const links = linkItems(['#3', '#18', '#4'], branches, []);
    assert.deepEqual(links.get('#3')?.branches, ['feat/3-dark-mode', '3-quick-fix', 'issue-3', 'fix/gh-3-typo']);
    assert.equal(links.has('#18'), false);
    assert.equal(links.has('#4'), false);
  });

  it('keeps as many commits as asked and says when the scan stopped at its limit', () => {
    const commits = Array.from({ length: 30 }, (_, i) => ({ sha: String(i), subject: `SHOP-1 step ${i}` }));
    assert.equal(linkItems(['SHOP-1'], [], commits).get('SHOP-1')?.commits.length, 20, 'the board keeps 20');
    const all = linkItems(['SHOP-1'], [], commits, { kept: 1000, truncated: true }).get('SHOP-1');
    assert.equal(all?.commits.length, 30);
    assert.equal(all?.truncated, true);
  });
});
