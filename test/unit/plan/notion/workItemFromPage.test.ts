import * as assert from 'node:assert/strict';
import { isServiceError } from '../../../../src/core/errors';
import { resolveBoardSchema } from '../../../../src/plan/notion/notionSchema';
import { plainText, workItemFromPage } from '../../../../src/plan/notion/workItemFromPage';
import { aPage, boardProperties, text } from '../../../support/notionPages';

const schema = resolveBoardSchema(boardProperties());

describe('Notion pages as work items (unit)', () => {
  it('maps the title, status, people, milestone, key and link of a page', () => {
    const page = aPage({
      number: 7,
      title: 'Ship the Notion board',
      status: 'inReview',
      assignees: ['ada', 'grace'],
      milestone: 'beta',
      edited: '2025-11-20T08:30:00.000Z',
    });
    assert.deepEqual(workItemFromPage(page, schema), {
      provider: 'notion',
      id: page.id,
      key: 'TASK-7',
      title: 'Ship the Notion board',
      column: 'in-review',
      status: 'In review',
      labels: [],
      url: page.url,
      assignee: 'Ada Lovelace, Grace Hopper',
      milestone: 'Beta',
      updated: '2025-11-20T08:30:00.000Z',
    });
  });

  it('keeps a title with markup as its text', () => {
    const title = [
      text('Fix '),
      text('<b>bold</b>', { bold: true }),
      text(' in ', { italic: true }),
      text('**the** [docs](x)', { code: true }, 'https://example.com/docs'),
    ];
    const item = workItemFromPage(aPage({ number: 1, title }), schema);
    assert.equal(item.title, 'Fix <b>bold</b> in **the** [docs](x)');
    assert.equal(plainText('not rich text'), '');
  });

  it('leaves out what a page does not have, and names it without a unique ID', () => {
    const page = aPage({ number: 3, title: 'Untriaged' });
    const item = workItemFromPage(page, schema);
    assert.equal(item.column, 'todo');
    assert.equal(item.status, 'Not started');
    assert.equal('assignee' in item, false);
    assert.equal('milestone' in item, false);
    assert.equal(workItemFromPage(page, { ...schema, key: undefined }).key, 'notion-c0c0c0c0');
    const noPrefix = structuredClone(page);
    noPrefix.properties.ID = { id: 'id%3C', type: 'unique_id', unique_id: { prefix: null, number: 3 } };
    assert.equal(workItemFromPage(noPrefix, schema).key, '#3');
  });

  it('places a status by its name when the option is not in the schema read before', () => {
    const page = aPage({ number: 4, title: 'Renamed since', status: 'done' });
    page.properties.Status = { id: 'st%3D', type: 'status', status: { id: 'opt-new', name: 'Shipped', color: 'green' } };
    assert.deepEqual([workItemFromPage(page, schema).column, workItemFromPage(page, schema).status], ['done', 'Shipped']);
  });

  it('reads a date milestone as its start', () => {
    const dated = resolveBoardSchema(boardProperties(), { milestone: 'Due' });
    const page = aPage({ number: 5, title: 'Dated' });
    page.properties.Due = { id: 'du%3E', type: 'date', date: { start: '2026-01-15', end: null, time_zone: null } };
    assert.equal(workItemFromPage(page, dated).milestone, '2026-01-15');
  });

  it('calls a page without an id malformed', () => {
    try {
      workItemFromPage({ object: 'page', properties: {} }, schema);
      assert.fail('expected a malformed page to be refused');
    } catch (error) {
      assert.ok(isServiceError(error, 'malformed'));
    }
  });
});
