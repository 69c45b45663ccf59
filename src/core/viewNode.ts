import { isRecord } from './records';

/**
 * What a row stands for, typed, so a command reads it instead of parsing the row's id. The builders set it;
 * a context-menu command receives the row, a click command the row too unless it names its own arguments.
 */
export type ViewRef =
  | { kind: 'work-item'; folder: string; key: string }
  | { kind: 'commit'; folder: string; sha: string }
  | { kind: 'pipeline-stage'; folder: string; stage: string }
  | { kind: 'pipeline-run'; folder: string; runId: string; logFile: string }
  | { kind: 'ci-provider'; folder: string; provider: 'github' | 'jenkins' }
  | { kind: 'ci-workflow'; folder: string; workflow: string }
  | { kind: 'ci-run'; folder: string; runId: string }
  | { kind: 'ci-job'; folder: string; runId: string; jobId: string }
  | { kind: 'jenkins-job'; folder: string; job: string }
  | { kind: 'jenkins-build'; folder: string; job: string; build: number }
  | { kind: 'release'; folder: string; tag: string; image?: { repository: string; digest: string } }
  | { kind: 'environment'; folder: string; env: string }
  | { kind: 'deployment'; folder: string; env: string; name: string; workloadKind: 'Deployment' | 'StatefulSet' | 'DaemonSet' }
  | { kind: 'pod'; folder: string; env: string; deployment: string; name: string }
  | { kind: 'port-forward'; folder: string; env: string; id: string }
  | { kind: 'infrastructure'; folder: string }
  | { kind: 'error'; folder: string; id: string }
  | { kind: 'error-frame'; folder: string; id: string; frameIndex: number }
  | { kind: 'uptime-check'; folder: string; name: string }
  | { kind: 'goal'; folder: string; name: string };

export type ViewRefKind = ViewRef['kind'];

/** The refs of the kinds named. */
export type RefOf<K extends ViewRefKind> = Extract<ViewRef, { kind: K }>;

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
  /** What the row stands for, for the commands run on it. */
  ref?: ViewRef;
  /** Absolute path of a file the row stands for (opens on click when no command is given). */
  file?: string;
  /** 1-based position to reveal when the file opens. */
  line?: number;
  column?: number;
  command?: { command: string; title: string; arguments?: unknown[] };
  children?: ViewNode[];
  expanded?: boolean;
}

/** The command a click on the row runs: one without its own arguments gets the row, so its `ref` arrives. */
export function clickCommand(node: ViewNode): ViewNode['command'] {
  return node.command && { ...node.command, arguments: node.command.arguments ?? [node] };
}

/**
 * The ref a command was given: a row (from a context menu or a click) carrying one, or a ref itself (the kanban
 * passes one). Only the kinds named count; with none named, any ref does.
 */
export function refOf<K extends ViewRefKind>(arg: unknown, kinds?: readonly K[]): RefOf<K> | undefined {
  const ref = isRecord(arg) && isRecord(arg.ref) ? arg.ref : arg;
  if (!isRecord(ref) || typeof ref.kind !== 'string' || typeof ref.folder !== 'string') return undefined;
  if (kinds && !kinds.includes(ref.kind as K)) return undefined;
  return ref as RefOf<K>;
}
