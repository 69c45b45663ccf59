// The Ship view's rows and the status bar text, as plain data (no vscode): the current or last belt run with
// its stations and where each environment was left, then the recent runs.
import type { ViewNode } from '../../core/viewNode';
import { formatAge } from '../../core/formatAge';
import { formatDuration } from '../../core/formatDuration';
import type { BeltResult, BeltRun, EnvironmentState, StationRecord } from '../belt/beltRun';

export interface BeltViewState {
  trusted: boolean;
  /** Where the belt would go, in order (from delivery or the defaults). */
  environments: string[];
  /** A problem with delivery in conveyor.yml. */
  problem?: string;
  /** Newest first; the running one, if any, first. */
  runs: BeltRun[];
  now?: number;
}

const STATION_ICON: Record<StationRecord['result'], string> = {
  running: 'sync~spin',
  passed: 'pass:testing.iconPassed',
  failed: 'error:testing.iconFailed',
  skipped: 'circle-slash',
  stopped: 'debug-stop',
  declined: 'circle-outline',
};

const RESULT_ICON: Record<BeltResult, string> = {
  running: 'sync~spin',
  shipped: 'rocket:testing.iconPassed',
  waiting: 'pass:testing.iconPassed',
  'rolled-back': 'discard:testing.iconFailed',
  failed: 'error:testing.iconFailed',
  stopped: 'debug-stop',
  'nothing-to-release': 'circle-outline',
  declined: 'circle-outline',
};

const ENVIRONMENT_TEXT: Record<EnvironmentState, string> = {
  pending: 'not reached',
  deploying: 'deploying',
  verifying: 'verifying',
  verified: 'verified',
  'rolled-back': 'rolled back',
  failed: 'failed',
  declined: 'not promoted',
  stopped: 'left as it was',
};

export function beltNodes(folder: string, state: BeltViewState): ViewNode[] {
  const now = state.now ?? Date.now();
  const rows: ViewNode[] = [];
  if (state.problem)
    rows.push({
      id: `${folder}/belt/problem`,
      label: 'delivery in conveyor.yml',
      description: state.problem,
      icon: 'warning:list.warningForeground',
      tooltip: state.problem,
    });
  const [latest, ...older] = state.runs;
  // Nowhere to ship to and nothing shipped: the view's welcome text explains the belt instead.
  if (!latest && state.environments.length === 0) return rows;
  if (!latest) {
    rows.push({
      id: `${folder}/belt/route`,
      label: 'Ship',
      description: `pipeline → release → ${state.environments.join(' → ') || 'no environment'}`,
      icon: 'rocket',
      tooltip:
        'Ship runs the pipeline, releases the next version, then deploys and verifies it in each environment in turn, rolling back on a failed verification.',
      ...(state.trusted ? { command: { command: 'conveyor.ship', title: 'Ship', arguments: [folder] } } : {}),
    });
    return rows;
  }
  rows.push(runNode(folder, latest, now, true));
  if (older.length > 0) {
    rows.push({
      id: `${folder}/belt/history`,
      label: 'History',
      description: `${older.length} earlier run${older.length === 1 ? '' : 's'}`,
      icon: 'history',
      children: older.map((run) => runNode(folder, run, now, false)),
    });
  }
  return rows;
}

function runNode(folder: string, run: BeltRun, now: number, expanded: boolean): ViewNode {
  const version = run.release?.version ?? 'no release';
  const when = run.finishedAt ? formatAge(Date.parse(run.finishedAt), now) : `${formatDuration(now - Date.parse(run.startedAt))} so far`;
  const stations = run.stations.map((s, i): ViewNode => ({
    id: `${folder}/belt/${run.id}/station/${i}`,
    label: `${s.station}${s.environment ? ` ${s.environment}` : ''}`,
    description: [s.summary, s.finishedAt ? formatDuration(Date.parse(s.finishedAt) - Date.parse(s.startedAt)) : undefined]
      .filter(Boolean)
      .join(' · '),
    tooltip: s.summary,
    icon: STATION_ICON[s.result],
  }));
  const environments = run.environments.map((e): ViewNode => ({
    id: `${folder}/belt/${run.id}/env/${e.name}`,
    label: e.name,
    description: [ENVIRONMENT_TEXT[e.state], e.verdict?.summary, e.rollback ? `rollback: ${e.rollback}` : undefined]
      .filter(Boolean)
      .join(' · '),
    tooltip: e.verdict?.failure?.message ?? e.verdict?.summary,
    icon:
      e.state === 'verified'
        ? 'cloud:testing.iconPassed'
        : e.state === 'rolled-back' || e.state === 'failed'
          ? 'cloud:testing.iconFailed'
          : 'cloud',
    ...(e.verdict?.failure?.issue?.file && e.verdict.failure.issue.file.startsWith('/')
      ? { file: e.verdict.failure.issue.file, line: e.verdict.failure.issue.line }
      : {}),
  }));
  return {
    id: `${folder}/belt/${run.id}`,
    label: `${version} · ${run.result}`,
    description: when,
    tooltip: run.message,
    icon: RESULT_ICON[run.result],
    contextValue: run.result === 'running' ? 'conveyor.belt.running' : 'conveyor.belt.run',
    expanded,
    // Where each environment stands matters most, so it comes before the stations that got it there.
    children: [
      { id: `${folder}/belt/${run.id}/message`, label: run.message, icon: 'info', tooltip: run.message },
      ...environments,
      ...stations,
    ],
  };
}

/** `$(rocket) v1.5.0 · staging · verifying 0:42`: where the belt is, for the status bar. */
export function beltStatusText(run: BeltRun, now = Date.now()): string {
  const station = [...run.stations].reverse().find((s) => s.result === 'running') ?? run.stations.at(-1);
  const version = run.release?.version;
  if (run.result !== 'running') return `$(rocket) ${version ?? 'ship'} · ${run.result}`;
  const since = station ? formatClock(now - Date.parse(station.startedAt)) : '0:00';
  const doing =
    station?.station === 'verify'
      ? 'verifying'
      : station?.station === 'deploy'
        ? 'deploying'
        : station?.station === 'promote'
          ? 'waiting for promotion'
          : (station?.station ?? 'starting');
  return `$(rocket) ${[version, station?.environment, `${doing} ${since}`].filter(Boolean).join(' · ')}`;
}

function formatClock(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
