import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { code, escapeMarkdown, itemFromError, type LocateFrame } from '../../../src/loop/errorItems/itemFromError';
import type { StackFrame } from '../../../src/monitor/errors/errorModel';
import { markdownToAdf, type AdfNode } from '../../../src/plan/jira/adf';
import { anErrorIssue } from '../../support/builders';

const FOLDER = path.resolve('/ws/shop');
/** Maps `/app/src/…` (the container's path) into the folder, as a path mapping would. */
const locate: LocateFrame = (frame) =>
  Promise.resolve(
    frame.filename?.startsWith('/app/')
      ? { file: path.join(FOLDER, frame.filename.slice('/app/'.length)), line: (frame.lineno ?? 0) + 100, column: 1 }
      : undefined,
  );
const event = (frames: StackFrame[]) => ({
  eventId: 'e'.repeat(32),
  timestamp: '2026-11-05T10:00:00.000Z',
  exceptionType: 'TypeError',
  exceptionValue: 'total is NaN',
  frames,
});

/** The text of an ADF node, as Jira shows it. */
const textOf = (node: AdfNode): string => node.text ?? (node.content ?? []).map(textOf).join('');

describe('a work item from an error (unit)', () => {
  it('lists the top in-app frames innermost first, workspace-relative when they map, with the releases, counts and local id', async () => {
    const frames: StackFrame[] = [
      { filename: '/app/src/server.js', lineno: 1, function: 'main', inApp: true },
      ...[2, 3, 4, 5, 6].map((n) => ({ filename: `/app/src/step${n}.js`, lineno: n, function: `step${n}`, inApp: true })),
      { filename: '/app/node_modules/express/lib/router.js', lineno: 7, function: 'handle' },
      { filename: 'webpack://shop/./lib/cart.js', lineno: 8 },
      { filename: 'node:internal/process/task_queues', lineno: 95, inApp: false },
    ];
    const issue = anErrorIssue({
      id: '3f2a9c',
      shortId: 'LOCAL-3',
      title: 'TypeError: total is NaN',
      count: 1520,
      userCount: 14,
      firstSeen: '2026-11-04T14:00:00.000Z',
      lastSeen: '2026-11-05T10:00:00.000Z',
      firstRelease: 'shop@1.1.0',
      lastRelease: 'shop@1.2.0',
      environment: 'production',
      latestEvent: event(frames),
    });
    const item = await itemFromError(issue, FOLDER, locate);
    assert.equal(item.title, 'TypeError: total is NaN');
    assert.equal(
      item.description,
      [
        'TypeError: total is NaN',
        '',
        'Where it happened (innermost first):',
        '',
        '- `webpack://shop/./lib/cart.js:8`',
        '- `src/step6.js:106` in `step6`',
        '- `src/step5.js:105` in `step5`',
        '- `src/step4.js:104` in `step4`',
        '- `src/step3.js:103` in `step3`',
        '',
        'Occurrences:',
        '',
        '- Release: first seen in `shop@1.1.0`, last seen in `shop@1.2.0`',
        '- Environment: `production`',
        '- Events: 1,520, users: 14',
        '- First seen 2026-11-04T14:00:00.000Z, last seen 2026-11-05T10:00:00.000Z',
        '',
        'Error: local error LOCAL-3 (id `3f2a9c`)',
        '',
      ].join('\n'),
    );
  });

  it('says when no frame is the app’s, and when there is no stack at all', async () => {
    const library = anErrorIssue({
      latestEvent: event([
        { filename: '/app/node_modules/pg/lib/client.js', lineno: 3 },
        { filename: 'node:internal/timers', lineno: 9 },
        { filename: '/app/src/db.js', lineno: 4, inApp: false },
      ]),
    });
    const described = (await itemFromError(library, FOLDER, locate)).description;
    assert.match(described, /^No frame of the stack is in the app \(all are dependencies or the runtime\)\.$/m);
    assert.doesNotMatch(described, /client\.js|db\.js|Where it happened/);
    assert.match((await itemFromError(anErrorIssue(), FOLDER, locate)).description, /^The error came without a stack\.$/m);
    assert.match((await itemFromError(anErrorIssue(), FOLDER, locate)).description, /^- Release: none reported/m);
  });

  it("links back to Sentry's issue page, and only to an http(s) page", async () => {
    const sentry = anErrorIssue({
      source: 'sentry',
      id: '4711',
      shortId: 'SHOP-1A',
      url: 'https://acme.sentry.io/issues/4711/?project=2&q=is:unresolved a>b',
      firstRelease: '1.2.0',
      lastRelease: '1.2.0',
    });
    const described = (await itemFromError(sentry, FOLDER, locate)).description;
    assert.match(
      described,
      /^Error: \[SHOP-1A\]\(<https:\/\/acme\.sentry\.io\/issues\/4711\/\?project=2&q=is:unresolved%20a%3Eb>\) on Sentry$/m,
    );
    assert.match(described, /^- Release: `1\.2\.0`$/m, 'one release is named once');
    const script = anErrorIssue({ source: 'sentry', id: '9', shortId: 'SHOP-9', url: 'javascript:alert(1)' });
    assert.match((await itemFromError(script, FOLDER, locate)).description, /^Error: local error SHOP-9 \(id `9`\)$/m);
  });

  it('keeps hostile text as text: backticks, markup, a list marker and line breaks cannot change the structure', async () => {
    const title = '- `rm -rf` **failed** <img src=x onerror=alert(1)> [click](http://evil) # not a heading\n## nor this';
    const issue = anErrorIssue({
      title,
      shortId: 'LOCAL-7',
      latestEvent: event([{ filename: '/srv/``odd`.js', lineno: 2, function: '`wrapped`\nfn', inApp: true }]),
    });
    const item = await itemFromError(issue, FOLDER, locate);
    assert.equal(item.title, '- `rm -rf` **failed** <img src=x onerror=alert(1)> [click](http://evil) # not a heading ## nor this');
    const lines = item.description.split('\n');
    assert.equal(
      lines[0],
      '\\- \\`rm -rf\\` \\*\\*failed\\*\\* \\<img src=x onerror=alert(1)\\> \\[click\\](http://evil) \\# not a heading \\#\\# nor this',
    );
    assert.equal(lines[4], '- ```/srv/``odd`.js:2``` in `` `wrapped` fn ``');
    assert.equal(lines.length, 14, 'line breaks in the error do not add lines');

    // Read back as Markdown (the Jira conversion parses it), the text is the error's own.
    const doc = markdownToAdf(item.description);
    assert.deepEqual(
      doc.content.map((n) => n.type),
      ['paragraph', 'paragraph', 'bulletList', 'paragraph', 'bulletList', 'paragraph'],
    );
    assert.equal(textOf(doc.content[0]), item.title);
    assert.equal(textOf(doc.content[2]), '/srv/``odd`.js:2 in `wrapped` fn');
    assert.ok(!JSON.stringify(doc).includes('"link"'), 'no link came from the text');
  });

  it('fences and escapes any text', () => {
    assert.equal(code('a'), '`a`');
    assert.equal(code('a`b'), '``a`b``');
    assert.equal(code('`a'), '`` `a ``');
    assert.equal(escapeMarkdown('1. first'), '1\\. first');
    assert.equal(escapeMarkdown('+ x & y | z ~ w'), '\\+ x \\& y \\| z \\~ w');
    assert.equal(escapeMarkdown('plain: words, (parens) and dots.'), 'plain: words, (parens) and dots.');
  });

  it('cuts a title to fit every board', async () => {
    const item = await itemFromError(anErrorIssue({ title: `Error: ${'x'.repeat(400)}` }), FOLDER, locate);
    assert.equal(item.title.length, 250);
    assert.ok(item.title.endsWith('…'));
  });
});
