import * as assert from 'node:assert/strict';
import { isServiceError } from '../../../../src/core/errors';
import { columnOfName, resolveBoardSchema } from '../../../../src/plan/notion/notionSchema';
import { boardProperties } from '../../../support/notionPages';

/** How resolution fails: its kind and sentence. */
function failure(run: () => unknown): { kind: string; message: string } {
  try {
    run();
  } catch (error) {
    assert.ok(isServiceError(error), String(error));
    return { kind: error.kind, message: error.message };
  }
  assert.fail('expected the schema to be refused');
}

describe('Notion board properties (unit)', () => {
  it("finds the defaults of a task database, with each status option's column from its group", () => {
    assert.deepEqual(resolveBoardSchema(boardProperties()), {
      title: 'Name',
      status: {
        name: 'Status',
        type: 'status',
        options: [
          { id: 'opt-not-started', name: 'Not started', column: 'todo' },
          { id: 'opt-in-progress', name: 'In progress', column: 'in-progress' },
          { id: 'opt-in-review', name: 'In review', column: 'in-review' },
          { id: 'opt-done', name: 'Done', column: 'done' },
        ],
      },
      assignee: 'Assignee',
      milestone: { name: 'Milestone', type: 'select' },
      key: 'ID',
    });
  });

  it('takes the names conveyor.yml gives, a select as the status and a date as the milestone', () => {
    const properties = {
      Task: { id: 't', name: 'Task', type: 'title', title: {} },
      Stage: {
        id: 's',
        name: 'Stage',
        type: 'select',
        select: {
          options: [
            { id: 'b', name: 'Backlog' },
            { id: 'w', name: 'Doing' },
            { id: 'q', name: 'QA review' },
            { id: 'x', name: 'Shipped' },
          ],
        },
      },
      Owner: { id: 'o', name: 'Owner', type: 'people', people: {} },
      Helpers: { id: 'h', name: 'Helpers', type: 'people', people: {} },
      Ship: { id: 'd', name: 'Ship', type: 'date', date: {} },
    };
    const schema = resolveBoardSchema(properties, { title: 'Task', status: 'Stage', assignee: 'Helpers', milestone: 'Ship' });
    assert.equal(schema.title, 'Task');
    assert.deepEqual(schema.status, {
      name: 'Stage',
      type: 'select',
      options: [
        { id: 'b', name: 'Backlog', column: 'todo' },
        { id: 'w', name: 'Doing', column: 'in-progress' },
        { id: 'q', name: 'QA review', column: 'in-review' },
        { id: 'x', name: 'Shipped', column: 'done' },
      ],
    });
    assert.equal(schema.assignee, 'Helpers');
    assert.deepEqual(schema.milestone, { name: 'Ship', type: 'date' });
    assert.equal(schema.key, undefined, 'no unique ID property');
    const defaults = resolveBoardSchema(properties, { status: 'Stage' });
    assert.equal(defaults.assignee, 'Owner', 'without an Assignee, the first person property');
    assert.equal(defaults.milestone, undefined, 'a date not called Milestone is no milestone');
  });

  it('falls back to a select called Status, and to the first status property by another name', () => {
    const select = resolveBoardSchema({
      Name: { type: 'title', title: {} },
      status: { type: 'select', select: { options: [{ id: '1', name: 'Todo' }] } },
    });
    assert.deepEqual(select.status, { name: 'status', type: 'select', options: [{ id: '1', name: 'Todo', column: 'todo' }] });
    const renamed = resolveBoardSchema({
      Name: { type: 'title', title: {} },
      Phase: { type: 'status', status: { options: [], groups: [] } },
    });
    assert.equal(renamed.status.name, 'Phase');
    assert.equal(renamed.assignee, undefined);
  });

  it('says what the database has when a configured name is wrong or there is no status', () => {
    const missing = failure(() => resolveBoardSchema(boardProperties(), { status: 'State' }));
    assert.equal(missing.kind, 'invalid');
    assert.match(
      missing.message,
      /board\.notion\.properties\.status in conveyor\.yml names "State", which is not a property of the database; the database has Name \(title\), Status \(status\)/,
    );
    const wrongType = failure(() => resolveBoardSchema(boardProperties(), { assignee: 'Milestone' }));
    assert.match(wrongType.message, /names "Milestone", which is a select property, not people/);
    const none = failure(() => resolveBoardSchema({ Name: { type: 'title', title: {} }, Notes: { type: 'rich_text', rich_text: {} } }));
    assert.equal(none.kind, 'invalid');
    assert.match(
      none.message,
      /no Status property .* add one in Notion, or name a status or select property in board\.notion\.properties\.status \(it has Name \(title\), Notes \(rich_text\)\)/,
    );
  });

  it('refuses properties that are not what the API documents as malformed', () => {
    assert.equal(failure(() => resolveBoardSchema(null)).kind, 'malformed');
    assert.equal(failure(() => resolveBoardSchema({ Name: { title: {} } })).kind, 'malformed');
    assert.equal(failure(() => resolveBoardSchema({ Status: { type: 'status', status: {} } })).kind, 'malformed', 'no title property');
  });

  it('reads columns from select option names', () => {
    assert.deepEqual(
      ['Backlog', 'Up next', 'WIP', 'In Progress', 'Code review', 'Complete', "Won't do", 'Cancelled', 'Done'].map(columnOfName),
      ['todo', 'todo', 'in-progress', 'in-progress', 'in-review', 'done', 'done', 'done', 'done'],
    );
  });
});
