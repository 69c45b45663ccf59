import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeFolder } from '../../../src/loop/folderStatus';
import { pipelineStateDir, RunHistory } from '../../../src/pipeline/run/runHistory';
import { runPipeline } from '../../../src/pipeline/run/runPipeline';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

// A custom problemMatcher `^(a+)+$` on a 41-character line blocked `conveyor pipeline run` for 140 s and Stop
// waited; an invalid pattern and `timeout: "0s"` (no timeout at all) were taken silently (issue 20 item 12).
const CATASTROPHIC = String.raw`^(?:(\S+):(\d+): (.*)|(a+)+$)`;
const CONVEYOR_YML = (matcher: string, options: { timeout?: string; sleep?: number } = {}) =>
  [
    'pipeline:',
    '  security: false',
    '  stages:',
    '    - name: check',
    `      run: "echo 'src/app.ts:2: first'; printf 'a%.0s' $(seq 41); echo '!'; echo 'src/app.ts:3: after'; sleep ${options.sleep ?? 1}"`,
    `      timeout: ${options.timeout ?? '60s'}`,
    `      problemMatcher: { regexp: '${matcher}', file: 1, line: 2, message: 3 }`,
    '',
  ].join('\n');

describe('custom problem matchers on a real stage (integration, hardening)', function () {
  this.timeout(60_000);
  const sample = sampleWorkspaces();

  async function runWith(conveyorYml: string, onLine?: (line: string, stop: () => void) => void) {
    const ws = sample({ 'src/app.ts': 'one\ntwo\nthree\n', 'conveyor.yml': conveyorYml }, { git: true });
    const status = await describeFolder(ws.dir);
    assert.deepEqual(status.config.problems, []);
    const stop = new AbortController();
    return runPipeline({
      folder: status.folder,
      definition: status.pipeline,
      history: new RunHistory(pipelineStateDir(status.folder, status.git)),
      trigger: 'cli',
      signal: stop.signal,
      listener: { line: (_stage, line) => onLine?.(line, () => stop.abort()) },
    });
  }

  it('gives up on a catastrophic pattern after its budget and finishes the stage, keeping the problems before it', async () => {
    const started = Date.now();
    const run = await runWith(CONVEYOR_YML(CATASTROPHIC));
    assert.equal(run.result, 'passed');
    assert.ok(Date.now() - started < 15_000, `the run took ${Date.now() - started} ms`);
    assert.deepEqual(
      run.stages[0].problems.map((p) => p.line),
      [2],
    );
    assert.match(readFileSync(run.logFile, 'utf8'), /problemMatcher: the pattern took over 250 ms on one line/);
  });

  it('ends the stage at once on Stop while the pattern is stuck on a line', async () => {
    let stoppedAt = 0;
    const run = await runWith(CONVEYOR_YML(CATASTROPHIC, { sleep: 30 }), (line, stop) => {
      if (line.endsWith('!'))
        setTimeout(() => {
          stoppedAt = Date.now();
          stop();
        }, 50);
    });
    const stoppedIn = Date.now() - stoppedAt;
    assert.equal(run.result, 'cancelled');
    assert.ok(stoppedIn < 3_000, `Stop took ${stoppedIn} ms`);
  });

  it('reports an invalid pattern and a zero timeout in conveyor.yml at their lines', async () => {
    const ws = sample({ 'conveyor.yml': CONVEYOR_YML('(unclosed', { timeout: '"0s"' }) });
    const status = await describeFolder(ws.dir);
    assert.deepEqual(
      status.config.problems.map((p) => [p.range.start.line + 1, p.message.split(' (')[0]]),
      [
        [6, 'pipeline.stages[0].timeout must be: Seconds'],
        [7, 'pipeline.stages[0].problemMatcher.regexp is not a valid regular expression'],
      ],
    );
    assert.equal(status.pipeline.stages[0].timeoutSeconds, undefined);
    assert.equal(status.pipeline.stages[0].problemMatcher, undefined, 'the default matcher is used');
  });
});
