import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FolderStatus } from '../../../src/loop/folderStatus';
import type { ErrorIssue } from '../../../src/monitor/errors/errorModel';
import { errorNodes, goalNodes, unmappedText, uptimeNodes, urlFolderPrefix } from '../../../src/monitor/ui/monitorNodes';
import type { ErrorViewState } from '../../../src/monitor/ui/monitorNodes';
import { hostedErrorsSource, newErrors, staleHostedFolders } from '../../../src/monitor/ui/monitorNodes';
import { addToConfigList, ConfigEditError, setConfigMapEntry } from '../../../src/core/config/configEdit';
import { parseConfig } from '../../../src/core/config/parseConfig';
import type { ViewNode } from '../../../src/core/viewNode';
import { anErrorIssue } from '../../support/builders';
import { folderStatus } from '../../support/folderStatusFixture';

const NOW = Date.parse('2026-11-26T12:00:00Z');

function monitoredStatus(monitor: Partial<FolderStatus['monitor']> = {}): FolderStatus {
  const base = folderStatus({ config: { file: '/ws/shop/conveyor.yml', found: true, config: {}, problems: [] } });
  return { ...base, monitor: { ...base.monitor, ...monitor } };
}

function issue(fields: Partial<ErrorIssue> & { id: string }): ErrorIssue {
  return anErrorIssue({ firstSeen: '2026-11-26T11:00:00Z', lastSeen: '2026-11-26T11:57:00Z', ...fields });
}

const labels = (nodes: ViewNode[]): string[] => nodes.flatMap((n) => [n.label, ...labels(n.children ?? []).map((l) => `  ${l}`)]);

describe('monitor views (unit)', () => {
  it('shows the receiver DSN first, then issues by release and by file, newest first, with counts and age', () => {
    const issues = [
      issue({ id: 'a', count: 152, userCount: 14, lastRelease: '1.4.2', lastSeen: '2026-11-26T11:57:00Z' }),
      issue({ id: 'b', title: 'RangeError: too big', lastRelease: '1.4.1', lastSeen: '2026-11-26T10:00:00Z' }),
      issue({ id: 'c', title: 'Error: elsewhere', lastSeen: '2026-11-26T11:58:00Z' }),
    ];
    const state: ErrorViewState = {
      receiver: { dsn: 'http://k@127.0.0.1:8969/1', trusted: true },
      localIssues: issues,
      locationOf: (id) =>
        id === 'a'
          ? { file: '/ws/shop/src/cart.ts', line: 12, column: 5 }
          : id === 'c'
            ? { file: '/ws/other/x.ts', line: 1, column: 1 }
            : undefined,
    };
    const nodes = errorNodes(monitoredStatus(), state, NOW);
    assert.equal(nodes[0].description, 'http://k@127.0.0.1:8969/1');
    assert.equal(nodes[0].command?.command, 'conveyor.errors.copyDsn');
    // Issue c happened in another folder, so this folder does not list it.
    assert.deepEqual(labels(nodes.slice(1)), [
      'By release',
      '  1.4.2',
      '    TypeError: x is undefined',
      '  1.4.1',
      '    RangeError: too big',
      'By file',
      '  src/cart.ts',
      '    TypeError: x is undefined',
    ]);
    const row = nodes[1].children?.[0].children?.[0];
    assert.equal(row?.description, '152 events · 14 users · 3 min ago');
    assert.deepEqual(row?.command, { command: 'conveyor.errors.openIssue', title: 'Go to Code', arguments: ['a'] });
  });

  it('lists the frames that did not map under their issue with why, and says which of equal matches was used', () => {
    const frames = [
      { filename: 'http://127.0.0.1:41234/vendor/widget.js', function: 'runStep', lineno: 1, colno: 88, inApp: true },
      { filename: 'http://127.0.0.1:41234/app.js?v=2', function: 'addToCart', lineno: 15, colno: 31348, inApp: true },
    ];
    const web = issue({
      id: 'w',
      title: 'RangeError: quantity must be a whole number',
      lastRelease: 'web-shop@1.0.0',
      latestEvent: { eventId: 'e', timestamp: '2026-11-26T11:57:00Z', exceptionType: 'RangeError', exceptionValue: 'x', frames },
    });
    const state: ErrorViewState = {
      receiver: { dsn: 'http://k@127.0.0.1:8969/1', trusted: true },
      localIssues: [web],
      locationOf: () => ({ file: '/ws/shop/src/cart.ts', line: 11, column: 11 }),
      notesOf: () => [
        {
          frameIndex: 1,
          frame: frames[1],
          url: frames[1].filename,
          resolution: {
            location: { file: '/ws/shop/src/cart.ts', line: 11, column: 11 },
            alsoMatched: ['/ws/shop/dist/app.js'],
          },
        },
        {
          frameIndex: 0,
          frame: frames[0],
          url: frames[0].filename,
          resolution: { unmapped: { kind: 'no-file', path: '/vendor/widget.js' } },
        },
      ],
    };
    const row = errorNodes(monitoredStatus(), state, NOW)[1].children?.[0].children?.[0];
    assert.equal(row?.expanded, true, 'an unmapped frame is shown without opening the issue');
    assert.match(row?.tooltip ?? '', /1 frame unmapped: see below/);
    const [tie, unmapped] = row?.children ?? [];
    assert.equal(tie.label, 'addToCart app.js:15:31348');
    assert.equal(tie.description, '→ src/cart.ts:11 · first of 2 equal matches');
    assert.match(tie.tooltip ?? '', /public\/, dist\/, build\/, out\/.*\n→ src\/cart\.ts\n {2}dist\/app\.js/);
    assert.deepEqual([tie.file, tie.line], ['/ws/shop/src/cart.ts', 11]);
    assert.equal(unmapped.label, 'runStep widget.js:1:88');
    assert.equal(unmapped.description, 'unmapped: no workspace file ends with /vendor/widget.js');
    assert.equal(unmapped.contextValue, 'errorFrame.unmapped.url', 'Map URL to Folder… is offered on it');
    assert.deepEqual(unmapped.ref, { kind: 'error-frame', folder: '/ws/shop', id: 'w', frameIndex: 0 });
    const relative = (file: string) => file.replace('/ws/shop/', '');
    assert.equal(
      unmappedText({ kind: 'no-source-map', file: '/ws/shop/public/app.js' }, relative),
      'public/app.js is minified and has no source map for this line',
    );
    assert.equal(
      unmappedText({ kind: 'sources-missing', file: '/ws/shop/public/app.js', source: '/elsewhere/cart.ts' }, relative),
      'the source map of public/app.js names /elsewhere/cart.ts, which is not in the workspace',
    );
    assert.match(unmappedText({ kind: 'no-file', path: '/app.js', searchStopped: true }), /stopped at its limit/);
    assert.equal(
      urlFolderPrefix('http://127.0.0.1:5173/assets/app.js?v=2#x'),
      'http://127.0.0.1:5173/assets/',
      'Map URL to Folder maps this',
    );
    assert.equal(urlFolderPrefix('http://127.0.0.1:5173/app.js'), 'http://127.0.0.1:5173/');
  });

  it('moves resolved issues into a collapsed Resolved group, as Sentry leaves them out of its list, and marks regressions', () => {
    const state: ErrorViewState = {
      receiver: { dsn: 'http://k@127.0.0.1:8969/1', trusted: true },
      localIssues: [
        issue({ id: 'a', lastRelease: '1.4.2' }),
        issue({
          id: 'b',
          title: 'RangeError: too big',
          lastRelease: '1.4.0',
          status: 'resolved',
          resolvedIn: '1.4.1',
          resolvedAt: '2026-11-26T10:00:00Z',
        }),
        issue({
          id: 'c',
          title: 'Error: back again',
          lastRelease: '1.4.2',
          status: 'regressed',
          resolvedIn: '1.4.1',
          lastSeen: '2026-11-26T11:58:00Z',
        }),
      ],
      locationOf: () => undefined,
    };
    const nodes = errorNodes(monitoredStatus(), state, NOW);
    assert.deepEqual(labels(nodes.slice(1)), [
      'By release',
      '  1.4.2',
      '    Error: back again',
      '    TypeError: x is undefined',
      'Resolved',
      '  RangeError: too big',
    ]);
    const resolvedGroup = nodes.at(-1)!;
    assert.equal(resolvedGroup.expanded, undefined, 'collapsed');
    assert.equal(resolvedGroup.children?.[0].description, 'resolved in v1.4.1 · 1 event · 1 user · 3 min ago');
    assert.match(resolvedGroup.children?.[0].tooltip ?? '', /Resolved in v1\.4\.1 2 h ago: events from older releases keep it resolved/);
    const regression = nodes[1].children?.[0].children?.[0];
    assert.equal(regression?.description, 'regression · 1 event · 1 user · 2 min ago');
    assert.match(regression?.tooltip ?? '', /Regression: resolved in v1\.4\.1, then sent again by 1\.4\.2/);
    const resolvedNew = issue({ id: 'y', firstRelease: '1.4.2', lastRelease: '1.4.2', status: 'resolved', resolvedIn: '1.4.3' });
    assert.deepEqual(
      newErrors([issue({ id: 'x', firstRelease: '1.4.2', lastRelease: '1.4.2' }), resolvedNew], NOW).issues.map((i) => i.id),
      ['x'],
      'a resolved issue is not a new error',
    );
  });

  it('says in the tooltip what the receiver trimmed from the latest event', () => {
    const latestEvent = {
      eventId: 'e',
      timestamp: '2026-11-26T11:57:00Z',
      exceptionType: 'RangeError',
      exceptionValue: 'deep',
      frames: [],
    };
    const state: ErrorViewState = {
      receiver: { trusted: true },
      localIssues: [
        issue({ id: 'a', lastRelease: '1.4.2', latestEvent: { ...latestEvent, trimmed: { frames: 9950, characters: 19_000_000 } } }),
        issue({ id: 'b', lastRelease: '1.4.2', latestEvent }),
      ],
      locationOf: () => undefined,
    };
    const [trimmed, whole] = errorNodes(monitoredStatus(), state, NOW)[1].children?.[0].children ?? [];
    assert.match(String(trimmed.tooltip), /\nLatest event trimmed: 9,950 frames, 19,000,000 characters\n/);
    assert.doesNotMatch(String(whole.tooltip), /trimmed/);
  });

  it('shows the work item made from an error on its row', () => {
    const state: ErrorViewState = {
      receiver: { trusted: true },
      localIssues: [issue({ id: 'a', shortId: 'LOCAL-3', count: 2, lastRelease: '1.4.2' }), issue({ id: 'b', lastRelease: '1.4.2' })],
      locationOf: () => undefined,
      itemOf: (id) =>
        id === 'a' ? { key: 'SHOP-13', title: 'TypeError: x is undefined', url: 'https://acme.atlassian.net/browse/SHOP-13' } : undefined,
    };
    const [linked, plain] = errorNodes(monitoredStatus(), state, NOW)[1].children?.[0].children ?? [];
    assert.equal(linked.description, '→ SHOP-13 · 2 events · 1 user · 3 min ago');
    assert.match(
      String(linked.tooltip),
      /\nWork item SHOP-13: TypeError: x is undefined\nhttps:\/\/acme\.atlassian\.net\/browse\/SHOP-13$/,
    );
    assert.equal(plain.description, '1 event · 1 user · 3 min ago');
    assert.doesNotMatch(String(plain.tooltip), /Work item/);
  });

  it("forgets a folder's hosted issues once it leaves the workspace or its conveyor.yml names no Sentry or another one", () => {
    const acme = { ...monitoredStatus({ sentry: { org: 'acme', project: 'shop' } }), folder: '/ws/shop' };
    const other = { ...monitoredStatus({ sentry: { org: 'acme', project: 'api' } }), folder: '/ws/api' };
    const source = hostedErrorsSource(acme)!;
    const hosted = new Map([
      ['/ws/shop', { source }],
      ['/ws/api', { source: hostedErrorsSource(other)! }],
    ]);
    assert.deepEqual(staleHostedFolders(hosted, [acme, other]), []);
    assert.deepEqual(staleHostedFolders(hosted, [acme]), ['/ws/api'], 'the folder left the workspace');
    assert.deepEqual(
      staleHostedFolders(hosted, [{ ...acme, monitor: { ...acme.monitor, sentry: undefined } }, other]),
      ['/ws/shop'],
      'no Sentry any more',
    );
    const otherProject = { ...acme, monitor: { ...acme.monitor, sentry: { org: 'acme', project: 'web' } } };
    assert.deepEqual(staleHostedFolders(hosted, [otherProject, other]), ['/ws/shop'], 'another project');
    const selfHosted = { ...acme, monitor: { ...acme.monitor, sentry: { url: 'https://sentry.acme.dev', org: 'acme', project: 'shop' } } };
    assert.notEqual(hostedErrorsSource(selfHosted), source, 'another Sentry with the same org and project');
    assert.equal(
      hostedErrorsSource({ ...acme, monitor: { ...acme.monitor, sentry: { url: 'https://sentry.io', org: 'acme', project: 'shop' } } }),
      source,
      'sentry.io is the default',
    );
  });

  it('says why the receiver is not running, and asks to sign in to a hosted Sentry', () => {
    const state: ErrorViewState = {
      receiver: { problem: 'Port 8969 is in use', trusted: true },
      localIssues: [],
      hosted: { source: '', issues: [], loading: false, error: 'Sign in', needsSignIn: true },
      locationOf: () => undefined,
    };
    const nodes = errorNodes(monitoredStatus({ sentry: { org: 'acme', project: 'shop' } }), state, NOW);
    assert.equal(nodes[0].tooltip, 'Port 8969 is in use');
    assert.equal(nodes[1].label, 'Sentry acme/shop');
    assert.equal(nodes[1].command?.command, 'conveyor.errors.signIn');
  });

  it('shows each uptime check with its status, uptime and latency, and the reason when down', () => {
    const checks = [
      { name: 'shop', url: 'https://shop.example/health' },
      { name: 'pay', url: 'https://pay.example/' },
      { name: 'new', url: 'https://new.example/' },
    ];
    const nodes = uptimeNodes(
      monitoredStatus({ uptimeChecks: checks }),
      {
        trusted: true,
        rows: [
          { check: checks[0], stats: { lastStatus: 'up', uptime24h: 99.96, p50LatencyMs: 120.4, probes24h: 100 } },
          {
            check: checks[1],
            stats: {
              lastStatus: 'down',
              uptime24h: 50,
              probes24h: 2,
              lastResult: { at: NOW - 60_000, ok: false, latencyMs: 3, reason: 'connection refused' },
            },
          },
          { check: checks[2], stats: { lastStatus: 'unknown', probes24h: 0 } },
        ],
      },
      NOW,
    );
    assert.deepEqual(
      nodes.map((n) => n.description),
      ['up · 99.96% · 120 ms', 'down · connection refused', 'not probed yet'],
    );
    assert.deepEqual(
      nodes.map((n) => n.icon),
      ['pass-filled:testing.iconPassed', 'error:testing.iconFailed', 'circle-large-outline'],
    );
    assert.match(nodes[1].tooltip ?? '', /Last probe 1 min ago: down: connection refused/);
  });

  it("shows a goal's value, trend and target, and whether it is met", () => {
    const goal = {
      name: 'Page speed',
      source: 'lighthouse' as const,
      url: 'https://shop.example',
      metric: 'performance' as const,
      target: 90,
      direction: 'up' as const,
    };
    const [row] = goalNodes(
      monitoredStatus({ goals: [goal] }),
      {
        trusted: true,
        rows: [
          {
            goal,
            measuring: false,
            progress: {
              direction: 'up',
              value: 84,
              previous: 80,
              met: false,
              trend: 'better',
              recent: [80, 84],
              series: [
                [1, 2],
                [80, 84],
              ],
              measuredAt: NOW - 120_000,
            },
          },
        ],
      },
      NOW,
    );
    assert.equal(row.description, '84/100 ↗ · target ≥ 90/100');
    assert.equal(row.icon, 'warning:editorWarning.foreground');
    assert.match(row.tooltip ?? '', /Now 84\/100 \(2 min ago\), before 80\/100/);

    // Largest Contentful Paint without a direction in conveyor.yml: lower is better, and the target says so.
    const lcp = { name: 'LCP', source: 'lighthouse' as const, url: 'https://shop.example', metric: 'lcp' as const, target: 2500 };
    const [lcpRow] = goalNodes(monitoredStatus({ goals: [lcp] }), { trusted: true, rows: [{ goal: lcp, measuring: false }] }, NOW);
    assert.match(lcpRow.tooltip ?? '', /Target ≤ 2,500 ms: not known yet/);
  });

  it('counts as new the errors first seen in the release the newest event came from', () => {
    const issues = [
      issue({ id: 'a', firstRelease: '1.4.2', lastRelease: '1.4.2', lastSeen: '2026-11-26T11:59:00Z' }),
      issue({ id: 'b', firstRelease: '1.4.1', lastRelease: '1.4.2', lastSeen: '2026-11-26T11:00:00Z' }),
    ];
    const found = newErrors(issues, NOW);
    assert.equal(found.release, '1.4.2');
    assert.deepEqual(
      found.issues.map((i) => i.id),
      ['a'],
    );
    assert.deepEqual(
      newErrors([issue({ id: 'x', lastSeen: '2026-11-20T00:00:00Z' }), issue({ id: 'y' })], NOW).issues.map((i) => i.id),
      ['y'],
    );
  });
});

describe('adding to conveyor.yml (unit, real files)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-edit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends a check, keeping comments, and replaces one of the same name', async () => {
    const file = path.join(dir, 'conveyor.yml');
    writeFileSync(file, '# team config\nversion: 1\nuptime:\n  - name: shop # the storefront\n    url: https://shop.example\n');
    await addToConfigList(dir, 'uptime', { name: 'api', url: 'https://api.example', interval: 60 });
    await addToConfigList(dir, 'uptime', { name: 'shop', url: 'https://shop.example/health' });
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# team config/);
    const parsed = parseConfig(text);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.config.uptime, [
      { name: 'shop', url: 'https://shop.example/health' },
      { name: 'api', url: 'https://api.example', interval: 60 },
    ]);
  });

  it('creates conveyor.yml when there is none, and leaves a file with a syntax error untouched', async () => {
    await addToConfigList(dir, 'goals', { name: 'Users', source: 'http-json', url: 'https://x.example/stats', valuePath: 'users' });
    assert.deepEqual(parseConfig(readFileSync(path.join(dir, 'conveyor.yml'), 'utf8')).config.goals, [
      { name: 'Users', source: 'http-json', url: 'https://x.example/stats', valuePath: 'users' },
    ]);
    const broken = 'version: 1\nuptime: [\n';
    writeFileSync(path.join(dir, 'conveyor.yml'), broken);
    await assert.rejects(
      addToConfigList(dir, 'uptime', { name: 'a', url: 'https://a.example' }),
      (e: Error) => e instanceof ConfigEditError && /syntax error on line \d/.test(e.message),
    );
    assert.equal(readFileSync(path.join(dir, 'conveyor.yml'), 'utf8'), broken);
  });

  it('sets a path mapping under sentry, keeping what is there, and refuses a sentry that is not a map', async () => {
    const file = path.join(dir, 'conveyor.yml');
    writeFileSync(file, 'version: 1\nsentry:\n  receiverPort: 8969 # fixed for the team\n');
    await setConfigMapEntry(dir, ['sentry', 'pathMappings'], 'http://127.0.0.1:5173/assets/', 'public/assets');
    await setConfigMapEntry(dir, ['sentry', 'pathMappings'], 'http://localhost:3000/', '.');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /# fixed for the team/);
    const parsed = parseConfig(text);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.config.sentry, {
      receiverPort: 8969,
      pathMappings: { 'http://127.0.0.1:5173/assets/': 'public/assets', 'http://localhost:3000/': '.' },
    });
    writeFileSync(file, 'version: 1\nsentry: [1]\n');
    await assert.rejects(
      setConfigMapEntry(dir, ['sentry', 'pathMappings'], 'http://x/', '.'),
      (e: Error) => e instanceof ConfigEditError && /"sentry" is not a map/.test(e.message),
    );
  });
});
