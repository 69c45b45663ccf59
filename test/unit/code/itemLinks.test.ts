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
});
