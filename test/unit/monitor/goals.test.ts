import * as assert from 'node:assert/strict';
import type { GoalConfig } from '../../../src/core/config/conveyorConfig';
import { goalDirection, goalProgress, type GoalMeasurement } from '../../../src/monitor/goals/goalHistory';
import { GoalRunner } from '../../../src/monitor/goals/goalRunner';
import { explainLighthouseFailure, findChromium, lighthouseCommand, parseLighthouseReport } from '../../../src/monitor/goals/lighthouse';
import { parseJsonAnswer, parseValuePath, readNumberAt } from '../../../src/monitor/goals/valuePath';
import { VirtualClock } from '../../support/virtualClock';

describe('goal values (unit)', () => {
  it('parses dot paths with array indices and refuses malformed ones', () => {
    assert.deepEqual(parseValuePath('data.users.total'), ['data', 'users', 'total']);
    assert.deepEqual(parseValuePath('items[0].value'), ['items', 0, 'value']);
    assert.deepEqual(parseValuePath('[2][1]'), [2, 1]);
    for (const bad of ['', 'a..b', '.a', 'a.', 'a[x]', 'a[1', 'a.[0]', '["a]', "a['b"])
      assert.throws(() => parseValuePath(bad), /is not a path like/, bad);
  });

  it('reads keys with dots written in quotes, as Spring Boot and Micrometer name their metrics', () => {
    assert.deepEqual(parseValuePath('["jvm.memory.used"]'), ['jvm.memory.used']);
    assert.deepEqual(parseValuePath("gauges['http.requests'].value"), ['gauges', 'http.requests', 'value']);
    assert.equal(readNumberAt({ 'jvm.memory.used': 5, jvm: {} }, '["jvm.memory.used"]'), 5);
    assert.equal(readNumberAt({ measurements: [{ 'p.99': '0.25' }] }, "measurements[0]['p.99']"), 0.25);
  });

  it('reads numbers and numeric strings, and says which segment failed', () => {
    const json = { data: { total: '42', list: [{ v: 1.5 }], flag: true } };
    assert.equal(readNumberAt(json, 'data.total'), 42);
    assert.equal(readNumberAt(json, 'data.list[0].v'), 1.5);
    assert.throws(() => readNumberAt(json, 'data.count'), {
      message: 'valuePath "data.count": "count" is missing in data (keys: total, list, flag)',
    });
    assert.throws(() => readNumberAt(json, 'data.total.x'), /"x" needs an object at data\.total, found the text "42"/);
    assert.throws(() => readNumberAt(json, 'data.flag'), { message: 'valuePath "data.flag" is boolean true, not a number' });
    assert.throws(() => readNumberAt(json, 'data.list[0]'), /is an object, not a number/);
    assert.throws(() => parseJsonAnswer('  <html>\n<body>oops'), {
      message: 'the answer is not JSON (it starts with "<html> <body>oops")',
    });
  });
});

describe('goal progress (unit)', () => {
  const m = (at: number, value?: number, error?: string): GoalMeasurement => ({
    at,
    durationMs: 1,
    ...(value !== undefined ? { value } : {}),
    ...(error ? { error } : {}),
  });

  it('judges the value against the target in the goal direction', () => {
    const up: GoalConfig = { name: 'score', source: 'lighthouse', target: 90 };
    const p = goalProgress(up, [m(1000, 80), m(2000, 92)]);
    assert.equal(p.direction, 'up');
    assert.equal(p.met, true);
    assert.equal(p.trend, 'better');
    assert.equal(p.change, 12);
    assert.equal(p.changePercent, 15);
    assert.deepEqual(p.series, [
      [1, 2],
      [80, 92],
    ]);

    const lcp: GoalConfig = { name: 'lcp', source: 'lighthouse', metric: 'lcp', target: 2500 };
    assert.equal(goalDirection(lcp), 'down');
    const q = goalProgress(lcp, [m(1000, 2000), m(2000, 2600)]);
    assert.equal(q.met, false);
    assert.equal(q.trend, 'worse');
    assert.equal(goalDirection({ ...lcp, direction: 'up' }), 'up', 'an explicit direction wins');
  });

  it('keeps the last good value when the newest measurement failed, and says why', () => {
    const goal: GoalConfig = { name: 'users', source: 'http-json' };
    const p = goalProgress(goal, [m(1000, 5), m(2000, undefined, 'connection refused')]);
    assert.equal(p.value, 5);
    assert.equal(p.lastError, 'connection refused');
    assert.equal(p.met, undefined, 'no target, no verdict');
    assert.equal(p.trend, 'unknown');
    assert.deepEqual(goalProgress(goal, []).recent, []);
  });
});

describe('lighthouse report and command (unit)', () => {
  const report = (extra: object = {}) => ({
    lighthouseVersion: '12.2.3',
    categories: { performance: { score: 0.87 } },
    audits: {
      'largest-contentful-paint': { numericValue: 1234.5 },
      'total-blocking-time': { numericValue: 12 },
      'cumulative-layout-shift': { numericValue: 0.02 },
    },
    ...extra,
  });

  it('extracts score, LCP, TBT and CLS', () => {
    assert.deepEqual(parseLighthouseReport(report(), 'http://x/'), {
      performance: 87,
      lcpMs: 1235,
      tbtMs: 12,
      cls: 0.02,
      lighthouseVersion: '12.2.3',
    });
  });

  it('turns a runtimeError into one sentence', () => {
    const failed = report({
      runtimeError: {
        code: 'FAILED_DOCUMENT_REQUEST',
        message: 'Lighthouse was unable to reliably load the page you requested. Make sure you are testing the correct URL.',
      },
    });
    assert.throws(() => parseLighthouseReport(failed, 'http://x/'), {
      message:
        'Lighthouse could not load http://x/ (FAILED_DOCUMENT_REQUEST): Lighthouse was unable to reliably load the page you requested.',
    });
    assert.throws(() => parseLighthouseReport(report({ runtimeError: { code: 'PROTOCOL_TIMEOUT' } }), 'http://x/'), {
      message: 'Lighthouse failed on http://x/ with PROTOCOL_TIMEOUT.',
    });
    assert.match(
      explainLighthouseFailure('Unable to connect to Chrome\n', 1, '/usr/bin/chromium'),
      /could not start Chromium at \/usr\/bin\/chromium/,
    );
  });

  it('describes the run: JSON to a file, headless Chromium flags, CHROME_PATH', () => {
    const spec = lighthouseCommand(
      'http://x/',
      { command: '/node', args: ['/lh/cli/index.js'], source: 'installed' },
      '/tmp/r.json',
      '/usr/bin/chromium',
      '/tmp/conveyor-lighthouse-1',
    );
    assert.deepEqual(spec.args.slice(0, 3), ['/lh/cli/index.js', 'http://x/', '--output=json']);
    assert.ok(spec.args.includes('--output-path=/tmp/r.json'));
    assert.ok(spec.args.includes('--chrome-flags=--headless=new --no-sandbox --disable-gpu'));
    assert.equal(spec.env?.CHROME_PATH, '/usr/bin/chromium');
    // Chromium's profile goes in the run's folder, which the run removes however it ends.
    assert.deepEqual([spec.env?.TMPDIR, spec.env?.TMP, spec.env?.TEMP], Array(3).fill('/tmp/conveyor-lighthouse-1'));
  });

  it('finds the Chrome, Chromium or Edge a macOS or Windows machine has, not only a Linux path', () => {
    const installed = (files: string[]) => (file: string) => files.includes(file);
    const mac = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    assert.equal(findChromium(undefined, { platform: 'darwin', env: { HOME: '/Users/ada' }, exists: installed([mac]) }), mac);
    const userChromium = '/Users/ada/Applications/Chromium.app/Contents/MacOS/Chromium';
    assert.equal(
      findChromium(undefined, { platform: 'darwin', env: { HOME: '/Users/ada' }, exists: installed([userChromium]) }),
      userChromium,
    );

    const windowsEnv = {
      LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local',
      PROGRAMFILES: 'C:\\Program Files',
      'PROGRAMFILES(X86)': 'C:\\Program Files (x86)',
    };
    const edge = 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe';
    const chrome = 'C:\\Users\\ada\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe';
    assert.equal(findChromium(undefined, { platform: 'win32', env: windowsEnv, exists: installed([edge]) }), edge);
    assert.equal(
      findChromium(undefined, { platform: 'win32', env: windowsEnv, exists: installed([edge, chrome]) }),
      chrome,
      'Chrome before Edge',
    );

    assert.equal(findChromium(undefined, { platform: 'linux', env: {}, exists: installed(['/snap/bin/chromium']) }), '/snap/bin/chromium');
    assert.equal(findChromium(undefined, { platform: 'darwin', env: {}, exists: installed(['/usr/bin/chromium']) }), undefined);
    assert.equal(findChromium(undefined, { platform: 'linux', env: { CHROME_PATH: '/opt/c' }, exists: installed([]) }), '/opt/c');
    assert.equal(findChromium('/mine', { platform: 'linux', env: { CHROME_PATH: '/opt/c' } }), '/mine');
  });
});

describe('goal runner on virtual time (unit)', () => {
  it('measures at each goal interval, never two at once for one goal', async () => {
    const clock = new VirtualClock();
    const starts: string[] = [];
    const concurrent = new Map<string, number>();
    let maxConcurrent = 0;
    const runner = new GoalRunner(
      [
        { name: 'users', source: 'http-json', interval: 900 },
        { name: 'speed', source: 'lighthouse' },
      ],
      {
        clock,
        random: () => 0,
        measure: (goal) => {
          starts.push(goal.name);
          concurrent.set(goal.name, (concurrent.get(goal.name) ?? 0) + 1);
          maxConcurrent = Math.max(maxConcurrent, concurrent.get(goal.name)!);
          return new Promise((resolve) =>
            clock.setTimeout(() => {
              concurrent.set(goal.name, concurrent.get(goal.name)! - 1);
              resolve({ value: 1 });
            }, 1000),
          );
        },
      },
    );
    runner.start();
    void runner.measureNow('users');
    void runner.measureNow('users');
    await clock.advance(6 * 3600 * 1000);
    runner.stop();
    assert.equal(maxConcurrent, 1);
    assert.equal(starts.filter((s) => s === 'speed').length, 2, 'lighthouse: at start and after 6 h');
    const users = starts.filter((s) => s === 'users').length;
    assert.ok(users >= 23 && users <= 25, `http-json every 15 min: ${users}`);
  });
});
