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
