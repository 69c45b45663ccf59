import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { readTestReport } from '../reports/readTestReport';
import type { TestReportKind } from '../reports/readTestReport';
import type { TestReport } from '../reports/testReport';
import type { StageDefinition } from '../stageDefinition';
import type { StageTests } from './pipelineRun';
import { messageOf } from '../../core/errors';
import { isFile, resolveInsideFolder } from '../../core/fsUtil';
import { moduleOfReport, testSourceCandidates } from '../jvmFrames';

const MAX_RESULTS = 5000;
const MAX_FAILURES = 100;
/** Surefire and Gradle write a report per test class: a large build has hundreds. */
const MAX_REPORT_FILES = 2000;
/** Reports are read one after the other up to this much in all (each one is bounded too: MAX_REPORT_BYTES). */
const MAX_TOTAL_REPORT_BYTES = 200 * 1024 * 1024;
/** A report last written before the stage started (less this) is an earlier run's. */
const STALE_MS = 1000;

/**
 * The stage's JUnit or TAP report, when it declares one: a file, or a glob for a report per test class
 * (`**\/target/surefire-reports/TEST-*.xml`). An unreadable or stale report is reported, not thrown.
 */
export async function readStageTests(
  definition: StageDefinition,
  folder: string,
  stageStartedAt: number,
  stagePassed = true,
): Promise<StageTests | undefined> {
  const kind = definition.junit ? 'junit' : definition.tap ? 'tap' : undefined;
  const reportPath = definition.junit ?? definition.tap;
  if (!kind || !reportPath) return undefined;
  const reportFile = path.resolve(folder, reportPath);
  const stageFolder = path.resolve(folder, definition.cwd ?? '.');
  const stat = await fs.stat(reportFile).catch(() => undefined);
  // A path that names a file is that file, even with glob characters in it (`reports (ci)/junit.xml`).
  if (!stat && isDynamicPattern(reportPath))
    return readMatchingReports(kind, reportPath, definition, folder, stageFolder, stageStartedAt, stagePassed);
  // A report left by an earlier run would show old results as if they were this run's.
  if (stat && stat.mtimeMs < stageStartedAt - STALE_MS) {
    return {
      ...noTests(reportFile),
      error: `${reportPath} was not updated by this run (last written ${new Date(stat.mtimeMs).toLocaleString()})`,
    };
  }
  try {
    const report = await readTestReport(kind, reportPath, folder, stageFolder);
    await addJvmSuiteFiles([report], stageFolder);
    return stageTestsOf([report], reportFile);
  } catch (error) {
    return { ...noTests(reportFile), error: messageOf(error) };
  }
}

/**
 * Every report the glob finds that this run wrote: Surefire leaves the reports of test classes since deleted
 * until `mvn clean`, so older ones are left out rather than reported. Reports that cannot be read, or past the
 * limits, are named in `warning`; the others still count.
 */
async function readMatchingReports(
  kind: TestReportKind,
  pattern: string,
  definition: StageDefinition,
  folder: string,
  stageFolder: string,
  stageStartedAt: number,
  stagePassed: boolean,
): Promise<StageTests | undefined> {
  const label = kind === 'junit' ? 'JUnit' : 'TAP';
  let files: { file: string; size: number }[];
  let olderCount: number;
  try {
    ({ files, olderCount } = await reportsWrittenSince(pattern, folder, stageStartedAt - STALE_MS));
  } catch (error) {
    return {
      ...noTests(path.resolve(folder, pattern)),
      error: `Could not look for ${label} reports matching ${pattern}: ${messageOf(error)}`,
    };
  }
  if (files.length === 0) {
    // A detected test stage of a project without tests writes no report: nothing to show, nothing wrong.
    if (definition.source !== 'conveyor.yml') return undefined;
    // Gradle writes none when its test task is up to date: the reports of the run that was are still there. (A stage
    // that failed may have stopped before its tests.)
    const older =
      olderCount === 0 || !stagePassed
        ? ''
        : ` (${olderCount} from an earlier run ${olderCount === 1 ? 'is' : 'are'} there: a test task that was up to date writes none)`;
    return { ...noTests(path.resolve(folder, pattern)), error: `No ${label} report matching ${pattern} was written by this run${older}.` };
  }
  const reports: TestReport[] = [];
  const problems: string[] = [];
  if (files.length > MAX_REPORT_FILES)
    problems.push(`${files.length - MAX_REPORT_FILES} of ${files.length} reports were left out (at most ${MAX_REPORT_FILES} are read)`);
  let bytes = 0;
  for (const { file, size } of files.slice(0, MAX_REPORT_FILES)) {
    if ((bytes += size) > MAX_TOTAL_REPORT_BYTES) {
      problems.push(`reports past ${MAX_TOTAL_REPORT_BYTES / 1024 / 1024} MB in all were left out`);
      break;
    }
    try {
      reports.push(await readTestReport(kind, file, folder, stageFolder));
    } catch (error) {
      problems.push(messageOf(error));
    }
  }
  await addJvmSuiteFiles(reports, stageFolder);
  const shown = reports.find((r) => r.counts.failed > 0)?.file ?? reports[0]?.file ?? files[0].file;
  const tests = stageTestsOf(reports, shown);
  if (problems.length > 0) tests.warning = problems.length === 1 ? problems[0] : `${problems[0]} (and ${problems.length - 1} more)`;
  return tests;
}

/**
 * The regular files the glob finds in the folder that were written at or after `since`, in path order. Links are
 * not followed and a file reached through one is not read: a report is the folder's own, as conveyor.yml's paths are.
 */
async function reportsWrittenSince(
  pattern: string,
  folder: string,
  since: number,
): Promise<{ files: { file: string; size: number }[]; olderCount: number }> {
  const found = await glob(process.platform === 'win32' ? pattern.replaceAll('\\', '/') : pattern, {
    cwd: folder,
    absolute: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    expandDirectories: false,
    ignore: ['**/node_modules/**', '**/.git/**'],
  });
  const written = await Promise.all(
    found.map(async (match) => {
      const file = path.resolve(match);
      const stat = await fs.lstat(file).catch(() => undefined);
      if (!stat?.isFile()) return undefined;
      if (stat.mtimeMs < since) return { file, size: stat.size, older: true };
      return (await resolveInsideFolder(folder, file)) ? { file, size: stat.size, older: false } : undefined;
    }),
  );
  const reports = written.filter((w) => w !== undefined);
  const files = reports
    .filter((r) => !r.older)
    .map(({ file, size }) => ({ file, size }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { files, olderCount: reports.length - files.length };
}

/**
 * Surefire, sbt and Gradle name no file for a test class: it is the class's file in the module's test sources, when
 * it is there, so each of its tests in the Testing view opens it (a failed one at its line). The module of a report
 * written outside `target` and `build` is the stage's folder; there only names that look like a JVM class are looked
 * up (a mocha suite's title is not one).
 */
async function addJvmSuiteFiles(reports: TestReport[], stageFolder: string): Promise<void> {
  const lookups = reports.flatMap((report) => {
    const reportModule = moduleOfReport(report.file);
    return report.suites
      .filter((suite) => suite.file === undefined)
      .map(async (suite) => {
        const className = suite.tests[0]?.className ?? suite.name;
        if (!reportModule && !JVM_CLASS_NAME.test(className)) return;
        for (const candidate of testSourceCandidates(className)) {
          const file = path.join(reportModule ?? stageFolder, candidate);
          if (await isFile(file)) {
            suite.file = file;
            return;
          }
        }
      });
  });
  await Promise.all(lookups);
}

/** `shop.CartTest`, `CartTest$Empty`: dotted identifiers, the class's own name capitalized as JVM classes are. */
const JVM_CLASS_NAME = /^(?:[\w$]+\.)*[A-Z][\w$]*$/;

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
