import * as assert from 'node:assert/strict';
import { notionDatabaseId } from '../../../../src/plan/notion/notionDatabaseId';

const ID = '1a2b3c4d-5e6f-47a8-b9c0-d1e2f3a4b5c6';
const COMPACT = ID.replaceAll('-', '');
const VIEW = 'ffffffffeeeeddddccccbbbbbbbbbbbb';

describe('Notion database id from conveyor.yml (unit)', () => {
  it('takes an id with or without dashes, in either case', () => {
    assert.equal(notionDatabaseId(ID), ID);
    assert.equal(notionDatabaseId(COMPACT), ID);
    assert.equal(notionDatabaseId(` ${COMPACT.toUpperCase()} `), ID);
  });

  it("reads the database from its URL, not the view's or an opened page's id", () => {
    assert.equal(notionDatabaseId(`https://www.notion.so/acme/Tasks-${COMPACT}?v=${VIEW}`), ID);
    assert.equal(notionDatabaseId(`https://www.notion.so/${COMPACT}?v=${VIEW}&p=${VIEW}&pm=s`), ID);
    assert.equal(notionDatabaseId(`notion.so/acme/${ID}`), ID, 'no scheme, a dashed id');
    assert.equal(notionDatabaseId(`https://acme.notion.site/Road-map-2026-${COMPACT}#heading`), ID, 'a title with dashes and digits');
  });

  it('finds none where there is none', () => {
    assert.equal(notionDatabaseId('Tasks'), undefined);
    assert.equal(notionDatabaseId(`https://www.notion.so/acme/Tasks?v=${VIEW}`), undefined, 'only a view id');
    assert.equal(notionDatabaseId(COMPACT.slice(1)), undefined, '31 digits');
    assert.equal(notionDatabaseId(`${COMPACT}0`), undefined, '33 digits');
    assert.equal(notionDatabaseId(''), undefined);
  });
});
