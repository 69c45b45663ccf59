import * as assert from 'node:assert/strict';
import { isServiceError } from '../../../src/core/errors';
import { startWorkMove } from '../../../src/plan/startWorkStatus';
import type { BoardProvider, WorkItemTransition } from '../../../src/plan/workItem';
import { aWorkItem } from '../../support/builders';

const JIRA_MOVES: WorkItemTransition[] = [
  { id: '21', name: 'Start progress', column: 'in-progress', status: 'In Progress' },
  { id: '22', name: 'Pick up', column: 'in-progress', status: 'Doing' },
  { id: '41', name: 'Done', column: 'done', status: 'Done' },
];

function jiraBoard(moves = JIRA_MOVES): BoardProvider {
  return {
    name: 'jira',
    list: () => Promise.resolve([]),
    transitions: () => Promise.resolve(moves),
    move: (item) => Promise.resolve(item),
  };
}

describe('the status Start Work moves an item to (unit)', () => {
  const todo = aWorkItem({ provider: 'jira', key: 'SHOP-3', status: 'To Do' });

  it('is the first move into In progress when conveyor.yml names none', async () => {
    assert.equal((await startWorkMove(jiraBoard(), todo, undefined))?.id, '21');
  });

  it('is the configured status, by the status a move leads to or by its name, written any way', async () => {
    assert.equal((await startWorkMove(jiraBoard(), todo, 'doing'))?.id, '22');
    assert.equal((await startWorkMove(jiraBoard(), todo, 'Start Progress'))?.id, '21');
  });

  it('leaves alone an item started already, or already at the status', async () => {
    assert.equal(
      await startWorkMove(jiraBoard(), aWorkItem({ provider: 'jira', column: 'in-review', status: 'In Review' }), 'Doing'),
      undefined,
    );
    assert.equal(await startWorkMove(jiraBoard(), todo, 'to do'), undefined);
  });

  it('refuses a status the board does not have, naming the ones it has', async () => {
    await assert.rejects(startWorkMove(jiraBoard(), todo, 'Hacking'), (error: unknown) => {
      assert.ok(isServiceError(error, 'invalid'));
      assert.equal(
        error.message,
        'SHOP-3 cannot move to "Hacking" (board.onStartWork in conveyor.yml); on Jira it can be: To Do, Start progress (→ In Progress), Pick up (→ Doing), Done. Nothing was changed.',
      );
      return true;
    });
  });

  it('says so when the board cannot move items', async () => {
    await assert.rejects(startWorkMove({ name: 'jira', list: () => Promise.resolve([]) }, todo, undefined), /Jira cannot move SHOP-3/);
  });
});
