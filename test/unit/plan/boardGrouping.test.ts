import * as assert from 'node:assert/strict';
import { groupItems } from '../../../src/plan/boardGrouping';
import type { WorkItem } from '../../../src/plan/workItem';
import { aWorkItem } from '../../support/builders';

const item = (key: string, column: WorkItem['column'], extra: Partial<WorkItem> = {}): WorkItem => aWorkItem({ key, column, ...extra });
const items = [
  item('A-1', 'todo', { assignee: 'ana', labels: ['payments'] }),
  item('A-2', 'done', { assignee: 'bo', milestone: 'M1' }),
  item('A-3', 'todo', { title: 'Refund flow' }),
];

describe('board grouping (unit)', () => {
  it('groups by status in board order, always with the four columns', () => {
    assert.deepEqual(
      groupItems(items, { groupBy: 'status', mine: false }).map((g) => `${g.label}:${g.items.map((i) => i.key).join(',')}`),
      ['To do:A-1,A-3', 'In progress:', 'In review:', 'Done:A-2'],
    );
  });

  it('groups by assignee and by milestone, the unassigned last', () => {
    assert.deepEqual(
      groupItems(items, { groupBy: 'assignee', mine: false }).map((g) => g.label),
      ['ana', 'bo', 'Unassigned'],
    );
    assert.deepEqual(
      groupItems(items, { groupBy: 'milestone', mine: false }).map((g) => g.label),
      ['M1', 'No milestone'],
    );
  });

  it('filters mine and searches every word in key, title, assignee and labels', () => {
    assert.deepEqual(
      groupItems(items, { groupBy: 'assignee', mine: true, me: 'bo' }).map((g) => g.items.map((i) => i.key)),
      [['A-2']],
    );
    assert.deepEqual(
      groupItems(items, { groupBy: 'assignee', mine: true }).length,
      0,
      'mine without a known user shows nothing rather than everything',
    );
    assert.deepEqual(
      groupItems(items, { groupBy: 'status', mine: false, search: 'PAYMENTS ana' })[0].items.map((i) => i.key),
      ['A-1'],
    );
    assert.deepEqual(
      groupItems(items, { groupBy: 'status', mine: false, search: 'refund' })[0].items.map((i) => i.key),
      ['A-3'],
    );
  });
});
