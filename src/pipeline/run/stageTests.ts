import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { readTestReport } from '../reports/readTestReport';
import type { TestReportKind } from '../reports/readTestReport';
import type { TestReport } from '../reports/testReport';
import type { StageDefinition } from '../stageDefinition';
import type { StageTests } from './pipelineRun';
import { messageOf } from '../../core/errors';

const MAX_RESULTS = 5000;
const MAX_FAILURES = 100;
/** Surefire and Gradle write a report per test class: a large build has hundreds. */
const MAX_REPORT_FILES = 2000;
/** A report last written before the stage started (less this) is an earlier run's. */
const STALE_MS = 1000;

/**
 * The stage's JUnit or TAP report, when it declares one: a file, or a glob for a report per test class
 * (`**\/target/surefire-reports/TEST-*.xml`). An unreadable or stale report is reported, not thrown.
 */
export async function readStageTests(definition: StageDefinition, folder: string, stageStartedAt: number): Promise<StageTests | undefined> {
  const kind = definition.junit ? 'junit' : definition.tap ? 'tap' : undefined;
  const reportPath = definition.junit ?? definition.tap;
  if (!kind || !reportPath) return undefined;
  if (isDynamicPattern(reportPath)) return readMatchingReports(kind, reportPath, definition, folder, stageStartedAt);
  const reportFile = path.resolve(folder, reportPath);
  const modified = await fs.stat(reportFile).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  // A report left by an earlier run would show old results as if they were this run's.
  if (modified !== undefined && modified < stageStartedAt - STALE_MS) {
    return {
      ...noTests(reportFile),
      error: `${reportPath} was not updated by this run (last written ${new Date(modified).toLocaleString()})`,
    };
  }
  try {
    return stageTestsOf([await readTestReport(kind, reportPath, folder)], reportFile);
  } catch (error) {
    return { ...noTests(reportFile), error: messageOf(error) };
  }
}

/**
 * Every report the glob finds that this run wrote: Surefire leaves the reports of test classes since deleted
 * until `mvn clean`, so older ones are left out rather than reported. A report that cannot be read is named in
 * `error`; the others still count.
 */
async function readMatchingReports(
  kind: TestReportKind,
  pattern: string,
  definition: StageDefinition,
  folder: string,
  stageStartedAt: number,
): Promise<StageTests | undefined> {
  // Links are not followed, and a linked file is not read: a report is the folder's own (as conveyor.yml's paths are).
  const found = await glob(pattern, {
    cwd: folder,
    absolute: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: ['**/node_modules/**', '**/.git/**'],
  });
  const written = await Promise.all(
    found.sort().map(async (file) => {
      const stat = await fs.lstat(file).catch(() => undefined);
      return stat !== undefined && stat.isFile() && stat.mtimeMs >= stageStartedAt - STALE_MS;
    }),
  );
  const files = found.filter((_, i) => written[i]).slice(0, MAX_REPORT_FILES);
  if (files.length === 0) {
    // A detected test stage of a project without tests writes no report: nothing to show, nothing wrong.
    if (definition.source !== 'conveyor.yml') return undefined;
    return {
      ...noTests(path.resolve(folder, pattern)),
      error: `No ${kind === 'junit' ? 'JUnit' : 'TAP'} report matching ${pattern} was written by this run.`,
    };
  }
  const reports: TestReport[] = [];
  const errors: string[] = [];
  for (const file of files) {
    try {
      reports.push(await readTestReport(kind, file, folder));
    } catch (error) {
      errors.push(messageOf(error));
    }
  }
  const shown = reports.find((r) => r.counts.failed > 0)?.file ?? reports[0]?.file ?? files[0];
  const tests = stageTestsOf(reports, shown);
  if (errors.length > 0)
    tests.error = errors.length === 1 ? errors[0] : `${errors[0]} (and ${errors.length - 1} more reports could not be read)`;
  return tests;
}

function stageTestsOf(reports: TestReport[], reportFile: string): StageTests {
  const suites = reports.flatMap((report) => report.suites);
  const results = suites.flatMap((suite) =>
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
  const failures = suites.flatMap((suite) => suite.tests.filter((t) => t.outcome === 'failed').map((t) => ({ ...t, suite: suite.name })));
  const counts = { total: 0, passed: 0, failed: 0, skipped: 0 };
  for (const report of reports) for (const key of ['total', 'passed', 'failed', 'skipped'] as const) counts[key] += report.counts[key];
  return { counts, failures: failures.slice(0, MAX_FAILURES), results: results.slice(0, MAX_RESULTS), reportFile };
}

function noTests(reportFile: string): StageTests {
  return { counts: { total: 0, passed: 0, failed: 0, skipped: 0 }, failures: [], results: [], reportFile };
}
