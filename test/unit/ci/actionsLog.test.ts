import * as assert from 'node:assert/strict';
import type { CiStep } from '../../../src/ci/ciModel';
import { parseActionsLog } from '../../../src/ci/github/actionsLog';

const ESC = String.fromCharCode(27);

// A Node job as the runner writes it (BOM, 7-digit fractions, colour codes in echoed scripts): set up,
// checkout, setup-node, `npm ci`, a failing `npm test`, then the post step and job cleanup.
const LOG = [
  "\uFEFF2024-05-14T09:12:01.1234567Z Current runner version: '2.316.1'",
  '2024-05-14T09:12:01.1254567Z ##[group]Operating System',
  '2024-05-14T09:12:01.1254567Z Ubuntu',
  '2024-05-14T09:12:01.1254567Z 22.04.4',
  '2024-05-14T09:12:01.1254567Z ##[endgroup]',
  '2024-05-14T09:12:01.1264567Z ##[group]GITHUB_TOKEN Permissions',
  '2024-05-14T09:12:01.1264567Z Contents: read',
  '2024-05-14T09:12:01.1264567Z ##[endgroup]',
  "2024-05-14T09:12:01.3764567Z Download action repository 'actions/checkout@v4' (SHA:0ad4b8fadaa221de15dcec353f45205ec38ea70b)",
  '2024-05-14T09:12:02.0124567Z Complete job name: test',
  '2024-05-14T09:12:02.0884567Z ##[group]Run actions/checkout@v4',
  '2024-05-14T09:12:02.0884567Z with:',
  '2024-05-14T09:12:02.0884567Z   repository: acme/app',
  '2024-05-14T09:12:02.0884567Z   token: ***',
  '2024-05-14T09:12:02.0884567Z ##[endgroup]',
  '2024-05-14T09:12:02.2104567Z Syncing repository: acme/app',
  '2024-05-14T09:12:02.2114567Z ##[group]Getting Git version info',
  '2024-05-14T09:12:02.2124567Z [command]/usr/bin/git version',
  '2024-05-14T09:12:02.2194567Z git version 2.45.1',
  '2024-05-14T09:12:02.2214567Z ##[endgroup]',
  '2024-05-14T09:12:03.1000000Z ##[group]Run actions/setup-node@v4',
  '2024-05-14T09:12:03.1000000Z with:',
  '2024-05-14T09:12:03.1000000Z   node-version: 20',
  '2024-05-14T09:12:03.1000000Z ##[endgroup]',
  '2024-05-14T09:12:03.5000000Z Found in cache @ /opt/hostedtoolcache/node/20.13.1/x64',
  '2024-05-14T09:12:03.6000000Z ##[warning]The `set-output` command is deprecated and will be disabled soon.',
  '2024-05-14T09:12:05.2000000Z ##[group]Run npm ci',
  `2024-05-14T09:12:05.2000000Z ${ESC}[36;1mnpm ci${ESC}[0m`,
  '2024-05-14T09:12:05.2000000Z shell: /usr/bin/bash -e {0}',
  '2024-05-14T09:12:05.2000000Z ##[endgroup]',
  '2024-05-14T09:12:09.1000000Z added 312 packages, and audited 313 packages in 4s',
  '2024-05-14T09:12:09.3000000Z ##[group]Run npm test',
  `2024-05-14T09:12:09.3000000Z ${ESC}[36;1mnpm test${ESC}[0m`,
  '2024-05-14T09:12:09.3000000Z shell: /usr/bin/bash -e {0}',
  '2024-05-14T09:12:09.3000000Z ##[endgroup]',
  '2024-05-14T09:12:10.1000000Z > app@1.0.0 test',
  '2024-05-14T09:12:11.5000000Z   1) adds numbers',
  '2024-05-14T09:12:11.6000000Z ##[error]Process completed with exit code 1.',
  '2024-05-14T09:12:12.1000000Z Post job cleanup.',
  '2024-05-14T09:12:12.2000000Z [command]/usr/bin/git version',
  '2024-05-14T09:12:13.0000000Z Cleaning up orphan processes',
].join('\r\n');

// The jobs API's steps for that job: second precision, `npm test` starting in the same second `npm ci` ended.
const STEPS: CiStep[] = [
  step(1, 'Set up job', '2024-05-14T09:12:01Z'),
  step(2, 'Run actions/checkout@v4', '2024-05-14T09:12:02Z'),
  step(3, 'Use Node.js 20', '2024-05-14T09:12:03Z'),
  step(4, 'Run npm ci', '2024-05-14T09:12:05Z'),
  step(5, 'Run npm test', '2024-05-14T09:12:09Z', 'failed'),
  step(6, 'Deploy', '2024-05-14T09:12:11Z', 'skipped'),
  step(10, 'Post Run actions/checkout@v4', '2024-05-14T09:12:12Z'),
  step(11, 'Complete job', '2024-05-14T09:12:13Z'),
];

function step(number: number, name: string, startedAt: string | undefined, state: CiStep['state'] = 'passed'): CiStep {
  return { number, name, state, startedAt };
}

describe('parseActionsLog (unit)', () => {
  const parsed = parseActionsLog(LOG, STEPS);
  const lineOf = (text: string) => parsed.lines.indexOf(text);

  it('drops timestamps, the BOM, carriage returns, colour codes and endgroup markers, and keeps every other line', () => {
    assert.equal(parsed.lines[0], "Current runner version: '2.316.1'");
    assert.equal(parsed.lines.length, 41 - 7, 'seven ##[endgroup] lines go');
    assert.ok(parsed.lines.includes('npm ci'));
    assert.ok(parsed.lines.every((line) => !/^\d{4}-\d\d-\d\dT|\r|##\[endgroup\]/.test(line) && !line.includes(ESC)));
    assert.equal(parsed.lines[parsed.lines.length - 1], 'Cleaning up orphan processes');
  });

  it('turns groups into sections that start at their title line', () => {
    const groups = parsed.sections.filter((s) => s.kind === 'group');
    assert.deepEqual(
      groups.map((g) => [g.name, parsed.lines[g.startLine], parsed.lines[g.endLine]]),
      [
        ['Operating System', 'Operating System', '22.04.4'],
        ['GITHUB_TOKEN Permissions', 'GITHUB_TOKEN Permissions', 'Contents: read'],
        ['Run actions/checkout@v4', 'Run actions/checkout@v4', '  token: ***'],
        ['Getting Git version info', 'Getting Git version info', 'git version 2.45.1'],
        ['Run actions/setup-node@v4', 'Run actions/setup-node@v4', '  node-version: 20'],
        ['Run npm ci', 'Run npm ci', 'shell: /usr/bin/bash -e {0}'],
        ['Run npm test', 'Run npm test', 'shell: /usr/bin/bash -e {0}'],
      ],
    );
  });

  it('keeps error and warning lines as written and indexes them', () => {
    assert.deepEqual(parsed.errorLines, [lineOf('##[error]Process completed with exit code 1.')]);
    assert.deepEqual(parsed.warningLines, [lineOf('##[warning]The `set-output` command is deprecated and will be disabled soon.')]);
  });

  it('cuts the log into the steps that ran, by their start times, each running to the next', () => {
    const steps = parsed.sections.filter((s) => s.kind === 'step');
    assert.deepEqual(
      steps.map((s) => [s.stepNumber, s.name, parsed.lines[s.startLine], parsed.lines[s.endLine]]),
      [
        [1, 'Set up job', "Current runner version: '2.316.1'", 'Complete job name: test'],
        [2, 'Run actions/checkout@v4', 'Run actions/checkout@v4', 'git version 2.45.1'],
        [3, 'Use Node.js 20', 'Run actions/setup-node@v4', '##[warning]The `set-output` command is deprecated and will be disabled soon.'],
        [4, 'Run npm ci', 'Run npm ci', 'added 312 packages, and audited 313 packages in 4s'],
        // Same second as npm ci's last line: the group titled like the step marks the start.
        [5, 'Run npm test', 'Run npm test', '##[error]Process completed with exit code 1.'],
        [10, 'Post Run actions/checkout@v4', 'Post job cleanup.', '[command]/usr/bin/git version'],
        [11, 'Complete job', 'Cleaning up orphan processes', 'Cleaning up orphan processes'],
      ],
    );
    for (let i = 1; i < steps.length; i++) assert.equal(steps[i].startLine, steps[i - 1].endLine + 1, 'steps tile the log');
  });

  it('lists a step before the group it starts with, so the enclosing range comes first', () => {
    const atCheckout = parsed.sections.filter((s) => s.startLine === lineOf('Run actions/checkout@v4'));
    assert.deepEqual(
      atCheckout.map((s) => s.kind),
      ['step', 'group'],
    );
    const starts = parsed.sections.map((s) => s.startLine);
    assert.deepEqual(
      starts,
      [...starts].sort((a, b) => a - b),
    );
  });

  it('places steps without start times by the group titled like them', () => {
    const untimed = parseActionsLog(LOG, [
      step(4, 'Run npm ci', undefined),
      step(5, 'Run npm test', undefined),
      step(6, 'Lint', undefined),
    ]);
    assert.deepEqual(
      untimed.sections.filter((s) => s.kind === 'step').map((s) => [s.name, untimed.lines[s.startLine]]),
      [
        ['Run npm ci', 'Run npm ci'],
        ['Run npm test', 'Run npm test'],
      ],
    );
  });

  it('places timed steps by their groups when the log has no timestamps at all', () => {
    const unstamped = parseActionsLog(LOG.replace(/^\uFEFF/, '').replace(/^\S+Z /gm, ''), STEPS);
    assert.deepEqual(
      unstamped.sections.filter((s) => s.kind === 'step').map((s) => [s.name, unstamped.lines[s.startLine]]),
      [
        ['Set up job', "Current runner version: '2.316.1'"],
        ['Run actions/checkout@v4', 'Run actions/checkout@v4'],
        ['Run npm ci', 'Run npm ci'],
        ['Run npm test', 'Run npm test'],
      ],
    );
  });

  it('closes a group left open by a cancelled job at the end, and reads lines without timestamps', () => {
    const cut = parseActionsLog(
      '2024-05-14T09:12:05.2000000Z ##[group]Run npm ci\nplain line\n2024-05-14T09:12:06.0000000Z ##[error]The operation was canceled.\n',
      [],
    );
    assert.deepEqual(cut.lines, ['Run npm ci', 'plain line', '##[error]The operation was canceled.']);
    assert.deepEqual(cut.sections, [{ name: 'Run npm ci', startLine: 0, endLine: 2, kind: 'group' }]);
    assert.deepEqual(cut.errorLines, [2]);
  });

  it('strips only whole timestamps at the start of a line, and keeps blank lines', () => {
    const log = [
      '2024-05-14T09:12:05Z no fraction',
      '2024-05-14T09:12:05.5ZNo space',
      '2024-05-14T09:12:0x.5Z not a time',
      'text 2024-05-14T09:12:05.5Z later on the line',
      '',
      '\r',
      '2024-05-14T09:12:05.5Z',
      '',
    ].join('\n');
    assert.deepEqual(parseActionsLog(log).lines, [
      'no fraction',
      'No space',
      '2024-05-14T09:12:0x.5Z not a time',
      'text 2024-05-14T09:12:05.5Z later on the line',
      '',
      '',
      '',
    ]);
  });

  it('answers an empty log with nothing', () => {
    assert.deepEqual(parseActionsLog('', STEPS), { lines: [], sections: [], errorLines: [], warningLines: [] });
  });

  it('parses a 50,000-line log in well under half a second', () => {
    const lines: string[] = [];
    const steps: CiStep[] = [];
    const start = Date.parse('2024-05-14T09:00:00Z');
    for (let s = 0; s < 50; s++) {
      const at = (i: number) => new Date(start + (s * 1000 + i) * 1000).toISOString().replace('.000Z', '.1234567Z');
      steps.push(step(s + 1, `Run step ${s}`, new Date(start + s * 1000 * 1000).toISOString()));
      lines.push(`${at(0)} ##[group]Run step ${s}`, `${at(0)} ${ESC}[36;1mecho ${s}${ESC}[0m`, `${at(0)} ##[endgroup]`);
      for (let i = 0; i < 997; i++)
        lines.push(
          `${at(i)} output line ${i} of step ${s}: some typical build output with a path /home/runner/work/app/app/src/file${i}.ts`,
        );
    }
    lines.push(`${new Date(start + 50_000_000).toISOString()} ##[error]Process completed with exit code 1.`);
    const text = lines.join('\n');
    const begun = performance.now();
    const big = parseActionsLog(text, steps);
    const ms = performance.now() - begun;
    assert.equal(big.lines.length, 50 * 999 + 1);
    assert.equal(big.sections.filter((s) => s.kind === 'step').length, 50);
    assert.equal(big.sections.filter((s) => s.kind === 'group').length, 50);
    assert.deepEqual(big.errorLines, [big.lines.length - 1]);
    assert.ok(ms < 500, `took ${ms.toFixed(1)} ms`);
  });
});
