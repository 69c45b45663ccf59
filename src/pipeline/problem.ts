/** A finding at a place in a file: a compiler error, a lint warning, a failed test, a leaked secret. */
export interface Problem {
  /** Absolute path. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based; 1 when the tool does not say. */
  column: number;
  endLine?: number;
  endColumn?: number;
  severity: ProblemSeverity;
  message: string;
  /** Rule or error code, e.g. `no-unused-vars`, `TS2322`, `aws-access-key-id`. */
  code?: string;
  /** What found it, e.g. `eslint`, `tsc`, `secret-scan`, `npm audit`. */
  source: string;
}

export type ProblemSeverity = 'error' | 'warning' | 'info';

/**
 * The problems without repeats, in order: some tools report a finding twice (Maven repeats every compiler
 * error in its build summary), and the editor would show each twice.
 */
export function distinctProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const { file, line, column, endLine, endColumn, severity, code, message, source } = problem;
    const key = JSON.stringify([file, line, column, endLine, endColumn, severity, code, message, source]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
