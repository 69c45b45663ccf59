/**
 * A row of a Conveyor tree view as plain data, so each stage builds its rows without importing vscode
 * (and the builders are unit-tested in plain Node); one generic provider turns them into TreeItems.
 */
export interface ViewNode {
  /** Stable across refreshes, so expansion and selection survive. */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** Codicon id, e.g. `check`, optionally with a theme colour id: `error:testing.iconFailed`. */
  icon?: string;
  contextValue?: string;
  /** Absolute path of a file the row stands for (opens on click when no command is given). */
  file?: string;
  /** 1-based position to reveal when the file opens. */
  line?: number;
  column?: number;
  command?: { command: string; title: string; arguments?: unknown[] };
  children?: ViewNode[];
  expanded?: boolean;
}
