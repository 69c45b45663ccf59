// The Trace view's rows, as plain data (no vscode): the chain of one work item, commit, release or error
// through the loop, one section per stage in the loop's order, each row opening its own thing, then what the
// records do not say.
import { formatAge } from '../../core/formatAge';
import type { ViewNode } from '../../core/viewNode';
import type { LoopTrace, TracedEnvironment, TracedRun } from '../trace/loopTrace';

/** What the board knows of an item the trace names (its title, status and page). */
export interface TraceItemDetail {
  title: string;
  status: string;
  url?: string;
  /** The local board file and the item's line in it. */
  file?: string;
  line?: number;
}

/** A remote CI run (GitHub Actions, Jenkins) of one of the traced commits, as the CI view last fetched it. */
export interface TraceCiRun {
  provider: 'github' | 'jenkins';
  name: string;
  number: number;
  state: string;
  commit?: string;
  url: string;
  startedAt?: string;
}

export interface TraceViewState {
  trace?: LoopTrace;
  /** CI runs of the traced commits. */
  ciRuns?: readonly TraceCiRun[];
  /** What is being traced right now (`SHOP-12`), while the records are read. */
  tracing?: string;
  /** Why the last trace could not be made. */
  problem?: string;
  /** Board details of the traced items, by key. */
  itemDetails?: ReadonlyMap<string, TraceItemDetail>;
  now?: number;
}

const NOUN: Record<LoopTrace['query']['kind'], string> = { item: 'Work item', commit: 'Commit', release: 'Release', error: 'Error' };

const RUN_ICON: Record<TracedRun['result'], string> = {
  passed: 'pass:testing.iconPassed',
  failed: 'error:testing.iconFailed',
  cancelled: 'debug-stop',
  running: 'sync~spin',
};

const CI_ICON: Record<string, string> = {
  passed: 'pass:testing.iconPassed',
  failed: 'error:testing.iconFailed',
  running: 'sync~spin',
  queued: 'clock',
  cancelled: 'debug-stop',
};

const OUTCOME_TEXT: Record<TracedEnvironment['outcome'], string> = {
  verified: 'verified',
  'rolled-back': 'rolled back',
  failed: 'failed',
  stopped: 'stopped',
  'in-progress': 'deploying',
};

export function traceNodes(folder: string, state: TraceViewState): ViewNode[] {
  const id = (suffix: string) => `${folder}/trace/${suffix}`;
  if (state.tracing)
    return [
      { id: id('tracing'), label: `Tracing ${state.tracing}…`, icon: 'sync~spin', tooltip: 'Reading tags, runs, belt records and errors' },
    ];
  if (state.problem)
    return [
      { id: id('problem'), label: 'Trace failed', description: state.problem, tooltip: state.problem, icon: 'error:errorForeground' },
    ];
  const { trace } = state;
  if (!trace) return [];
  const now = state.now ?? Date.now();
  const header: ViewNode = {
    id: id('query'),
    label: `${NOUN[trace.query.kind]} ${trace.query.value}`,
    description: trace.found ? summaryOf(trace) : 'nothing on record',
    tooltip: trace.found
      ? `The trace of ${trace.query.value} through this folder's records`
      : `Nothing is known of ${trace.query.value} in this folder's records`,
    icon: 'type-hierarchy-sub',
  };
  if (!trace.found) return [header, ...gapRows(id, trace)];
  return [
    header,
    section(
      id('items'),
      'Work items',
      trace.items.map((item) => {
        const detail = state.itemDetails?.get(item.key);
        const openable = detail?.file
          ? { file: detail.file, ...(detail.line ? { line: detail.line } : {}) }
          : detail?.url
            ? { command: { command: 'vscode.open', title: 'Open Item', arguments: [detail.url] } }
            : {};
        return {
          id: id(`item/${item.key}`),
          label: detail ? `${item.key} ${detail.title}` : item.key,
          description: [detail?.status, ...item.branches.map((b) => `⎇ ${b}`)].filter(Boolean).join(' · ') || undefined,
          tooltip: `${item.key}${detail ? `: ${detail.title}\nStatus: ${detail.status}${detail.url ? `\n${detail.url}` : ''}` : ''}${item.branches.length > 0 ? `\nBranches: ${item.branches.join(', ')}` : ''}`,
          icon: 'issues',
          contextValue: 'trace.workItem',
          ref: { kind: 'work-item', folder, key: item.key },
          ...openable,
        };
      }),
    ),
    section(
      id('commits'),
      'Commits',
      trace.commits.map((commit) => ({
        id: id(`commit/${commit.sha}`),
        label: commit.subject || commit.sha.slice(0, 7),
        description: `${commit.sha.slice(0, 7)} · ${commit.release ? `v${commit.release}` : 'not released'}`,
        tooltip: `${commit.sha}\n${commit.subject}${commit.authoredAt ? `\nWritten ${commit.authoredAt}` : '\nGit no longer has this commit'}`,
        icon: 'git-commit',
        contextValue: 'trace.commit',
        ref: { kind: 'commit', folder, sha: commit.sha },
        command: { command: 'conveyor.trace.openCommit', title: 'Open Commit', arguments: [folder, commit.sha] },
      })),
    ),
    section(
      id('runs'),
      'Pipeline runs',
      trace.runs.map((run) => ({
        id: id(`run/${run.id}`),
        label: run.id,
        description: [run.result, run.commit?.slice(0, 7), run.readyForRelease ? 'marked ready' : undefined, ageOf(run.startedAt, now)]
          .filter(Boolean)
          .join(' · '),
        tooltip: `Run ${run.id}: ${run.result}${run.commit ? ` on ${run.commit}` : ''}\nStarted ${run.startedAt}`,
        icon: RUN_ICON[run.result],
        ...(run.logFile
          ? {
              ref: { kind: 'pipeline-run' as const, folder, runId: run.id, logFile: run.logFile },
              command: { command: 'conveyor.pipeline.openLog', title: 'Open Log', arguments: [run.logFile] },
            }
          : {}),
      })),
    ),
    section(
      id('ci'),
      'CI runs',
      (state.ciRuns ?? []).map((run) => ({
        id: id(`ci/${run.provider}/${run.name}/${run.number}`),
        label: `${run.name} #${run.number}`,
        description: [run.state, run.commit?.slice(0, 7), run.startedAt ? ageOf(run.startedAt, now) : undefined]
          .filter(Boolean)
          .join(' · '),
        tooltip: `${run.provider === 'github' ? 'GitHub Actions' : 'Jenkins'} ${run.name} #${run.number}: ${run.state}\n${run.url}`,
        icon: CI_ICON[run.state] ?? 'circle-outline',
        command: { command: 'vscode.open', title: 'Open in Browser', arguments: [run.url] },
      })),
    ),
    section(
      id('releases'),
      'Releases',
      trace.releases.map((release) => ({
        id: id(`release/${release.tag}`),
        label: release.tag,
        description: release.tagMissing
          ? 'tag missing'
          : [
              release.image && release.digest ? `${release.image}@${release.digest.slice(7, 19)}` : release.image,
              release.commit?.slice(0, 7),
            ]
              .filter(Boolean)
              .join(' · ') || undefined,
        tooltip: [
          release.tag,
          release.commit && `Commit ${release.commit}`,
          release.testedCommit && `Tested commit ${release.testedCommit}`,
          release.readyRun && `Found ready by run ${release.readyRun}`,
          release.image && `Image ${release.image}${release.digest ? `@${release.digest}` : ''}`,
          release.createdAt && `Released ${release.createdAt}`,
          release.tagMissing && 'The tag is gone: known from the belt records only',
        ]
          .filter(Boolean)
          .join('\n'),
        icon: release.tagMissing ? 'tag:list.warningForeground' : 'tag',
        contextValue: 'trace.release',
        ref: { kind: 'release', folder, tag: release.tag },
        ...(release.tagMissing
          ? {}
          : { command: { command: 'conveyor.trace.openCommit', title: 'Show Release', arguments: [folder, release.tag] } }),
      })),
    ),
    section(
      id('environments'),
      'Environments',
      trace.environments.map((env) => ({
        id: id(`env/${env.name}/${env.version}/${env.beltRunId}`),
        label: env.name,
        description: [
          `v${env.version} ${OUTCOME_TEXT[env.outcome]}`,
          env.since ? `since ${ageOf(env.since, now)}` : undefined,
          env.rolledBackAt ? `rolled back ${ageOf(env.rolledBackAt, now)}` : undefined,
          env.current ? 'running now' : undefined,
        ]
          .filter(Boolean)
          .join(' · '),
        tooltip: [
          `v${env.version} in ${env.name}: ${OUTCOME_TEXT[env.outcome]} (ship ${env.beltRunId})`,
          env.since && `Deployed ${env.since}`,
          env.rolledBackAt && `Rolled back ${env.rolledBackAt}`,
          env.verification && `Verification: ${env.verification}`,
        ]
          .filter(Boolean)
          .join('\n'),
        icon:
          env.outcome === 'verified'
            ? 'server-environment:testing.iconPassed'
            : env.outcome === 'in-progress'
              ? 'sync~spin'
              : 'server-environment:testing.iconFailed',
        contextValue: 'trace.environment',
        ref: { kind: 'environment', folder, env: env.name },
        command: { command: 'conveyor.trace.showEnvironment', title: 'Show Environment', arguments: [folder, env.name] },
      })),
    ),
    section(
      id('errors'),
      'Errors',
      trace.errors.map((error) => ({
        id: id(`error/${error.id}`),
        label: `${error.shortId} ${error.title}`,
        description: [`×${error.count}`, error.firstRelease ? `first in ${error.firstRelease}` : undefined, ageOf(error.lastSeen, now)]
          .filter(Boolean)
          .join(' · '),
        tooltip: `${error.shortId}: ${error.title}\n${error.count} events, first seen ${error.firstSeen}, last ${error.lastSeen}`,
        icon: 'bug:errorForeground',
        contextValue: 'trace.error',
        ref: { kind: 'error', folder, id: error.id },
        command: { command: 'conveyor.trace.openError', title: 'Go to Code', arguments: [error.id, error.shortId] },
      })),
    ),
    ...gapRows(id, trace),
  ];
}

/** `2 commits · v1.5.0 · production`: how far the traced change got. */
export function summaryOf(trace: LoopTrace): string {
  const commits = trace.commits.length;
  const released = trace.releases.filter((r) => !r.tagMissing).map((r) => r.tag);
  const running = [...new Set(trace.environments.filter((e) => e.current).map((e) => e.name))];
  return [
    commits > 0 ? `${commits} commit${commits === 1 ? '' : 's'}` : undefined,
    released.length > 0 ? released.join(', ') : commits > 0 ? 'not released' : undefined,
    running.length > 0 ? `in ${running.join(', ')}` : undefined,
    trace.errors.length > 0 ? `${trace.errors.length} error${trace.errors.length === 1 ? '' : 's'}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}

function ageOf(iso: string, now: number): string | undefined {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? undefined : formatAge(at, now);
}

function section(id: string, label: string, children: ViewNode[]): ViewNode {
  return children.length > 0
    ? { id, label, description: String(children.length), expanded: true, children }
    : { id, label, description: 'none on record' };
}

function gapRows(id: (suffix: string) => string, trace: LoopTrace): ViewNode[] {
  if (trace.gaps.length === 0) return [];
  return [
    {
      id: id('gaps'),
      label: 'Not on record',
      description: String(trace.gaps.length),
      icon: 'warning:list.warningForeground',
      expanded: true,
      children: trace.gaps.map((gap, index) => ({
        id: id(`gap/${index}`),
        label: gap,
        tooltip: gap,
        icon: 'circle-small',
      })),
    },
  ];
}
