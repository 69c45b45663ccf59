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
 * A stage's problems as they are found: each once (some tools report a finding twice: Maven repeats every
 * compiler error in its build summary, and the editor would show both), at most `limit`, the rest counted.
 */
export class StageProblems {
  readonly found: Problem[] = [];
  dropped = 0;
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  add(problem: Problem): void {
    const { file, line, column, endLine, endColumn, severity, code, message, source } = problem;
    const key = JSON.stringify([file, line, column, endLine, endColumn, severity, code, message, source]);
    if (this.seen.has(key)) return;
    if (this.found.length >= this.limit) {
      this.dropped++;
      return;
    }
    this.seen.add(key);
    this.found.push(problem);
  }
}
