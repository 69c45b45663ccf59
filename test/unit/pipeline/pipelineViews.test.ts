import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FolderStatus } from '../../../src/loop/folderStatus';
import { pipelineIndicator } from '../../../src/pipeline/pipelineIndicator';
import type { PipelineRun, StageRun } from '../../../src/pipeline/run/pipelineRun';
import { pipelineStateDir, RunHistory } from '../../../src/pipeline/run/runHistory';
import { pipelineNodes } from '../../../src/pipeline/ui/pipelineNodes';
import { aPipelineRun, aStageRun } from '../../support/builders';

const status = {
  folder: '/ws/shop',
  name: 'shop',
  git: { isRepository: true, branch: 'main' },
  config: { file: '/ws/shop/conveyor.yml', found: false, config: {}, problems: [] },
  pipeline: {
    source: 'detected',
    security: true,
    stages: [
      { name: 'lint', run: 'npm run lint', source: 'package.json' },
      { name: 'build', run: 'npm run build', source: 'package.json' },
      { name: 'test', run: 'npm test', source: 'package.json' },
    ],
  },
} as unknown as FolderStatus;

function stage(name: string, status: StageRun['status'], extra: Partial<StageRun> = {}): StageRun {
  return aStageRun({ name, status, ...extra });
}

function pipelineRun(stages: StageRun[], extra: Partial<PipelineRun> = {}): PipelineRun {
  return aPipelineRun({
    result: 'failed',
    commit: '4c7e1d2f9a0b4c7e1d2f9a0b4c7e1d2f9a0b4c7e',
    branch: 'main',
    dirty: false,
    stages,
    logFile: '/ws/.git/conveyor/logs/20261126-093000-abcd.log',
    durationMs: 4200,
    ...extra,
  });
}

const failedRun = pipelineRun([
  stage('lint', 'passed', { durationMs: 1200 }),
  stage('build', 'failed', {
    durationMs: 3000,
    summary: 'exit code 2',
    lastLines: ['src/a.ts(3,7): error TS2322: nope'],
    outputLineCount: 40,
    problems: [{ file: '/ws/shop/src/a.ts', line: 3, column: 7, severity: 'error', message: 'nope', code: 'TS2322', source: 'tsc' }],
  }),
  stage('security', 'skipped', { summary: 'not run: an earlier stage failed' }),
  stage('test', 'skipped', { summary: 'not run: an earlier stage failed' }),
]);

describe('pipeline status bar and view with runs (unit)', () => {
  it('shows each stage’s state in the indicator, red after a failure, durations in the tooltip', () => {
    const indicator = pipelineIndicator(status, true, false, failedRun);
    assert.equal(indicator.text, '$(check) lint $(error) build $(circle-slash) security $(circle-slash) test');
    assert.equal(indicator.state, 'failed');
    assert.match(indicator.tooltip, /pipeline: failed in 4\.2 s at `4c7e1d2`/);
    assert.match(indicator.tooltip, /- `build`: failed in 3\.0 s \(exit code 2\)/);
    assert.match(indicator.accessibilityLabel, /build failed/);
  });

  it('spins the running stage and shows ready for release after a clean pass', () => {
    const running = pipelineIndicator(
      status,
      true,
      false,
      pipelineRun([stage('lint', 'passed'), stage('build', 'running')], { result: 'running' }),
    );
    assert.equal(running.text, '$(check) lint $(sync~spin) build $(circle-large-outline) security $(circle-large-outline) test');
    assert.equal(running.state, 'running');
    const passed = pipelineIndicator(
      status,
      true,
      false,
      pipelineRun(
        ['lint', 'build', 'security', 'test'].map((n) => stage(n, 'passed')),
        { result: 'passed', readyForRelease: true },
      ),
    );
    assert.equal(passed.state, 'passed');
    assert.match(passed.tooltip, /ready for release/);
  });

  it('lists stages with the run’s state, the failure’s problems and last output beneath it, then the history', () => {
    const rows = pipelineNodes(status, { run: failedRun, history: [failedRun] });
    assert.deepEqual(
      rows.map((r) => `${r.label}|${r.icon}|${r.description}`),
      [
        'lint|check:testing.iconPassed|1.2 s',
        'build|error:testing.iconFailed|3.0 s · exit code 2',
        'security|circle-slash:disabledForeground|not run: an earlier stage failed',
        'test|circle-slash:disabledForeground|not run: an earlier stage failed',
        'History|history|1 recent runs',
      ],
    );
    const build = rows[1];
    assert.equal(build.expanded, true);
    const [problem, output] = build.children ?? [];
    assert.deepEqual(
      [problem.label, problem.description, problem.file, problem.line, problem.column],
      ['nope', 'src/a.ts:3:7', '/ws/shop/src/a.ts', 3, 7],
    );
    assert.equal(output.label, 'Last output');
    assert.equal(output.description, '1 of 40 lines');
    const [historyRow] = rows[4].children ?? [];
    assert.match(historyRow.description ?? '', /^main · 4c7e1d2 · clean · failed · 4\.2 s$/);
    assert.deepEqual(historyRow.command?.arguments, [failedRun.logFile]);
  });

  it('shows a stage’s test counts with a warning when some of its reports could not be read, and none when the report could not', () => {
    const counts = { total: 3, passed: 2, failed: 1, skipped: 0 };
    const tests = { counts, failures: [], results: [], reportFile: '/ws/shop/target/surefire-reports/TEST-shop.CartTest.xml' };
    const testsRow = (extra: object) =>
      pipelineNodes(status, {
        run: pipelineRun([stage('test', 'failed', { tests: { ...tests, ...extra } })]),
        history: [],
      })
        .find((r) => r.label === 'test')
        ?.children?.find((c) => c.id.endsWith('/tests'));
    const partial = testsRow({ warning: 'The JUnit report target/surefire-reports/TEST-shop.BrokenTest.xml is empty' });
    assert.deepEqual(
      [partial?.label, partial?.description, partial?.icon, partial?.file],
      [
        'Tests: 2 passed, 1 failed',
        'The JUnit report target/surefire-reports/TEST-shop.BrokenTest.xml is empty',
        'testing-failed-icon:testing.iconFailed',
        tests.reportFile,
      ],
    );
    const unreadable = testsRow({ error: 'The stage did not write its JUnit report at junit.xml.' });
    assert.deepEqual([unreadable?.label, unreadable?.icon, unreadable?.file], ['Test report unavailable', 'warning', undefined]);
  });
});

describe('run history on disk (unit)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-history-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps state in the git directory, or in an ignored .conveyor/runs without git', () => {
    assert.equal(pipelineStateDir('/repo/packages/api', { root: '/repo', gitDir: '/repo/.git' }), '/repo/.git/conveyor/packages/api');
    assert.equal(pipelineStateDir('/repo', { root: '/repo', gitDir: '/repo/.git' }), '/repo/.git/conveyor');
    assert.equal(pipelineStateDir('/plain', {}), '/plain/.conveyor/runs');
  });

  it('records runs newest first, bounded, pruning the logs of forgotten runs, and survives a corrupt file', async () => {
    const history = new RunHistory(path.join(dir, 'state'));
    mkdirSync(history.logsDir, { recursive: true });
    for (let i = 0; i < 33; i++) {
      const id = `run-${String(i).padStart(2, '0')}`;
      writeFileSync(history.logFileFor(id), 'log\n');
      await history.record(pipelineRun([stage('lint', 'passed')], { id, logFile: history.logFileFor(id) }));
    }
    const runs = await history.runs();
    assert.equal(runs.length, 30);
    assert.equal(runs[0].id, 'run-32');
    assert.equal(existsSync(history.logFileFor('run-02')), false, 'the log of a forgotten run is deleted');
    assert.equal(readdirSync(history.logsDir).length, 30);

    writeFileSync(path.join(dir, 'state', 'runs.json'), '{ not json');
    assert.deepEqual(await history.runs(), []);
  });

  const runNamed = (history: RunHistory, id: string) => aPipelineRun({ id, logFile: history.logFileFor(id) });
  const writeLog = (history: RunHistory, id: string) => {
    mkdirSync(history.logsDir, { recursive: true });
    writeFileSync(history.logFileFor(id), `log of ${id}\n`);
  };

  it('keeps every run when two processes record at the same moment (each read-change-write holds a lock)', async () => {
    // Two histories on one folder stand for the editor and the CLI: each reads, adds its run and writes.
    const editor = new RunHistory(path.join(dir, 'state'));
    const cli = new RunHistory(path.join(dir, 'state'));
    const ids = Array.from({ length: 20 }, (_, n) => `run-${String(n).padStart(2, '0')}`);
    await Promise.all(ids.map((id, n) => (n % 2 ? editor : cli).record(runNamed(editor, id))));
    assert.deepEqual((await editor.runs()).map((r) => r.id).sort(), ids);
    await Promise.all(ids.slice(0, 10).map((id, n) => (n % 2 ? editor : cli).markReady(`sha-${n}`, id)));
    assert.equal((await cli.readyCommits()).length, 10);
  });

  it("leaves the log of a run still going in another process, removes a dropped run's log and a day-old orphan", async () => {
    const history = new RunHistory(path.join(dir, 'state'));
    for (let n = 0; n < 30; n++) {
      writeLog(history, `old-${n}`);
      await history.record(runNamed(history, `old-${n}`));
    }
    writeLog(history, 'running-elsewhere');
    writeLog(history, 'died-yesterday');
    const dayAndAMinuteAgo = new Date(Date.now() - 24 * 60 * 60 * 1000 - 60_000);
    utimesSync(history.logFileFor('died-yesterday'), dayAndAMinuteAgo, dayAndAMinuteAgo);

    writeLog(history, 'new');
    await history.record(runNamed(history, 'new'));
    assert.equal(existsSync(history.logFileFor('old-0')), false, 'the run that fell out of the 30 kept lost its log');
    assert.equal(existsSync(history.logFileFor('old-1')), true);
    assert.equal(existsSync(history.logFileFor('new')), true);
    assert.equal(existsSync(history.logFileFor('running-elsewhere')), true, 'a log being written by another process stays');
    assert.equal(existsSync(history.logFileFor('died-yesterday')), false);
  });

  it('marks commits ready for release and finds them again', async () => {
    const history = new RunHistory(path.join(dir, 'plain', '.conveyor', 'runs'));
    assert.equal(await history.isReady('abc'), undefined);
    await history.markReady('abc', 'run-1');
    await history.markReady('def', 'run-2');
    assert.equal((await history.isReady('abc'))?.runId, 'run-1');
    assert.deepEqual(
      (await history.readyCommits()).map((c) => c.sha),
      ['def', 'abc'],
    );
    assert.ok(existsSync(path.join(dir, 'plain', '.conveyor', 'runs', '.gitignore')), 'state outside git is ignored by git');
  });
});
