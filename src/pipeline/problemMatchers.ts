// Pure functions that turn a stage's output lines into Problems (diagnostics at file:line:col).
import * as path from 'node:path';
import type { ProblemMatcherConfig } from '../core/config/conveyorConfig';
import { isInside } from '../core/fsUtil';
import { isFrameOf, parseJvmFrame, testSourcePath } from './jvmFrames';
import type { Problem, ProblemSeverity } from './problem';
import { toAbsolutePath } from './reports/sourceLocation';

export type BuiltInMatcherName = Extract<ProblemMatcherConfig, string>;

export interface ProblemMatcher {
  /**
   * A problem when this line reports one, or the problems of earlier lines that this one completes (go test
   * names a failure's package only after its lines); an empty list when the line was read and is not one.
   * Matchers may keep state between lines (eslint's file headers).
   */
  match(line: string): Problem | Problem[] | undefined;
  /** Problems still held when the output ends (one whose explanation might have gone on). */
  finish?(): Problem[];
}

// `src/a.ts(3,7): error TS2322: …` (plain) and `src/a.ts:3:7 - error TS2322: …` (--pretty).
const TSC_PLAIN = /^(.+?)\((\d+),(\d+)\): (error|warning|message) (TS\d+): (.*)$/;
const TSC_PRETTY = /^(.+?):(\d+):(\d+) - (error|warning|message) (TS\d+): (.*)$/;
// eslint's default "stylish" format: a file header line, then `  3:7  error  message  rule-id`.
const ESLINT_ROW = /^\s+(\d+):(\d+)\s+(error|warning)\s+(.*?)(?:\s{2,}(\S+))?$/;
const ESLINT_FILE = /^(\/\S.*|[A-Za-z]:\\.*)$/;
// `file:line:col: message`, `file:line: message`, with an optional `error:`/`warning:` (gcc, go, eslint unix, mypy…).
const GENERIC = /^\s*(?:\.\/)?([^\s:()'"`]+?\.[A-Za-z0-9]+):(\d+)(?::(\d+))?:?\s+(?:(error|warning|note|info)\s*:?\s+)?(.*\S.*)$/i;

// Kotlin through Gradle or Maven: `e: file:///abs/App.kt:3:27 Unresolved reference 'x'.` (Kotlin 1.8 and later,
// sometimes with a colon after the column), `e: /abs/App.kt: (3, 27): Unresolved reference: x` (before) and
// `e: /abs/build.gradle.kts:32:5: message` (Gradle's Kotlin DSL); `w:` for warnings.
const KOTLIN = /^([ew]): (file:\/\/\S+?|\S.*?\.kts?)(?::(\d+):(\d+):?|: \((\d+), (\d+)\):) (.*\S.*)$/;
// Maven's compiler plugin: `[ERROR] /abs/src/main/java/demo/App.java:[3,16] cannot find symbol`, then javac's
// explanation, indented: bare in the compiler's section (`  symbol:   variable x`), after `[ERROR]` in the
// build's summary, which repeats every error.
const MAVEN = /^\[(ERROR|WARNING)\] (\S.*?\.java):\[(\d+),(\d+)\] (.*\S.*)$/;
const MAVEN_DETAIL = /^(\[(?:ERROR|WARNING)\] )? {2,}(\S.*?)\s*$/;
/** javac explains an error in up to four lines (symbol, location; required, found, reason). */
const MAVEN_EXPLANATION_LINES = 6;
// Surefire's failed tests (mvn test): `[ERROR] total(shop.CartTest)  Time elapsed: 0.01 s  <<< FAILURE!` (JUnit 4),
// `[ERROR] shop.CartTest.total -- Time elapsed: …` (JUnit 5 on Surefire 3), `[ERROR] total  Time elapsed: …` (JUnit 5
// on Surefire 2, the class named by `Running shop.CartTest` before), without `[ERROR]` before Maven 3.5; then the
// exception, its message over one line or more, and its stack, a frame a line: `\tat shop.CartTest.total(CartTest.java:11)`.
const SUREFIRE_RUNNING = /^(?:\[INFO\] )?Running ([\w$.]+)$/;
// A parameterized test's name carries its parameters and index: `total[0]` (JUnit 4), `total(int)[1]`, `total{int}[1]`.
const TEST_METHOD = String.raw`[\w$]+(?:\([^)]*\)|\{[^}]*\})?(?:\[[^\]]*\])?`;
const SUREFIRE_FAILED = new RegExp(
  String.raw`^(?:\[ERROR\] )?(?:(${TEST_METHOD})\(([\w$.]+)\)|([\w$.]+)\.(${TEST_METHOD})|(${TEST_METHOD}))\s+(?:-- )?Time elapsed: .*<<< (?:FAILURE|ERROR)!$`,
);
/** Lines a failed test's exception and stack may take before the test's own frame is given up on. */
const SUREFIRE_STACK_LINES = 80;
const SUREFIRE_MESSAGE_LINES = 10;

const ESLINT_UNIX_SUFFIX = /^(.*?)\s+\[(Error|Warning)\/([^\]\s]+)\]$/;

// rustc (cargo build, clippy): `error[E0425]: message`, then ` --> src/lib.rs:3:9` on the next line.
const RUST_HEADER = /^(error|warning)(?:\[([A-Z]\d{4})\])?: (.*\S.*)$/;
const RUST_LOCATION = /^\s*--> (.+?):(\d+):(\d+)$/;
// A failing test's panic (cargo test): since Rust 1.73 `thread 'name' (id) panicked at src/lib.rs:11:9:` with
// the message on the next line; before, `thread 'name' panicked at 'message', src/lib.rs:11:9`, the message
// possibly over several lines.
const RUST_PANIC = /^thread '(.*?)'(?: \(\d+\))? panicked at (.+?):(\d+):(\d+):$/;
const RUST_QUOTED_PANIC = /^thread '(.*?)' panicked at '(.*)$/;
const RUST_QUOTED_PANIC_END = /', (\S+?):(\d+):(\d+)$/;
const RUST_QUOTED_PANIC_LINES = 20;
// go test: a failed test's lines, `    cart_test.go:8: message`, name the file without its folder; the package
// comes after them, `FAIL\texample.com/shop/internal/cart\t0.002s` (`_/abs/dir` outside a module and GOPATH).
const GO_TEST_STARTED = /^=== (RUN|CONT|NAME)\s+(\S+)/;
const GO_TEST_ENDED = /^\s*--- (FAIL|PASS|SKIP): (\S+)/;
const GO_TEST_LINE = /^ {4,}([\w.+-]+\.go):(\d+): (.*\S.*)$/;
const GO_TEST_PACKAGE = /^(FAIL|ok)\s+(\S+)/;
const GO_TEST_MAX_PENDING = 500;
// A test's panic: `panic: message`, then the goroutine's stack, a function line and a `\t/abs/file.go:7 +0x1a`
// line per frame; the first frame in the stage's folder (not Go's own testing and runtime, nor a dependency's)
// is where it panicked.
const GO_PANIC = /^panic: (.*?)(?: \[recovered\])?$/;
const GO_FRAME = /^\t(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$/;
// pytest: a failure's section `____ test_total ____`, its `E   assert 6 == 5` lines, then where it failed,
// `tests/test_cart.py:5: AssertionError` (the exception's name; an entry of the traceback has none).
const PYTEST_SECTION = /^_{3,} (\S.*?) _{3,}$/;
const PYTEST_EXPLANATION = /^E\s+(\S.*)$/;
const PYTEST_LOCATION = /^(\S+\.py):(\d+): ([A-Za-z_][\w.]*)$/;
// minitest (rake test): `CalculatorTest#test_add [test/calculator_test.rb:6]:`, then the expectation.
const MINITEST_FAILURE = /^(\S+#\S+) \[(.+?):(\d+)\]:$/;
// A test that raised: `  2) Error:`, `CartTest#test_empty:`, `NoMethodError: message`, then the backtrace,
// `    /abs/lib/cart.rb:3:in `total'` (Ruby 3.4: `in 'Cart#total'`), innermost first.
const MINITEST_REPORT = /^\s*\d+\) (Failure|Error):$/;
const MINITEST_ERROR_TEST = /^(\S+#\S+):$/;
const RUBY_FRAME = /^\s+(\S+?\.rb):(\d+):in [`']/;
/** Lines an error's message and backtrace may take before its frame in the folder is given up on. */
const MINITEST_ERROR_LINES = 60;
// RuboCop's default, emacs and clang formats: `lib/cart.rb:3:5: W: [Correctable] Lint/UselessAssignment: message`.
const RUBOCOP = /^(\S+?):(\d+):(\d+): ([IRCWEF]): (?:\[(?:Correctable|Corrected|Todo)\] )?([A-Z]\w*(?:\/\w+)+): (.*\S.*)$/;

/** A built-in matcher; a user's pattern runs in a worker (stageMatcher.ts). */
export function createProblemMatcher(config: BuiltInMatcherName | undefined, cwd: string, source: string): ProblemMatcher {
  const at = (file: string) => path.resolve(cwd, file);
  switch (config ?? 'generic') {
    case 'none':
      return { match: () => undefined };
    case 'tsc':
      return { match: (line) => matchTsc(line, at) };
    case 'eslint':
      return eslintMatcher(at, source);
    case 'generic': {
      const maven = mavenMatcher(at, source);
      const surefire = surefireMatcher(at, source);
      const rust = rustMatcher(at, source);
      const minitest = minitestMatcher(at, cwd, source);
      const goTest = goTestMatcher(at, cwd, source);
      const pytest = pytestMatcher(at, source);
      // Every format read here has a colon (`file:line`, `): error`): most output lines are skipped at once.
      return {
        finish: () => maven.finish(),
        match: (line) =>
          maven.match(line) ??
          surefire.match(line) ??
          rust.match(line) ??
          minitest.match(line) ??
          goTest.match(line) ??
          pytest.match(line) ??
          (line.includes(':')
            ? (matchTsc(line, at) ?? matchKotlin(line, cwd, source) ?? matchRubocop(line, at, source) ?? matchGeneric(line, at, source))
            : undefined),
      };
    }
  }
}

/**
 * go test's failures: held until their package's line, then at `<import path>/<file>` under the stage's folder,
 * which the engine maps to the package's folder through go.mod (src/core/goModules.ts). Only the lines of tests
 * that failed count: with -v every test's logs are printed too, and `--- FAIL` comes after them.
 */
function goTestMatcher(at: (file: string) => string, cwd: string, source: string): ProblemMatcher {
  let test = '';
  let pending: { test: string; file: string; line: number; message: string }[] = [];
  const failed = new Set<string>();
  let panic: { message: string; found: boolean } | undefined;
  const inFolder = (file: string) => isInFolder(cwd, file, 'vendor');
  return {
    match(line) {
      const frame = panic && line.startsWith('\t') ? GO_FRAME.exec(line) : undefined;
      if (panic && frame) {
        const file = at(frame[1]);
        if (panic.found || !inFolder(file)) return [];
        panic.found = true;
        const message = `${test ? `${test} ` : ''}panicked: ${panic.message}`;
        return { file, line: Number(frame[2]), column: 1, severity: 'error', message, source };
      }
      const panicked = line.startsWith('panic: ') ? GO_PANIC.exec(line) : undefined;
      if (panicked) {
        panic ??= { message: panicked[1], found: false };
        return [];
      }
      const started = line.startsWith('=== ') ? GO_TEST_STARTED.exec(line) : undefined;
      const ended = started ? undefined : line.includes('--- ') ? GO_TEST_ENDED.exec(line) : undefined;
      if (started || ended) {
        // Without -v a failed test's lines follow its `--- FAIL`; with -v they follow its `=== RUN`.
        test = (started ?? ended)![2];
        if (ended?.[1] === 'FAIL') failed.add(test);
        return [];
      }
      const reported = line.startsWith('    ') ? GO_TEST_LINE.exec(line) : undefined;
      if (reported) {
        if (pending.length < GO_TEST_MAX_PENDING)
          pending.push({ test, file: reported[1], line: Number(reported[2]), message: reported[3] });
        return [];
      }
      const done = pending.length > 0 || panic ? GO_TEST_PACKAGE.exec(line) : undefined;
      if (!done) return undefined;
      const [, result, pkg] = done;
      const folder = pkg.startsWith('_/') ? pkg.slice(1) : pkg;
      const problems = pending
        .filter((p) => result === 'FAIL' && (failed.has(p.test) || !p.test))
        .map((p): Problem => ({
          file: at(path.posix.join(folder, p.file)),
          line: p.line,
          column: 1,
          severity: 'error',
          message: p.test ? `${p.test}: ${p.message}` : p.message,
          source,
        }));
      pending = [];
      failed.clear();
      test = '';
      panic = undefined;
      return problems;
    },
  };
}

/** A pytest failure where it was raised, with its test's name and pytest's explanation (`assert 6 == 5`). */
function pytestMatcher(at: (file: string) => string, source: string): ProblemMatcher {
  let test: string | undefined;
  let explanation: string | undefined;
  return {
    match(line) {
      if (line.startsWith('E ')) {
        explanation ??= PYTEST_EXPLANATION.exec(line)?.[1];
        return undefined;
      }
      const section = line.startsWith('___') ? PYTEST_SECTION.exec(line) : undefined;
      if (section) {
        test = section[1];
        explanation = undefined;
        return undefined;
      }
      const location = test && line.includes('.py:') ? PYTEST_LOCATION.exec(line) : undefined;
      if (!location) return undefined;
      const message = `${test}: ${explanation ?? location[3]}`;
      explanation = undefined;
      return { file: at(location[1]), line: Number(location[2]), column: 1, severity: 'error', message, source };
    },
  };
}

/**
 * Whether `file` is under `cwd` and not in one of its `excluded` folders (Go's vendor, a bundle's gems):
 * the frame to show is the project's own code, not a library's.
 */
function isInFolder(cwd: string, file: string, ...excluded: string[]): boolean {
  return (
    isInside(cwd, file) &&
    !path
      .relative(cwd, file)
      .split(path.sep)
      .some((part) => excluded.includes(part))
  );
}

/**
 * minitest's failures and errors. A failed assertion names its test and location on one line, what was
 * expected on the next. A test that raised names its test, then the exception, then the backtrace: the
 * problem goes where it was raised in the project (the first frame in the folder), as for pytest.
 */
function minitestMatcher(at: (file: string) => string, cwd: string, source: string): ProblemMatcher {
  let failure: RegExpExecArray | undefined;
  let error: { test?: string; exception?: string; linesLeft: number } | undefined;
  return {
    match(line) {
      if (failure) {
        const [, test, file, lineNo] = failure;
        failure = undefined;
        return { file: at(file), line: Number(lineNo), column: 1, severity: 'error', message: `${test}: ${line.trim()}`, source };
      }
      const report = line.endsWith(':') ? MINITEST_REPORT.exec(line) : undefined;
      // The next report ends an error whose backtrace had no frame in the folder.
      if (error && !report) return readError(line);
      error = report?.[1] === 'Error' ? { linesLeft: MINITEST_ERROR_LINES } : undefined;
      if (line.endsWith(']:') && line.includes('#')) failure = MINITEST_FAILURE.exec(line) ?? undefined;
      return undefined;
    },
  };

  /** The lines after `N) Error:`, until the first frame in the folder; none there within the limit, nothing. */
  function readError(line: string): Problem | undefined {
    const reading = error!;
    if (--reading.linesLeft <= 0) error = undefined;
    if (reading.test === undefined) {
      const test = MINITEST_ERROR_TEST.exec(line);
      if (test) reading.test = test[1];
      else error = undefined;
      return undefined;
    }
    if (reading.exception === undefined) {
      reading.exception = line.trim();
      return undefined;
    }
    const frame = line.startsWith(' ') ? RUBY_FRAME.exec(line) : undefined;
    if (!frame || !isInFolder(cwd, at(frame[1]), 'vendor', 'gems')) return undefined;
    error = undefined;
    return {
      file: at(frame[1]),
      line: Number(frame[2]),
      column: 1,
      severity: 'error',
      message: `${reading.test}: ${reading.exception}`,
      source,
    };
  }
}

/**
 * Surefire's failed and erroring tests, at the test's line: the frame of the test class in the exception's stack
 * (an assertion's line, or the call into the code that raised), as the Java test runners show a failure. The
 * file is where Maven keeps test sources, `src/test/<java|kotlin|groovy|scala>/<package>/` (jvmFrames.ts).
 */
function surefireMatcher(at: (file: string) => string, source: string): ProblemMatcher {
  let running: string | undefined;
  let failed: { testClass: string; test: string; message: string[]; inStack: boolean; linesLeft: number } | undefined;
  return {
    match(line) {
      const started = line.endsWith('!') && line.includes('Time elapsed') ? SUREFIRE_FAILED.exec(line) : undefined;
      const [, junit4Method, junit4Class, qualifiedClass, qualifiedMethod, bareMethod] = started ?? [];
      const testClass = junit4Class ?? qualifiedClass ?? running;
      if (started && testClass) {
        const test = junit4Method ?? qualifiedMethod ?? bareMethod;
        failed = { testClass, test, message: [], inStack: false, linesLeft: SUREFIRE_STACK_LINES };
        return [];
      }
      if (line.includes('Running ')) running = SUREFIRE_RUNNING.exec(line)?.[1] ?? running;
      // Maven's next log line, or a blank line after the stack, ends it: the stack had no frame of the test.
      if (!failed || --failed.linesLeft <= 0 || line.startsWith('[') || (failed.inStack && line.trim() === '')) {
        failed = undefined;
        return undefined;
      }
      const frame = parseJvmFrame(line);
      if (!frame) {
        // `java.lang.AssertionError: expected:<5> but was:<6>`: the exception by its simple name, and the lines of its message.
        if (!failed.inStack && failed.message.length < SUREFIRE_MESSAGE_LINES)
          failed.message.push(failed.message.length === 0 ? line.trim().replace(/^(?:[a-z_$][\w$]*\.)+(?=[A-Z])/, '') : line.trim());
        return [];
      }
      failed.inStack = true;
      if (!isFrameOf(frame, failed.testClass)) return [];
      const { testClass: failedClass, test, message } = failed;
      failed = undefined;
      const packageLength = failedClass.split('$')[0].lastIndexOf('.') + 1;
      return {
        file: at(testSourcePath(frame)),
        line: frame.line,
        column: 1,
        severity: 'error',
        message: `${failedClass.slice(packageLength).replaceAll('$', '.')}.${test}: ${message.filter(Boolean).join('\n')}`,
        source,
      };
    },
  };
}

/** RuboCop's offenses; its severities as the Ruby LSP shows them (conventions and refactorings as information). */
function matchRubocop(line: string, at: (file: string) => string, source: string): Problem | undefined {
  const m = RUBOCOP.exec(line);
  if (!m) return undefined;
  const [, file, lineNo, column, severity, cop, message] = m;
  return {
    file: at(file),
    line: Number(lineNo),
    column: Number(column),
    severity: severity === 'W' ? 'warning' : severity === 'E' || severity === 'F' ? 'error' : 'info',
    message,
    code: cop,
    source,
  };
}

/** rustc's diagnostics and Rust test panics, whose file and line come on another line than the message. */
function rustMatcher(at: (file: string) => string, source: string): ProblemMatcher {
  let header: { severity: ProblemSeverity; code?: string; message: string } | undefined;
  let panic: { thread: string; location: string[] } | undefined;
  let quotedPanic: { thread: string; message: string; linesLeft: number } | undefined;
  /** A problem at `[file, line, column]` as the regular expressions captured them. */
  const problemAt = ([file, lineNo, column]: string[], severity: ProblemSeverity, message: string, code?: string): Problem => ({
    file: at(file),
    line: Number(lineNo),
    column: Number(column),
    severity,
    message,
    ...(code ? { code } : {}),
    source,
  });
  return {
    match(line) {
      if (header) {
        const location = RUST_LOCATION.exec(line);
        const { severity, code, message } = header;
        header = undefined;
        if (location) return problemAt(location.slice(1), severity, message, code);
      }
      if (panic) {
        const { thread, location } = panic;
        panic = undefined;
        return problemAt(location, 'error', `${thread} panicked: ${line.trim()}`);
      }
      if (quotedPanic) {
        const end = RUST_QUOTED_PANIC_END.exec(line);
        const { thread, message } = quotedPanic;
        if (end) {
          quotedPanic = undefined;
          return problemAt(end.slice(1), 'error', `${thread} panicked: ${message}`);
        }
        if (--quotedPanic.linesLeft === 0) quotedPanic = undefined;
        return undefined;
      }
      if (line.startsWith('error') || line.startsWith('warning')) {
        const m = RUST_HEADER.exec(line);
        if (m) header = { severity: severityOf(m[1]), code: m[2], message: m[3] };
      } else if (line.startsWith('thread ')) {
        const m = RUST_PANIC.exec(line);
        if (m) panic = { thread: m[1], location: m.slice(2) };
        const quoted = m ? undefined : RUST_QUOTED_PANIC.exec(line);
        if (quoted) {
          // The whole panic on one line, or its first line.
          const end = RUST_QUOTED_PANIC_END.exec(quoted[2]);
          if (end) return problemAt(end.slice(1), 'error', `${quoted[1]} panicked: ${quoted[2].slice(0, end.index)}`);
          quotedPanic = { thread: quoted[1], message: quoted[2], linesLeft: RUST_QUOTED_PANIC_LINES };
        }
      }
      return undefined;
    },
  };
}

function matchTsc(line: string, at: (file: string) => string): Problem | undefined {
  const m = TSC_PLAIN.exec(line) ?? TSC_PRETTY.exec(line);
  if (!m) return undefined;
  return { file: at(m[1]), line: Number(m[2]), column: Number(m[3]), severity: severityOf(m[4]), message: m[6], code: m[5], source: 'tsc' };
}

function eslintMatcher(at: (file: string) => string, source: string): ProblemMatcher {
  let currentFile: string | undefined;
  return {
    match(line) {
      const row = ESLINT_ROW.exec(line);
      if (row && currentFile) {
        return {
          file: currentFile,
          line: Number(row[1]),
          column: Number(row[2]),
          severity: severityOf(row[3]),
          message: row[4],
          code: row[5],
          source: 'eslint',
        };
      }
      if (ESLINT_FILE.test(line)) currentFile = at(line.trim());
      else if (line.trim() === '') currentFile = undefined;
      // `--format unix` and compact output are file:line:col too.
      return matchGeneric(line, at, source);
    },
  };
}

/**
 * Maven's compiler errors and warnings, each with javac's explanation lines (`symbol: variable x`, `location:
 * class App`) joined to its message: the summary's copy of an error then equals the first, and the engine keeps
 * one. A problem is held until the next Maven problem or the end of the output; its explanation ends at the first
 * line that is not one (other lines are left to the other matchers).
 */
function mavenMatcher(at: (file: string) => string, source: string): ProblemMatcher & { finish(): Problem[] } {
  let held: { problem: Problem; explanation: string[]; explaining: boolean; prefixed?: boolean } | undefined;
  const release = (): Problem[] => {
    if (!held) return [];
    const { problem, explanation } = held;
    held = undefined;
    return [explanation.length === 0 ? problem : { ...problem, message: [problem.message, ...explanation].join('\n') }];
  };
  return {
    match(line) {
      if (held?.explaining) {
        const detail = held.explanation.length < MAVEN_EXPLANATION_LINES ? MAVEN_DETAIL.exec(line) : undefined;
        // Bare in the compiler's section, after `[ERROR]` in the summary: one error's lines are all of one kind.
        const prefixed = detail?.[1] !== undefined;
        if (detail && (held.prefixed ?? prefixed) === prefixed) {
          held.prefixed = prefixed;
          // javac aligns the explanation in columns; one space reads the same in a diagnostic.
          held.explanation.push(detail[2].replace(/\s{2,}/g, ' '));
          return [];
        }
        held.explaining = false;
      }
      const m = line.startsWith('[') ? MAVEN.exec(line) : undefined;
      if (!m) return undefined;
      const done = release();
      const problem: Problem = {
        file: at(m[2]),
        line: Number(m[3]),
        column: Number(m[4]),
        severity: severityOf(m[1]),
        message: m[5],
        source,
      };
      held = { problem, explanation: [], explaining: true };
      return done;
    },
    finish: release,
  };
}

function matchKotlin(line: string, cwd: string, source: string): Problem | undefined {
  const m = line.charCodeAt(1) === 0x3a ? KOTLIN.exec(line) : undefined;
  // A file URL of another machine (file://host/…) names no file here.
  const file = m ? toAbsolutePath(m[2], cwd) : undefined;
  if (!m || !file) return undefined;
  const [, severity, , lineNo, column, oldLine, oldColumn, message] = m;
  return {
    file,
    line: Number(lineNo ?? oldLine),
    column: Number(column ?? oldColumn),
    severity: severity === 'w' ? 'warning' : 'error',
    message,
    source,
  };
}

function matchGeneric(line: string, at: (file: string) => string, source: string): Problem | undefined {
  const m = GENERIC.exec(line);
  // A bare name (main.c, setup.py) is a file at the root; a host:port line that looks like one is dropped later,
  // with every problem whose file does not exist.
  if (!m || m[1].includes('://')) return undefined;
  const [, file, lineNo, column, severity, text] = m;
  // eslint's unix format ends with `[Warning/no-console]`: its severity and rule.
  const unix = severity ? undefined : ESLINT_UNIX_SUFFIX.exec(text);
  return {
    file: at(file),
    line: Number(lineNo),
    column: column ? Number(column) : 1,
    severity: severity ? severityOf(severity) : unix ? severityOf(unix[2]) : 'error',
    message: unix ? unix[1] : text,
    ...(unix ? { code: unix[3] } : {}),
    source,
  };
}

export function severityOf(word: string): ProblemSeverity {
  const lower = word.toLowerCase();
  if (lower.startsWith('warn')) return 'warning';
  if (lower === 'note' || lower === 'info' || lower === 'message' || lower === 'hint') return 'info';
  return 'error';
}
