import * as assert from 'node:assert/strict';
import { versionOf } from '../../../src/core/releaseVersion';
import type { LoopRecords, ReleaseChange } from '../../../src/loop/loopRecords';
import { assembleTrace, itemKeysIn } from '../../../src/loop/trace/assembleTrace';
import { queryOf } from '../../../src/loop/trace/loopTrace';
import { traceText } from '../../../src/loop/trace/traceText';
import { scriptedBeltRun } from '../../support/beltScript';
import { anErrorIssue, aPipelineRun, aReleaseRecord } from '../../support/builders';

const sha = (c: string) => c.repeat(40);
const commit = (c: string, subject: string, day: number) => ({ sha: sha(c), subject, authoredAt: `2026-11-0${day}T10:00:00.000Z` });
const DIGEST = `sha256:${'d'.repeat(64)}`;

const RELEASES: ReleaseChange[] = [
  {
    version: '1.0.0',
    tag: 'v1.0.0',
    commit: sha('1'),
    date: '2026-11-02T12:00:00.000Z',
    record: aReleaseRecord({
      version: '1.0.0',
      commit: sha('1'),
      readyRun: 'run-1',
      image: { repository: '127.0.0.1:5000/shop', tags: ['1.0.0'], digest: DIGEST },
    }),
    commits: [commit('1', 'feat: SHOP-1 cart', 1)],
  },
  {
    version: '1.1.0',
    tag: 'v1.1.0',
    commit: sha('3'),
    date: '2026-11-04T12:00:00.000Z',
    record: aReleaseRecord({ version: '1.1.0', commit: sha('3'), readyRun: 'run-3' }),
    commits: [commit('3', 'fix: SHOP-2 total, SHOP-1 rounding', 3), commit('2', 'feat: SHOP-1 checkout', 2)],
  },
];

async function records(overrides: Partial<LoopRecords> = {}): Promise<LoopRecords> {
  const release = (version: string, c: string) => ({ version, commit: sha(c), image: '127.0.0.1:5000/shop', digest: DIGEST });
  return {
    folder: '/ws/shop',
    stateDir: '/ws/shop/.git/conveyor',
    releases: RELEASES,
    runs: [
      aPipelineRun({ id: 'run-3', commit: sha('3'), result: 'passed', readyForRelease: true }),
      aPipelineRun({ id: 'run-1', commit: sha('1'), result: 'passed', readyForRelease: true }),
    ],
    belt: [
      await scriptedBeltRun({
        id: 'belt-2',
        at: '2026-11-04T13:00:00.000Z',
        release: release('v1.1.0', '3'),
        environments: [{ name: 'staging' }, { name: 'production', outcome: 'fails-verification' }],
      }),
      await scriptedBeltRun({
        id: 'belt-1',
        at: '2026-11-02T13:00:00.000Z',
        release: release('v1.0.0', '1'),
        environments: [{ name: 'staging' }, { name: 'production' }],
      }),
    ],
    issues: [
      anErrorIssue({ id: 'e2', shortId: 'LOCAL-2', firstRelease: 'shop@1.1.0', firstSeen: '2026-11-04T14:00:00.000Z', count: 4 }),
      anErrorIssue({ id: 'e1', shortId: 'LOCAL-1', firstRelease: '1.0.0' }),
      anErrorIssue({ id: 'e3', shortId: 'LOCAL-3' }),
    ],
    gaps: [],
    ...overrides,
  };
}

describe('the loop trace (unit)', () => {
  it('tells an item, a release, a commit and an error apart on the command line', () => {
    assert.deepEqual(['SHOP-12', 'shop-12', '#4', 'v1.4.0', 'v2.0.0-rc.1', 'abc1234', 'LOCAL-3', 'PROJ-1A', '3f2a'].map(queryOf), [
      { item: 'SHOP-12' },
      { item: 'SHOP-12' },
      { item: '#4' },
      { release: 'v1.4.0' },
      { release: 'v2.0.0-rc.1' },
      { commit: 'abc1234' },
      { errorId: 'LOCAL-3' },
      { errorId: 'PROJ-1A' },
      { errorId: '3f2a' },
    ]);
    assert.deepEqual(itemKeysIn('fix: SHOP-2 total (SHOP-1, not SHOP-12x) #4'), ['SHOP-2', 'SHOP-1']);
    assert.deepEqual(itemKeysIn('SHOP-3: logs in UTF-8, hashes in SHA-256, dates in ISO-8601 (RFC-3339)'), ['SHOP-3']);
    assert.deepEqual(['v1.4.0', '1.4.0', 'shop@1.4.0', 'shop@v1.4.0', 'version-2'].map(versionOf), [
      '1.4.0',
      '1.4.0',
      '1.4.0',
      '1.4.0',
      'version-2',
    ]);
  });

  it('follows an item through its commits, runs, releases, environments and errors', async () => {
    const trace = assembleTrace(
      { item: 'SHOP-1' },
      {
        records: await records(),
        itemLinks: {
          branches: ['feat/SHOP-1-cart'],
          commits: [
            { sha: sha('3'), subject: 'fix: SHOP-2 total, SHOP-1 rounding' },
            { sha: sha('2'), subject: 'feat: SHOP-1 checkout' },
            { sha: sha('1'), subject: 'feat: SHOP-1 cart' },
          ],
        },
      },
    );
    assert.equal(trace.found, true);
    assert.deepEqual(trace.items, [{ key: 'SHOP-1', branches: ['feat/SHOP-1-cart'] }]);
    assert.deepEqual(
      trace.commits.map((c) => [c.sha[0], c.release, c.items, c.authoredAt]),
      [
        ['3', '1.1.0', ['SHOP-1', 'SHOP-2'], '2026-11-03T10:00:00.000Z'],
        ['2', '1.1.0', ['SHOP-1'], '2026-11-02T10:00:00.000Z'],
        ['1', '1.0.0', ['SHOP-1'], '2026-11-01T10:00:00.000Z'],
      ],
    );
    assert.deepEqual(
      trace.runs.map((r) => r.id),
      ['run-3', 'run-1'],
    );
    assert.deepEqual(
      trace.releases.map((r) => [r.tag, r.readyRun, r.digest]),
      [
        ['v1.0.0', 'run-1', DIGEST],
        ['v1.1.0', 'run-3', undefined],
      ],
    );
    assert.deepEqual(
      trace.environments.map((e) => [e.name, e.version, e.outcome, e.since, e.rolledBackAt, e.current]),
      [
        ['staging', '1.0.0', 'verified', '2026-11-02T13:01:00.000Z', undefined, false],
        ['production', '1.0.0', 'verified', '2026-11-02T13:03:00.000Z', undefined, true],
        ['staging', '1.1.0', 'verified', '2026-11-04T13:01:00.000Z', undefined, true],
        ['production', '1.1.0', 'rolled-back', '2026-11-04T13:03:00.000Z', '2026-11-04T13:04:30.000Z', false],
      ],
    );
    assert.deepEqual(
      trace.errors.map((e) => e.shortId),
      ['LOCAL-1', 'LOCAL-2'],
    );
    assert.deepEqual(trace.gaps, []);
  });

  it('traces a release and an error to the same chain, and says when an error carries no release', async () => {
    const byRelease = assembleTrace({ release: 'v1.1.0' }, { records: await records() });
    assert.deepEqual(
      byRelease.commits.map((c) => c.sha[0]),
      ['3', '2'],
    );
    assert.deepEqual(
      byRelease.items.map((i) => i.key),
      ['SHOP-2', 'SHOP-1'],
    );
    assert.deepEqual(
      byRelease.errors.map((e) => e.shortId),
      ['LOCAL-2'],
    );
    const byError = assembleTrace({ errorId: 'local-2' }, { records: await records() });
    assert.deepEqual({ ...byError, query: undefined }, { ...byRelease, query: undefined });
    const noRelease = assembleTrace({ errorId: 'e3' }, { records: await records() });
    assert.equal(noRelease.found, true);
    assert.deepEqual(
      noRelease.errors.map((e) => e.shortId),
      ['LOCAL-3'],
    );
    assert.match(noRelease.gaps.join('\n'), /LOCAL-3 carries no release/);
  });

  it('lists the errors an item was made from, and names the item in the trace of each error', async () => {
    const link = (errorId: string, errorShortId: string, itemKey: string, itemUrl?: string) => ({
      errorId,
      errorShortId,
      itemKey,
      ...(itemUrl ? { itemUrl } : {}),
      provider: 'jira',
      createdAt: '2026-11-05T09:00:00.000Z',
    });
    const errorLinks = [link('e3', 'LOCAL-3', 'SHOP-13', 'https://acme.atlassian.net/browse/SHOP-13'), link('gone', 'LOCAL-9', 'SHOP-13')];
    // A new item: no commit names it yet, but it was made from LOCAL-3 (and from an error the store has since lost).
    const item = assembleTrace({ item: 'SHOP-13' }, { records: await records(), errorLinks });
    assert.equal(item.found, true);
    assert.deepEqual(item.items, [{ key: 'SHOP-13', branches: [] }]);
    assert.deepEqual(
      item.errors.map((e) => [e.shortId, e.item]),
      [['LOCAL-3', { key: 'SHOP-13', url: 'https://acme.atlassian.net/browse/SHOP-13' }]],
    );
    assert.deepEqual(item.gaps, [
      "SHOP-13 was made from error LOCAL-9, which this folder's error store does not hold (the editor and Sentry keep their own): its counts and releases are not shown.",
    ]);
    assert.match(traceText(item), /^ {2}LOCAL-3 {2}TypeError: x is undefined {2}×1, first seen 2026-01-01T00:00:00\.000Z {2}→ SHOP-13$/m);

    const error = assembleTrace({ errorId: 'LOCAL-3' }, { records: await records(), errorLinks });
    assert.deepEqual(error.items, [{ key: 'SHOP-13', branches: [] }]);
    assert.deepEqual(error.errors[0].item, { key: 'SHOP-13', url: 'https://acme.atlassian.net/browse/SHOP-13' });

    // The item comes first, then those the release's commits name; errors of the release carry their items too.
    const released = assembleTrace({ errorId: 'e2' }, { records: await records(), errorLinks: [link('e2', 'LOCAL-2', 'SHOP-14')] });
    assert.deepEqual(
      released.items.map((i) => i.key),
      ['SHOP-14', 'SHOP-2', 'SHOP-1'],
    );
    const byRelease = assembleTrace({ release: 'v1.1.0' }, { records: await records(), errorLinks: [link('e2', 'LOCAL-2', 'SHOP-14')] });
    assert.deepEqual(byRelease.errors[0].item, { key: 'SHOP-14' });

    // An error only the link knows (the editor's store made it): its item is still found.
    const unknown = assembleTrace({ errorId: 'LOCAL-9' }, { records: await records(), errorLinks });
    assert.equal(unknown.found, true);
    assert.deepEqual(unknown.items, [{ key: 'SHOP-13', branches: [] }]);
    assert.match(unknown.gaps.join('\n'), /Error LOCAL-9 is not in this folder's error store .* SHOP-13, is known/);
    // A known error goes by its id: a link made from another store's LOCAL-1 is not this LOCAL-1's.
    const other = assembleTrace(
      { errorId: 'LOCAL-1' },
      { records: await records(), errorLinks: [link('elsewhere', 'LOCAL-1', 'SHOP-20')] },
    );
    assert.deepEqual(other.errors[0].item, undefined);
    assert.ok(!other.items.some((i) => i.key === 'SHOP-20'));
  });

  it('gives a partial trace that names what is missing: a deleted tag, a lost commit, no belt records', async () => {
    const withoutTag = await records({ releases: RELEASES.slice(0, 1) });
    const deleted = assembleTrace({ release: 'v1.1.0' }, { records: withoutTag });
    assert.equal(deleted.found, true);
    assert.deepEqual(deleted.releases, [{ version: '1.1.0', tag: 'v1.1.0', tagMissing: true, commit: sha('3'), digest: DIGEST }]);
    assert.deepEqual(
      deleted.runs.map((r) => r.id),
      ['run-3'],
    );
    assert.equal(deleted.environments.length, 2);
    assert.match(deleted.gaps.join('\n'), /Tag v1\.1\.0 is not in this repository .* built from 3333333/);

    const lost = assembleTrace({ commit: '3333333' }, { records: withoutTag });
    assert.equal(lost.found, true, 'the run history and the belt still name it');
    assert.deepEqual(lost.commits, []);
    assert.deepEqual(
      lost.runs.map((r) => r.id),
      ['run-3'],
    );
    assert.match(lost.gaps[0], /^Commit 3333333 is not in this repository/);

    const noBelt = assembleTrace(
      { commit: sha('1') },
      {
        records: await records({ belt: [], gaps: [{ records: 'belt', message: 'No belt records.' }] }),
        commit: commit('1', 'feat: SHOP-1 cart', 1),
      },
    );
    assert.deepEqual(noBelt.environments, []);
    assert.deepEqual(
      noBelt.releases.map((r) => r.tag),
      ['v1.0.0'],
    );
    assert.deepEqual(noBelt.gaps, ['No belt records.']);

    const unknown = assembleTrace({ commit: 'deadbee' }, { records: await records() });
    assert.equal(unknown.found, false);
    assert.match(traceText(unknown), /^Nothing is known of commit deadbee/);
  });

  it('says when the history was searched only so far back for the item', async () => {
    const trace = assembleTrace(
      { item: 'SHOP-1' },
      {
        records: await records(),
        itemLinks: { branches: [], commits: [{ sha: sha('1'), subject: 'feat: SHOP-1 cart' }], truncated: true },
      },
    );
    assert.ok(
      trace.gaps.some((g) => /Only the newest 10000 commits were searched for SHOP-1/.test(g)),
      trace.gaps.join('\n'),
    );
  });

  it('prints the chain stage by stage', async () => {
    const text = traceText(assembleTrace({ release: 'v1.0.0' }, { records: await records() }));
    assert.equal(
      text,
      [
        'Trace of release v1.0.0',
        'Work items:',
        '  SHOP-1',
        'Commits:',
        '  1111111  feat: SHOP-1 cart  → v1.0.0',
        'Pipeline runs:',
        '  run-1  passed on 1111111, marked ready',
        'Releases:',
        `  v1.0.0  commit 1111111  127.0.0.1:5000/shop@${DIGEST.slice(0, 19)}…`,
        'Environments:',
        '  staging  v1.0.0 verified, deployed 2026-11-02T13:01:00.000Z — all up',
        '  production  v1.0.0 verified, deployed 2026-11-02T13:03:00.000Z (running now) — all up',
        'Errors:',
        '  LOCAL-1  TypeError: x is undefined  ×1 in 1.0.0, first seen 2026-01-01T00:00:00.000Z',
        '',
      ].join('\n'),
    );
  });
});
