import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readTestReport } from '../reports/readTestReport';
import type { StageDefinition } from '../stageDefinition';
import type { StageTests } from './pipelineRun';
import { messageOf } from '../../core/errors';

const MAX_RESULTS = 5000;
const MAX_FAILURES = 100;

/** The stage's JUnit or TAP report, when it declares one; an unreadable or stale report is reported, not thrown. */
export async function readStageTests(definition: StageDefinition, folder: string, stageStartedAt: number): Promise<StageTests | undefined> {
  const kind = definition.junit ? 'junit' : definition.tap ? 'tap' : undefined;
  const reportPath = definition.junit ?? definition.tap;
  if (!kind || !reportPath) return undefined;
  const reportFile = path.resolve(folder, reportPath);
  const empty = { counts: { total: 0, passed: 0, failed: 0, skipped: 0 }, failures: [], results: [], reportFile };
  const modified = await fs.stat(reportFile).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  // A report left by an earlier run would show old results as if they were this run's.
  if (modified !== undefined && modified < stageStartedAt - 1000) {
    return { ...empty, error: `${reportPath} was not updated by this run (last written ${new Date(modified).toLocaleString()})` };
  }
  try {
    const report = await readTestReport(kind, reportPath, folder);
    const results = report.suites.flatMap((suite) =>
      suite.tests.map((t) => ({
        name: t.name,
        className: t.className,
        outcome: t.outcome,
        durationMs: t.durationMs,
        location: t.location,
        message: t.message,
        suite: suite.name,
        suiteFile: suite.file,
      })),
    );
    const failures = report.suites.flatMap((suite) =>
      suite.tests.filter((t) => t.outcome === 'failed').map((t) => ({ ...t, suite: suite.name })),
    );
    return { counts: report.counts, failures: failures.slice(0, MAX_FAILURES), results: results.slice(0, MAX_RESULTS), reportFile };
  } catch (error) {
    return { ...empty, error: messageOf(error) };
  }
}
