/** A position in a text file, 0-based like VS Code's Position. */
export interface TextPosition {
  line: number;
  character: number;
}

export interface TextRange {
  start: TextPosition;
  end: TextPosition;
}

/** One thing wrong with conveyor.yml, located where the user has to fix it. */
export interface ConfigProblem {
  message: string;
  severity: 'error' | 'warning';
  range: TextRange;
}

/** `conveyor.yml:3:5: error: …` — 1-based, the form compilers and editors understand. */
export function formatProblem(file: string, problem: ConfigProblem): string {
  const { line, character } = problem.range.start;
  return `${file}:${line + 1}:${character + 1}: ${problem.severity}: ${problem.message}`;
}
