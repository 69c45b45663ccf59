// Pure functions that turn a stage's output lines into Problems (diagnostics at file:line:col).
import * as path from 'node:path';
import type { ProblemMatcherConfig } from '../core/config/conveyorConfig';
import type { Problem, ProblemSeverity } from './problem';

export type BuiltInMatcherName = Extract<ProblemMatcherConfig, string>;

export interface ProblemMatcher {
  /** A problem when this line reports one. Matchers may keep state between lines (eslint's file headers). */
  match(line: string): Problem | undefined;
}

// `src/a.ts(3,7): error TS2322: …` (plain) and `src/a.ts:3:7 - error TS2322: …` (--pretty).
const TSC_PLAIN = /^(.+?)\((\d+),(\d+)\): (error|warning|message) (TS\d+): (.*)$/;
const TSC_PRETTY = /^(.+?):(\d+):(\d+) - (error|warning|message) (TS\d+): (.*)$/;
// eslint's default "stylish" format: a file header line, then `  3:7  error  message  rule-id`.
const ESLINT_ROW = /^\s+(\d+):(\d+)\s+(error|warning)\s+(.*?)(?:\s{2,}(\S+))?$/;
const ESLINT_FILE = /^(\/\S.*|[A-Za-z]:\\.*)$/;
// `file:line:col: message`, `file:line: message`, with an optional `error:`/`warning:` (gcc, go, eslint unix, mypy…).
const GENERIC = /^\s*(?:\.\/)?([^\s:()'"`]+?\.[A-Za-z0-9]+):(\d+)(?::(\d+))?:?\s+(?:(error|warning|note|info)\s*:?\s+)?(.*\S.*)$/i;

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
// minitest (rake test): `CalculatorTest#test_add [test/calculator_test.rb:6]:`, then the expectation.
const MINITEST_FAILURE = /^(\S+#\S+) \[(.+?):(\d+)\]:$/;

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
      const rust = rustMatcher(at, source);
      const minitest = minitestMatcher(at, source);
      // Every format read here has a colon (`file:line`, `): error`): most output lines are skipped at once.
      return {
        match: (line) =>
          rust.match(line) ??
          minitest.match(line) ??
          (line.includes(':') ? (matchTsc(line, at) ?? matchGeneric(line, at, source)) : undefined),
      };
    }
  }
}

/** A failed minitest assertion: its test and location on one line, what was expected on the next. */
function minitestMatcher(at: (file: string) => string, source: string): ProblemMatcher {
  let failure: RegExpExecArray | undefined;
  return {
    match(line) {
      if (failure) {
        const [, test, file, lineNo] = failure;
        failure = undefined;
        return { file: at(file), line: Number(lineNo), column: 1, severity: 'error', message: `${test}: ${line.trim()}`, source };
      }
      if (line.endsWith(']:') && line.includes('#')) failure = MINITEST_FAILURE.exec(line) ?? undefined;
      return undefined;
    },
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
