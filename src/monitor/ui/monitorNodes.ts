import type { ViewNode } from '../../core/viewNode';
import * as path from 'node:path';
import type { FolderStatus } from '../../loop/folderStatus';
import { isHttpUrl } from '../errors/errorModel';
import type { ErrorIssue, StackFrame, WorkspaceLocation } from '../errors/errorModel';
import type { FrameNote, UnmappedReason } from '../errors/frameMapping';
import { OUTPUT_FOLDERS } from '../errors/workspaceFiles';
import type { GoalConfig, UptimeCheckConfig } from '../../core/config/conveyorConfig';
import { formatAge } from '../../core/formatAge';
import type { UptimeStats } from '../uptime/uptimeStats';
import type { GoalProgress } from '../goals/goalHistory';
import { goalDirection } from '../goals/goalDirection';
import { withoutCredentials } from '../../core/http/urlCredentials';

/** Hosted Sentry's issues for a folder, as last loaded. */
export interface HostedErrorsState {
  /** The Sentry they came from (hostedErrorsSource): another one in conveyor.yml starts over. */
  source: string;
  issues: ErrorIssue[];
  loading: boolean;
  error?: string;
  needsSignIn?: boolean;
}

/** Which hosted Sentry a folder's issues come from: url, org, project and environment, or none. */
export function hostedErrorsSource(status: Pick<FolderStatus, 'monitor'>): string | undefined {
  const sentry = status.monitor.sentry;
  return sentry ? JSON.stringify([sentry.url ?? 'https://sentry.io', sentry.org, sentry.project, sentry.environment]) : undefined;
}

/**
 * The folders whose hosted issues no longer belong in the views: the folder left the workspace, or its
 * conveyor.yml names no Sentry or another one (their issues would otherwise stay, and mark lines, until reload).
 */
export function staleHostedFolders(
  hosted: ReadonlyMap<string, Pick<HostedErrorsState, 'source'>>,
  folders: Pick<FolderStatus, 'folder' | 'monitor'>[],
): string[] {
  const sources = new Map(folders.map((f) => [f.folder, hostedErrorsSource(f)]));
  return [...hosted].filter(([folder, state]) => sources.get(folder) !== state.source).map(([folder]) => folder);
}

export interface ErrorViewState {
  receiver: { dsn?: string; problem?: string; trusted: boolean };
  /** The local receiver's issues (workspace-wide). */
  localIssues: ErrorIssue[];
  hosted?: HostedErrorsState;
  /** Where an issue happened in the workspace, when a frame maps. */
  locationOf: (issueId: string) => WorkspaceLocation | undefined;
  /** An issue's frames that did not map (and why) or matched several files equally. */
  notesOf?: (issueId: string) => FrameNote[];
  /** The work item made from an issue (Create Work Item from Error), when there is one. */
  itemOf?: (issueId: string) => ErrorRowItem | undefined;
}

export interface ErrorRowItem {
  key: string;
  title?: string;
  url?: string;
}

const LEVEL_ICONS: Record<ErrorIssue['level'], string> = {
  fatal: 'error:errorForeground',
  error: 'bug:errorForeground',
  warning: 'warning:editorWarning.foreground',
  info: 'info',
  debug: 'debug',
};

/** "152 events · 14 users · 3 min ago". */
export function issueFacts(issue: ErrorIssue, now = Date.now()): string {
  const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
  return [plural(issue.count, 'event'), plural(issue.userCount, 'user'), formatAge(Date.parse(issue.lastSeen), now)].join(' · ');
}

/** `resolved in v1.5.0`, `regression`, or nothing while unresolved. */
export function issueStatusText(issue: ErrorIssue): string | undefined {
  if (issue.status === 'resolved') return `resolved in v${issue.resolvedIn}`;
  if (issue.status === 'regressed') return 'regression';
  return undefined;
}

function statusLine(issue: ErrorIssue, now: number): string | undefined {
  const when = issue.resolvedAt ? ` ${formatAge(Date.parse(issue.resolvedAt), now)}` : '';
  if (issue.status === 'resolved') return `Resolved in v${issue.resolvedIn}${when}: events from older releases keep it resolved`;
  if (issue.status === 'regressed')
    return `Regression: resolved in v${issue.resolvedIn}${when}, then sent again${issue.lastRelease ? ` by ${issue.lastRelease}` : ''}`;
  return undefined;
}

/** "Latest event trimmed: 9,950 frames, 18,874,368 characters", when the receiver cut it to its limits. */
function trimmingLine(issue: ErrorIssue): string | undefined {
  const trimmed = issue.latestEvent?.trimmed;
  if (!trimmed) return undefined;
  const parts = [
    trimmed.frames > 0 ? `${trimmed.frames.toLocaleString('en-US')} frames` : undefined,
    trimmed.characters > 0 ? `${trimmed.characters.toLocaleString('en-US')} characters` : undefined,
  ];
  return `Latest event trimmed: ${parts.filter(Boolean).join(', ')}`;
}

/** `http://127.0.0.1:5173/app.js:15:31348`: where a frame was, as reported; `short` keeps only a URL's file name. */
export function frameWhere(frame: StackFrame, short = false): string {
  const name = frame.filename ?? frame.absPath ?? frame.module ?? '?';
  const shown = short && isHttpUrl(name) ? name.replace(/[?#].*$/, '').replace(/^.*\//, '') : name;
  return `${shown}:${frame.lineno ?? '?'}${frame.colno ? `:${frame.colno}` : ''}`;
}

/** Why a frame did not map, in words; `relative` shortens workspace paths. */
export function unmappedText(reason: UnmappedReason, relative: (file: string) => string = (file) => file): string {
  switch (reason.kind) {
    case 'no-file':
      return `no workspace file ends with ${reason.path}${reason.searchStopped ? ' (the search stopped at its limit of files)' : ''}`;
    case 'no-source-map':
      return `${relative(reason.file)} is minified and has no source map for this line`;
    case 'sources-missing':
      return `the source map of ${relative(reason.file)} names ${relative(reason.source)}, which is not in the workspace`;
  }
}

/** The stated order in which equal matches of a URL are taken. */
export const MATCH_ORDER_TEXT = `${OUTPUT_FOLDERS.map((folder) => `${folder}/`).join(', ')}, then other folders; then the shortest path`;

function frameNode(folder: string, idPrefix: string, issue: ErrorIssue, note: FrameNote): ViewNode {
  const relative = (file: string) => (file.startsWith(folder + path.sep) ? path.relative(folder, file) : file);
  const { frame, resolution } = note;
  const where = frameWhere(frame, true);
  const base = {
    id: `${idPrefix}/frame/${note.frameIndex}`,
    label: `${frame.function ?? '<anonymous>'} ${where}`,
    ref: { kind: 'error-frame' as const, folder, id: issue.id, frameIndex: note.frameIndex },
  };
  if (resolution.unmapped) {
    const why = unmappedText(resolution.unmapped, relative);
    return {
      ...base,
      description: `unmapped: ${why}`,
      tooltip: [
        frameWhere(frame),
        `Not mapped to the workspace: ${why}.`,
        note.url ? 'Map URL to Folder… sets sentry.pathMappings in conveyor.yml for this URL.' : undefined,
      ]
        .filter(Boolean)
        .join('\n'),
      icon: 'question:editorWarning.foreground',
      contextValue: note.url ? 'errorFrame.unmapped.url' : 'errorFrame.unmapped',
    };
  }
  const chosen = resolution.location;
  const others = resolution.alsoMatched ?? [];
  return {
    ...base,
    description: `→ ${chosen ? `${relative(chosen.file)}:${chosen.line}` : '?'} · first of ${others.length + 1} equal matches`,
    tooltip: [
      frameWhere(frame),
      `${others.length + 1} files match it equally; the first in the order ${MATCH_ORDER_TEXT} was used:`,
      ...[chosen?.file, ...others]
        .filter((file): file is string => !!file)
        .map((file, index) => `${index === 0 ? '→' : ' '} ${relative(file)}`),
      note.url ? 'Map URL to Folder… picks another.' : undefined,
    ]
      .filter(Boolean)
      .join('\n'),
    icon: 'files',
    contextValue: note.url ? 'errorFrame.matched.url' : 'errorFrame.matched',
    file: chosen?.file,
    line: chosen?.line,
    column: chosen?.column,
  };
}

function issueNode(folder: string, idPrefix: string, issue: ErrorIssue, state: ErrorViewState, now: number): ViewNode {
  const location = state.locationOf(issue.id);
  const item = state.itemOf?.(issue.id);
  const notes = state.notesOf?.(issue.id) ?? [];
  const unmapped = notes.filter((note) => note.resolution.unmapped).length;
  const tooltip = [
    `${issue.shortId}: ${issue.title}`,
    statusLine(issue, now),
    issue.culprit ? `in ${issue.culprit}` : undefined,
    `${issueFacts(issue, now)}; first seen ${formatAge(Date.parse(issue.firstSeen), now)}${issue.firstRelease ? ` in ${issue.firstRelease}` : ''}`,
    issue.lastRelease ? `Last release: ${issue.lastRelease}` : undefined,
    location ? `${location.file}:${location.line}` : 'No frame maps to a file of this workspace',
    unmapped > 0 ? `${unmapped} frame${unmapped === 1 ? '' : 's'} unmapped: see below` : undefined,
    trimmingLine(issue),
    issue.source === 'sentry' ? 'From Sentry' : 'From the local receiver',
    item ? `Work item ${item.key}${item.title ? `: ${item.title}` : ''}${item.url ? `\n${item.url}` : ''}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  return {
    id: `${idPrefix}/${issue.id}`,
    label: issue.title,
    description: [item ? `→ ${item.key}` : undefined, issueStatusText(issue), issueFacts(issue, now)].filter(Boolean).join(' · '),
    tooltip,
    icon: LEVEL_ICONS[issue.level] ?? 'bug',
    contextValue: issue.url ? 'errorIssue.hosted' : 'errorIssue',
    ref: { kind: 'error', folder, id: issue.id },
    command: { command: 'conveyor.errors.openIssue', title: 'Go to Code', arguments: [issue.id] },
    ...(notes.length > 0
      ? { children: notes.map((note) => frameNode(folder, `${idPrefix}/${issue.id}`, issue, note)), expanded: unmapped > 0 }
      : {}),
  };
}

/** A folder's issues, most recently seen first: the local ones whose stack maps into it (or nowhere), and its Sentry's. */
export function issuesOfFolder(folder: string, state: ErrorViewState): ErrorIssue[] {
  const inFolder = (issue: ErrorIssue) => {
    const location = state.locationOf(issue.id);
    return !location || location.file.startsWith(folder + path.sep) || location.file === folder;
  };
  return [...state.localIssues.filter(inFolder), ...(state.hosted?.issues ?? [])].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
}

/** Issues grouped by release and by file, newest first; the local receiver's row first. */
export function errorNodes(status: FolderStatus, state: ErrorViewState, now = Date.now()): ViewNode[] {
  const base = `${status.folder}/errors`;
  const nodes: ViewNode[] = [];
  const { receiver } = state;
  // Nothing to show yet: the view's welcome text explains the receiver and offers to start it.
  if (!receiver.dsn && !receiver.problem && state.localIssues.length === 0 && !status.monitor.sentry) return [];
  nodes.push({
    id: `${base}/receiver`,
    label: 'Local receiver',
    description:
      receiver.dsn ??
      (receiver.problem ? 'not running: see tooltip' : receiver.trusted ? 'stopped · click to start' : 'waits for workspace trust'),
    tooltip: receiver.dsn
      ? `Set SENTRY_DSN=${receiver.dsn} in your app: its errors appear here and next to the code. Click to copy the DSN.`
      : (receiver.problem ?? "A Sentry-compatible receiver on 127.0.0.1: start it and point your app's SENTRY_DSN at it."),
    icon: receiver.dsn ? 'radio-tower:testing.iconPassed' : receiver.problem ? 'error:errorForeground' : 'radio-tower',
    contextValue: receiver.dsn ? 'errorReceiver.running' : 'errorReceiver.stopped',
    command: { command: 'conveyor.errors.copyDsn', title: 'Copy Local Sentry DSN' },
  });
  const hosted = state.hosted;
  if (status.monitor.sentry) {
    const sentry = status.monitor.sentry;
    const name = `Sentry ${[sentry.org, sentry.project].filter(Boolean).join('/')}`;
    if (hosted?.error) {
      nodes.push({
        id: `${base}/sentry`,
        label: name,
        description: hosted.needsSignIn ? 'sign in' : 'could not load',
        tooltip: hosted.error,
        icon: hosted.needsSignIn ? 'account' : 'warning',
        contextValue: 'errorSentry',
        command: hosted.needsSignIn
          ? { command: 'conveyor.errors.signIn', title: 'Sign in to Sentry', arguments: [status.folder] }
          : undefined,
      });
    } else {
      nodes.push({
        id: `${base}/sentry`,
        label: name,
        description: hosted?.loading ? 'loading…' : `${hosted?.issues.length ?? 0} issues`,
        tooltip: sentry.url ?? 'https://sentry.io',
        icon: 'cloud',
        contextValue: 'errorSentry',
      });
    }
  }
  const all = issuesOfFolder(status.folder, state);
  // As in Sentry, resolved issues leave the lists; they wait in a collapsed group in case one comes back.
  const issues = all.filter((issue) => issue.status !== 'resolved');
  const resolved = all.filter((issue) => issue.status === 'resolved');
  const resolvedGroup: ViewNode[] = resolved.length
    ? [
        {
          id: `${base}/resolved`,
          label: 'Resolved',
          description: `${resolved.length} issue${resolved.length === 1 ? '' : 's'}`,
          icon: 'pass',
          children: resolved.map((issue) => issueNode(status.folder, `${base}/resolved`, issue, state, now)),
        },
      ]
    : [];
  if (issues.length === 0) return [...nodes, ...resolvedGroup];

  const releases = new Map<string, ErrorIssue[]>();
  for (const issue of issues) {
    const release = issue.lastRelease ?? issue.latestEvent?.release ?? 'No release';
    releases.set(release, [...(releases.get(release) ?? []), issue]);
  }
  nodes.push({
    id: `${base}/by-release`,
    label: 'By release',
    icon: 'tag',
    expanded: true,
    children: [...releases].map(([release, list]) => ({
      id: `${base}/by-release/${release}`,
      label: release,
      description: `${list.length} issue${list.length === 1 ? '' : 's'}`,
      icon: 'versions',
      expanded: true,
      children: list.map((issue) => issueNode(status.folder, `${base}/by-release/${release}`, issue, state, now)),
    })),
  });
  const files = new Map<string, ErrorIssue[]>();
  for (const issue of issues) {
    const file = state.locationOf(issue.id)?.file;
    if (file) files.set(file, [...(files.get(file) ?? []), issue]);
  }
  if (files.size > 0) {
    nodes.push({
      id: `${base}/by-file`,
      label: 'By file',
      icon: 'files',
      children: [...files].map(([file, list]) => ({
        id: `${base}/by-file/${file}`,
        label: path.relative(status.folder, file) || path.basename(file),
        description: `${list.length} issue${list.length === 1 ? '' : 's'}`,
        icon: 'file-code',
        file,
        children: list.map((issue) => issueNode(status.folder, `${base}/by-file/${file}`, issue, state, now)),
      })),
    });
  }
  return [...nodes, ...resolvedGroup];
}

/** An uptime check with what its history says. */
export interface UptimeRow {
  check: UptimeCheckConfig;
  stats: UptimeStats;
}

export interface UptimeViewState {
  rows: UptimeRow[];
  /** Probes wait for workspace trust. */
  trusted: boolean;
}

const STATUS_ICONS = { up: 'pass-filled:testing.iconPassed', down: 'error:testing.iconFailed', unknown: 'circle-large-outline' } as const;

export function formatPercent(value: number | undefined): string {
  if (value === undefined) return '–';
  // 99.95 % would round up to a misleading 100 %.
  return `${value >= 99.95 && value < 100 ? value.toFixed(2) : value.toFixed(1)}%`;
}

export function uptimeNodes(status: FolderStatus, state: UptimeViewState, now = Date.now()): ViewNode[] {
  return state.rows.map(({ check, stats }) => {
    const last = stats.lastResult;
    const summary =
      stats.lastStatus === 'unknown'
        ? state.trusted
          ? 'not probed yet'
          : 'waits for workspace trust'
        : [
            stats.lastStatus,
            formatPercent(stats.uptime24h),
            stats.p50LatencyMs === undefined ? undefined : `${Math.round(stats.p50LatencyMs)} ms`,
          ]
            .filter(Boolean)
            .join(' · ');
    const tooltip = [
      `${check.name}: ${withoutCredentials(check.url)}`,
      `Every ${check.interval ?? 60} s, timeout ${check.timeout ?? 10} s, expects ${check.expectStatus ?? '2xx'}${check.keyword ? `, keyword "${check.keyword}"` : ''}`,
      last
        ? `Last probe ${formatAge(last.at, now)}: ${last.ok ? `up, ${last.status ?? ''} in ${Math.round(last.latencyMs)} ms` : `down: ${last.reason ?? 'failed'}`}`
        : 'Not probed yet',
      `Uptime: ${formatPercent(stats.uptime24h)} (24 h), ${formatPercent(stats.uptime7d)} (7 d)`,
      `Latency (24 h): p50 ${stats.p50LatencyMs === undefined ? '–' : `${Math.round(stats.p50LatencyMs)} ms`}, p95 ${stats.p95LatencyMs === undefined ? '–' : `${Math.round(stats.p95LatencyMs)} ms`}`,
      stats.lastChangeAt ? `${stats.lastStatus === 'down' ? 'Down' : 'Up'} since ${formatAge(stats.lastChangeAt, now)}` : undefined,
    ]
      .filter(Boolean)
      .join('\n');
    return {
      id: `${status.folder}/uptime/${check.name}`,
      label: check.name,
      description: stats.lastStatus === 'down' && last?.reason ? `down · ${last.reason}` : summary,
      tooltip,
      icon: STATUS_ICONS[stats.lastStatus],
      contextValue: 'uptimeCheck',
      ref: { kind: 'uptime-check', folder: status.folder, name: check.name },
      file: status.config.file,
    };
  });
}

export interface GoalRow {
  goal: GoalConfig;
  /** Undefined until the history is loaded. */
  progress?: GoalProgress;
  measuring: boolean;
}

export interface GoalViewState {
  rows: GoalRow[];
  trusted: boolean;
}

const GOAL_UNITS: Partial<Record<NonNullable<GoalConfig['metric']>, string>> = { lcp: 'ms', tbt: 'ms', performance: '/100' };

/** What a goal's number counts: `/100` for a Lighthouse score, `ms` for LCP and TBT; none for CLS or JSON values. */
export function goalUnit(goal: GoalConfig): string | undefined {
  return goal.source === 'lighthouse' ? GOAL_UNITS[goal.metric ?? 'performance'] : undefined;
}

/** `1,234 ms`, `0.05`, `92/100`. */
export function formatGoalValue(goal: GoalConfig, value: number | undefined): string {
  if (value === undefined) return '–';
  const unit = goalUnit(goal);
  const number = Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 1000) / 1000);
  return unit === '/100' ? `${number}/100` : unit ? `${number} ${unit}` : number;
}

const TREND_ARROWS = { better: '↗', worse: '↘', flat: '→', unknown: '' } as const;

export function goalNodes(status: FolderStatus, state: GoalViewState, now = Date.now()): ViewNode[] {
  return state.rows.map(({ goal, progress, measuring }) => {
    const target =
      goal.target === undefined ? '' : `target ${goalDirection(goal) === 'down' ? '≤' : '≥'} ${formatGoalValue(goal, goal.target)}`;
    const value = progress?.value;
    const description = measuring
      ? 'measuring…'
      : value === undefined
        ? progress?.lastError
          ? `failed: ${progress.lastError}`
          : state.trusted
            ? 'not measured yet'
            : 'waits for workspace trust'
        : [`${formatGoalValue(goal, value)} ${TREND_ARROWS[progress?.trend ?? 'unknown']}`.trim(), target].filter(Boolean).join(' · ');
    const tooltip = [
      `${goal.name}: ${goal.source === 'lighthouse' ? `Lighthouse ${goal.metric ?? 'performance'}` : `${goal.valuePath ?? 'value'} from JSON`}${goal.url ? ` of ${goal.url}` : ''}`,
      value === undefined
        ? 'Not measured yet'
        : `Now ${formatGoalValue(goal, value)}${progress?.measuredAt ? ` (${formatAge(progress.measuredAt, now)})` : ''}${progress?.previous !== undefined ? `, before ${formatGoalValue(goal, progress.previous)}` : ''}`,
      target
        ? `${target[0].toUpperCase()}${target.slice(1)}: ${progress?.met === undefined ? 'not known yet' : progress.met ? 'met' : 'not met'}`
        : undefined,
      progress?.lastError ? `Last measurement failed: ${progress.lastError}` : undefined,
      progress && progress.recent.length > 1
        ? `Last ${progress.recent.length}: ${progress.recent.map((v) => formatGoalValue(goal, v)).join(', ')}`
        : undefined,
    ]
      .filter(Boolean)
      .join('\n');
    const icon = measuring
      ? 'sync~spin'
      : progress?.met === true
        ? 'pass-filled:testing.iconPassed'
        : progress?.met === false
          ? 'warning:editorWarning.foreground'
          : 'graph-line';
    return {
      id: `${status.folder}/goals/${goal.name}`,
      label: goal.name,
      description,
      tooltip,
      icon,
      contextValue: 'goal',
      ref: { kind: 'goal', folder: status.folder, name: goal.name },
      file: status.config.file,
    };
  });
}

/**
 * The release now running is the one the newest event came from; its "new" errors are the issues first seen in
 * it (or, without releases, those seen in the last 24 hours).
 */
export function newErrors(all: readonly ErrorIssue[], now = Date.now()): { release?: string; issues: ErrorIssue[] } {
  const issues = all.filter((i) => i.status !== 'resolved');
  const newest = [...issues].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen))[0];
  const release = newest?.lastRelease ?? newest?.latestEvent?.release;
  if (release) return { release, issues: issues.filter((i) => (i.firstRelease ?? i.latestEvent?.release) === release) };
  return { issues: issues.filter((i) => now - Date.parse(i.lastSeen) < 24 * 3_600_000) };
}

/**
 * The prefix Map URL to Folder maps: the URL up to its file's folder, without query or hash
 * (`http://127.0.0.1:5173/assets/app.js?v=2` → `http://127.0.0.1:5173/assets/`).
 */
export function urlFolderPrefix(url: string): string {
  const bare = url.replace(/[?#].*$/, '');
  return bare.slice(0, bare.lastIndexOf('/') + 1);
}
