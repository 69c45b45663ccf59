/** Test results read from a stage's JUnit XML or TAP report, in one shape whatever the format. */
export interface TestReport {
  format: 'junit' | 'tap';
  /** The report file, absolute. */
  file: string;
  suites: TestSuiteResult[];
  counts: TestCounts;
}

export interface TestSuiteResult {
  name: string;
  /** Source file of the suite when the report names it (JUnit `file` attribute), absolute. */
  file?: string;
  tests: TestCaseResult[];
}

export interface TestCaseResult {
  name: string;
  /** `classname` in JUnit, the parent subtest names in TAP. */
  className?: string;
  outcome: 'passed' | 'failed' | 'skipped';
  durationMs?: number;
  /** For failures: the assertion message and the stack or diagnostic text. */
  message?: string;
  details?: string;
  /** Where the failure happened, when the report or the stack trace says (absolute file, 1-based line/column). */
  location?: { file: string; line: number; column?: number };
  /** What the test printed, when the report keeps it (JUnit `<system-out>`/`<system-err>`). */
  output?: string;
}

export interface TestCounts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts the listed tests; parsers add what a report declares but does not list. */
export function countTests(suites: readonly TestSuiteResult[]): TestCounts {
  const counts: TestCounts = { total: 0, passed: 0, failed: 0, skipped: 0 };
  for (const test of suites.flatMap((suite) => suite.tests)) {
    counts.total++;
    counts[test.outcome]++;
  }
  return counts;
}
