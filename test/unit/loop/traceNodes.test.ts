import * as assert from 'node:assert/strict';
import type { ViewNode } from '../../../src/core/viewNode';
import type { LoopTrace } from '../../../src/loop/trace/loopTrace';
import { summaryOf, traceNodes } from '../../../src/loop/ui/traceNodes';

const NOW = Date.parse('2026-11-02T15:00:00Z');

function aTrace(overrides: Partial<LoopTrace> = {}): LoopTrace {
  return {
    query: { kind: 'item', value: 'SHOP-12' },
    found: true,
    items: [{ key: 'SHOP-12', branches: ['feat/SHOP-12-cart'] }],
    commits: [
      {
        sha: 'b'.repeat(40),
        subject: 'fix: SHOP-12 empty cart',
        authoredAt: '2026-11-01T10:00:00.000Z',
        items: ['SHOP-12'],
        release: '1.5.0',
      },
      { sha: 'a'.repeat(40), subject: 'feat: SHOP-12 cart', items: ['SHOP-12'] },
    ],
    runs: [
      {
        id: 'run-7',
        commit: 'b'.repeat(40),
        result: 'passed',
        startedAt: '2026-11-02T12:00:00.000Z',
        readyForRelease: true,
        logFile: '/logs/run-7.log',
      },
    ],
    releases: [
      { version: '1.5.0', tag: 'v1.5.0', commit: 'b'.repeat(40), image: '127.0.0.1:5000/shop', digest: `sha256:${'d'.repeat(64)}` },
      { version: '1.4.9', tag: 'v1.4.9', tagMissing: true },
    ],
    environments: [
      {
        name: 'staging',
        version: '1.5.0',
        outcome: 'verified',
        since: '2026-11-02T13:00:00.000Z',
        current: true,
        beltRunId: 'belt-1',
        verification: '3 probes up',
      },
      {
        name: 'production',
        version: '1.5.0',
        outcome: 'rolled-back',
        rolledBackAt: '2026-11-02T14:00:00.000Z',
        current: false,
        beltRunId: 'belt-1',
      },
    ],
    errors: [
      {
        id: 'e1',
        shortId: 'LOCAL-3',
        title: 'TypeError: cart is undefined',
        firstRelease: '1.5.0',
        firstSeen: '2026-11-02T13:30:00.000Z',
        lastSeen: '2026-11-02T14:55:00.000Z',
        count: 4,
      },
    ],
    gaps: ['Tag v1.4.9 is gone.'],
    ...overrides,
  };
}

function child(nodes: ViewNode[], label: string): ViewNode {
  const node = nodes.find((n) => n.label === label);
  assert.ok(node, `no row ${label} in ${nodes.map((n) => n.label).join(', ')}`);
  return node;
}

describe('the Trace view rows (unit)', () => {
  it('shows the chain in the loop order, each row opening its own thing', () => {
    const details = new Map([['SHOP-12', { title: 'Empty cart', status: 'In Progress', url: 'https://example.test/SHOP-12' }]]);
    const ciRuns = [
      {
        provider: 'github' as const,
        name: 'CI',
        number: 41,
        state: 'passed',
        commit: 'b'.repeat(40),
        url: 'https://github.com/acme/shop/actions/runs/9',
      },
    ];
    const rows = traceNodes('/w', { trace: aTrace(), ciRuns, itemDetails: details, now: NOW });
    assert.deepEqual(
      rows.map((r) => r.label),
      ['Work item SHOP-12', 'Work items', 'Commits', 'Pipeline runs', 'CI runs', 'Releases', 'Environments', 'Errors', 'Not on record'],
    );
    const ci = child(rows, 'CI runs').children![0];
    assert.deepEqual([ci.label, ci.description], ['CI #41', 'passed · bbbbbbb']);
    assert.deepEqual(ci.command?.arguments, ['https://github.com/acme/shop/actions/runs/9']);
    assert.equal(rows[0].description, '2 commits · v1.5.0 · in staging · 1 error');

    const item = child(rows, 'Work items').children![0];
    assert.equal(item.label, 'SHOP-12 Empty cart');
    assert.equal(item.description, 'In Progress · ⎇ feat/SHOP-12-cart');
    assert.deepEqual(item.command?.arguments, ['https://example.test/SHOP-12']);
    assert.deepEqual(item.ref, { kind: 'work-item', folder: '/w', key: 'SHOP-12' });

    const [released, unreleased] = child(rows, 'Commits').children!;
    assert.equal(released.description, 'bbbbbbb · v1.5.0');
    assert.equal(unreleased.description, 'aaaaaaa · not released');
    assert.deepEqual(released.command, { command: 'conveyor.trace.openCommit', title: 'Open Commit', arguments: ['/w', 'b'.repeat(40)] });
    assert.match(unreleased.tooltip!, /Git no longer has this commit/);

    const run = child(rows, 'Pipeline runs').children![0];
    assert.equal(run.description, 'passed · bbbbbbb · marked ready · 3 h ago');
    assert.deepEqual(run.command?.arguments, ['/logs/run-7.log']);

    const [tagged, missing] = child(rows, 'Releases').children!;
    assert.equal(tagged.description, `127.0.0.1:5000/shop@${'d'.repeat(12)} · bbbbbbb`);
    assert.deepEqual(tagged.command?.arguments, ['/w', 'v1.5.0']);
    assert.equal(missing.description, 'tag missing');
    assert.equal(missing.command, undefined, 'a tag that is gone has nothing to open');

    const [staging, production] = child(rows, 'Environments').children!;
    assert.equal(staging.description, 'v1.5.0 verified · since 2 h ago · running now');
    assert.match(staging.tooltip!, /Verification: 3 probes up/);
    assert.equal(production.description, 'v1.5.0 rolled back · rolled back 1 h ago');
    assert.deepEqual(production.ref, { kind: 'environment', folder: '/w', env: 'production' });

    const error = child(rows, 'Errors').children![0];
    assert.equal(error.label, 'LOCAL-3 TypeError: cart is undefined');
    assert.deepEqual(error.command?.arguments, ['e1', 'LOCAL-3']);

    assert.deepEqual(
      child(rows, 'Not on record').children!.map((g) => g.label),
      ['Tag v1.4.9 is gone.'],
    );
  });

  it('says what is empty, unknown, in progress or failed', () => {
    const bare = traceNodes('/w', { trace: aTrace({ runs: [], errors: [], gaps: [] }), now: NOW });
    assert.equal(child(bare, 'Pipeline runs').description, 'none on record');
    assert.equal(child(bare, 'Pipeline runs').children, undefined);
    assert.ok(!bare.some((r) => r.label === 'Not on record'));

    const unknown = traceNodes('/w', { trace: aTrace({ found: false, query: { kind: 'commit', value: 'deadbee' }, gaps: ['No git.'] }) });
    assert.deepEqual(
      unknown.map((r) => [r.label, r.description]),
      [
        ['Commit deadbee', 'nothing on record'],
        ['Not on record', '1'],
      ],
    );
    assert.equal(traceNodes('/w', { tracing: 'SHOP-12' })[0].label, 'Tracing SHOP-12…');
    assert.equal(traceNodes('/w', { problem: 'run 4: not tied to a commit' })[0].description, 'run 4: not tied to a commit');
    assert.deepEqual(traceNodes('/w', {}), []);
  });

  it('sums up how far the change got', () => {
    assert.equal(summaryOf(aTrace({ releases: [], environments: [], errors: [] })), '2 commits · not released');
    assert.equal(summaryOf(aTrace({ commits: [], errors: [] })), 'v1.5.0 · in staging');
  });
});
