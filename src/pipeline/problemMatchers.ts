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
    case 'generic':
      // Every format read here has a colon (`file:line`, `): error`): most output lines are skipped at once.
      return { match: (line) => (line.includes(':') ? (matchTsc(line, at) ?? matchGeneric(line, at, source)) : undefined) };
  }
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
