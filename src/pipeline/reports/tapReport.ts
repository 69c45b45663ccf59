import * as path from 'node:path';
import { Parser } from 'tap-parser';
import type { Result } from 'tap-parser';
import { displayPath, firstFrameInFolder, makeLocation, parseStackFrame, parseLocation } from './sourceLocation';
import type { SourceLocation } from './sourceLocation';
import { countTests } from './testReport';
import type { TestCaseResult, TestReport, TestSuiteResult } from './testReport';
import { isRecord } from '../../core/records';

/** A test point that is a test, with the names of the subtests around it, outermost first. */
interface CollectedTest {
  parents: string[];
  test: TestCaseResult;
}

interface Collector {
  folder: string;
  tests: CollectedTest[];
  failures: number;
}

/** Reads a TAP 13/14 report, such as `node --test --test-reporter=tap`, node-tap or tape write. */
export function parseTap(tapText: string, reportFile: string, folder: string): TestReport {
  const file = path.resolve(folder, reportFile);
  const shownFile = displayPath(file, folder);
  if (tapText.trim() === '') {
    throw new Error(`The TAP report ${shownFile} is empty: the test run probably stopped before it printed anything.`);
  }
  const collector: Collector = { folder, tests: [], failures: 0 };
  const parser = new Parser();
  collect(parser, [], collector);
  // tap-parser handles a whole string synchronously: every event has fired when end() returns.
  parser.end(tapText);
  checkStream(parser, collector, shownFile);
  const suites = groupIntoSuites(collector.tests, path.basename(file));
  return { format: 'tap', file, suites, counts: countTests(suites) };
}

function collect(parser: Parser, parents: readonly string[], collector: Collector): void {
  let failuresBeforeChild = collector.failures;
  parser.on('child', (child: Parser) => {
    failuresBeforeChild = collector.failures;
    collect(child, [...parents, child.name], collector);
  });
  parser.on('assert', (result: Result) => {
    const failedInside = collector.failures > failuresBeforeChild;
    failuresBeforeChild = collector.failures;
    // A test point that closes subtests, or that Node marks `type: suite` (a describe block), is not a
    // test. It is kept only when it failed with no failing test inside, e.g. a before() hook threw,
    // so that the failure is not lost.
    if (isContainer(result) && (result.ok || failedInside)) {
      return;
    }
    const test = testFromResult(result, collector.folder);
    collector.tests.push({ parents: [...parents], test });
    if (test.outcome === 'failed') {
      collector.failures++;
    }
  });
}

function isContainer(result: Result): boolean {
  return result.closingTestPoint || diagnosticsOf(result).type === 'suite';
}

function testFromResult(result: Result, folder: string): TestCaseResult {
  // `# TODO` tests are expected to fail and do not fail the run, so they count as skipped.
  const outcome = result.skip !== false || result.todo !== false ? 'skipped' : result.ok ? 'passed' : 'failed';
  const test: TestCaseResult = { name: result.name, outcome };
  const diag = diagnosticsOf(result);
  const duration = result.time ?? numberIn(diag, 'duration_ms');
  if (duration !== undefined) {
    test.durationMs = duration;
  }
  if (outcome === 'failed') {
    Object.assign(test, failureOf(diag, folder));
  }
  return test;
}

function failureOf(diag: Record<string, unknown>, folder: string): Pick<TestCaseResult, 'message' | 'details' | 'location'> {
  const failure: Pick<TestCaseResult, 'message' | 'details' | 'location'> = {};
  // node-tap and tape write `message`; Node's test runner writes `error`.
  const message = stringIn(diag, 'message') ?? stringIn(diag, 'error');
  const stack = stringIn(diag, 'stack');
  const location = failureLocation(diag, stack, folder);
  if (message !== undefined) {
    failure.message = message;
  }
  if (stack !== undefined) {
    failure.details = stack;
  }
  if (location !== undefined) {
    failure.location = location;
  }
  return failure;
}

/**
 * Most precise first: `at` is the assertion the harness caught; the first stack frame in the project is
 * the failing line for Node, whose `location` only says where the test was declared.
 */
function failureLocation(diag: Record<string, unknown>, stack: string | undefined, folder: string): SourceLocation | undefined {
  const location = stringIn(diag, 'location');
  return (
    atLocation(diag.at, folder) ??
    (stack === undefined ? undefined : firstFrameInFolder(stack, folder)) ??
    (location === undefined ? undefined : parseLocation(location, folder))
  );
}

/** tape writes `at` as a stack frame; node-tap as `{file, line, column}`, or `{fileName, lineNumber, columnNumber}` since v18. */
function atLocation(at: unknown, folder: string): SourceLocation | undefined {
  if (typeof at === 'string') {
    return parseStackFrame(at, folder);
  }
  if (!isRecord(at)) {
    return undefined;
  }
  const file = stringIn(at, 'file') ?? stringIn(at, 'fileName');
  const line = numberIn(at, 'line') ?? numberIn(at, 'lineNumber');
  const column = numberIn(at, 'column') ?? numberIn(at, 'columnNumber');
  return file === undefined || line === undefined ? undefined : makeLocation(file, line, column, folder);
}

/** Turns what tap-parser accepted into an Error when the stream cannot be trusted as a full run. */
function checkStream(parser: Parser, collector: Collector, shownFile: string): void {
  if (parser.bailedOut !== false) {
    const reason = typeof parser.bailedOut === 'string' && parser.bailedOut.trim() !== '' ? `: ${parser.bailedOut.trim()}` : '';
    throw new Error(`The TAP report ${shownFile} says "Bail out!"${reason}. The test run stopped early; fix that and run the stage again.`);
  }
  // tap-parser invents a "no tests found" plan when there is none, and marks it synthetic.
  const hasPlan = !parser.syntheticPlan && parser.planStart !== -1;
  if (!hasPlan && collector.tests.length === 0) {
    throw new Error(
      `The TAP report ${shownFile} is not TAP: it has no "ok"/"not ok" lines and no "1..N" plan. Is the stage's reporter set to tap?`,
    );
  }
  if (!hasPlan) {
    throw new Error(`The TAP report ${shownFile} ends without its "1..N" plan: the test run probably stopped before it finished.`);
  }
  const streamErrors = (parser.results?.failures ?? []).flatMap((failure) =>
    typeof failure.tapError === 'string' ? [failure.tapError] : [],
  );
  if (streamErrors.length > 0) {
    throw new Error(
      `The TAP report ${shownFile} is inconsistent (${[...new Set(streamErrors)].join(', ')}); planned ${planText(parser)}, found ${parser.count} test lines.`,
    );
  }
}

function planText(parser: Parser): string {
  return `${parser.planStart}..${parser.planEnd}`;
}

/** Suites are the top-level subtests; tests outside any subtest go in a suite named after the report. */
function groupIntoSuites(tests: readonly CollectedTest[], looseSuiteName: string): TestSuiteResult[] {
  const suites = new Map<string, TestSuiteResult>();
  for (const { parents, test } of tests) {
    const suiteName = parents[0] ?? looseSuiteName;
    const className = parents.filter((name) => name !== '').join(' > ');
    let suite = suites.get(suiteName);
    if (!suite) {
      suite = { name: suiteName, tests: [] };
      suites.set(suiteName, suite);
    }
    suite.tests.push(className === '' ? test : { ...test, className });
  }
  return [...suites.values()];
}

function diagnosticsOf(result: Result): Record<string, unknown> {
  const diag: unknown = result.diag;
  return isRecord(diag) ? diag : {};
}

function stringIn(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function numberIn(record: Record<string, unknown>, key: string): number | undefined {
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
