import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RefOf } from '../../core/viewNode';
import { messageOf } from '../../core/errors';
import type { CiService } from '../../ci/ui/ciService';
import type { ErrorService } from '../../monitor/ui/errorService';
import type { BoardService } from '../../plan/ui/boardService';
import type { WorkItem } from '../../plan/workItem';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { FolderStatus } from '../folderStatus';
import type { LoopRecords } from '../loopRecords';
import type { LoopTrace, TraceQuery } from '../trace/loopTrace';
import { loopEngine } from './loopEngineLoader';
import type { TraceCiRun, TraceItemDetail, TraceViewState } from './traceNodes';

/** The rows a trace can start from. */
export type TraceableRef = RefOf<'work-item' | 'commit' | 'pipeline-run' | 'release' | 'environment' | 'error'>;

/** An item as the trace shows it: a hosted board's item, or a local board file's (which has no page). */
type BoardItem = Pick<WorkItem, 'key' | 'title' | 'status'> & { url?: string };

interface FolderTrace {
  query: TraceQuery;
  label: string;
  trace?: LoopTrace;
  problem?: string;
  tracing: boolean;
}

/**
 * The Trace view's state: one trace per folder, made from the folder's records (git, run history, belt
 * records) joined with the editor's own errors and board. A shown trace is made again when the folder or
 * the belt changes, but only while the view is visible.
 */
export class TraceService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly traces = new Map<string, FolderTrace>();
  private visible = false;
  private stale = false;
  private readonly ciChanges: vscode.Disposable;

  constructor(
    private readonly model: WorkspaceModel,
    private readonly stages: { board: BoardService; errors: ErrorService; ci: CiService },
    private readonly log: vscode.LogOutputChannel,
  ) {
    // New CI runs of the traced commits show without tracing again.
    this.ciChanges = stages.ci.onDidChange(() => this.traces.size > 0 && this.changed.fire());
  }

  viewState(folder: string): TraceViewState {
    const state = this.traces.get(folder);
    if (!state) return {};
    if (state.tracing) return { tracing: state.label };
    if (state.problem) return { problem: state.problem };
    return {
      ...(state.trace ? { trace: state.trace, ciRuns: this.ciRunsOf(folder, state.trace) } : {}),
      itemDetails: this.itemDetails(folder),
    };
  }

  /** The records changed (new commits, a belt run): traces shown are made again now, hidden ones when shown. */
  invalidate(): void {
    if (this.traces.size === 0) return;
    if (this.visible) void this.retraceAll();
    else this.stale = true;
  }

  setViewVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.stale) void this.retraceAll();
  }

  clear(folder?: string): void {
    if (folder) this.traces.delete(folder);
    else this.traces.clear();
    this.changed.fire();
  }

  /** Traces what `argument` names (`SHOP-12`, `v1.5.0`, a sha, an error id). */
  trace(status: FolderStatus, argument: string): Promise<LoopTrace | undefined> {
    return this.run(status.folder, argument, () => loopEngine().queryOf(argument));
  }

  /** Traces what a row stands for. */
  traceRef(status: FolderStatus, ref: TraceableRef): Promise<LoopTrace | undefined> {
    switch (ref.kind) {
      case 'work-item':
        return this.run(status.folder, ref.key, () => ({ item: ref.key.toUpperCase() }));
      case 'commit':
        return this.run(status.folder, ref.sha.slice(0, 7), () => ({ commit: ref.sha }));
      case 'release':
        return this.run(status.folder, ref.tag, () => ({ release: ref.tag }));
      case 'error':
        return this.run(status.folder, this.errorLabel(ref.id), () => ({ errorId: ref.id }));
      case 'pipeline-run':
        return this.run(status.folder, `run ${ref.runId}`, (records) => {
          const commit = records.runs.find((r) => r.id === ref.runId)?.commit;
          if (!commit) throw new Error(`run ${ref.runId} is not tied to a commit (the folder had no git repository then)`);
          return { commit };
        });
      case 'environment':
        return this.run(status.folder, ref.env, (records) => {
          const engine = loopEngine();
          const standing = engine.standingReleases(engine.deploymentsFrom(records.belt)).get(ref.env);
          if (!standing)
            throw new Error(
              `no belt record says which release runs in ${ref.env} (Ship records it); trace a release from the Releases view instead`,
            );
          return { release: `v${standing.version}` };
        });
    }
  }

  private async run(folder: string, label: string, queryOf: (records: LoopRecords) => TraceQuery): Promise<LoopTrace | undefined> {
    const state: FolderTrace = { query: { item: label }, label, tracing: true };
    this.traces.set(folder, state);
    this.changed.fire();
    try {
      const engine = loopEngine();
      const records = await engine.readLoopRecords(folder, { issues: this.stages.errors.issues() });
      state.query = queryOf(records);
      state.trace = await engine.traceFrom(folder, state.query, records);
      return state.trace;
    } catch (error) {
      state.problem = `${label}: ${messageOf(error)}`;
      this.log.warn(`Trace of ${label} in ${folder} failed: ${messageOf(error)}`);
      return undefined;
    } finally {
      state.tracing = false;
      // A newer trace of the same folder replaced this one: only that one's outcome shows.
      if (this.traces.get(folder) === state) this.changed.fire();
    }
  }

  private async retraceAll(): Promise<void> {
    this.stale = false;
    await Promise.all(
      [...this.traces].map(async ([folder, state]) => {
        if (state.tracing || state.problem) return;
        const query = state.query;
        await this.run(folder, state.label, () => query);
      }),
    );
  }

  /** The CI runs the CI view last fetched for the traced commits and releases. */
  private ciRunsOf(folder: string, trace: LoopTrace): TraceCiRun[] {
    const shas = new Set([...trace.commits.map((c) => c.sha), ...trace.releases.flatMap((r) => [r.commit, r.testedCommit])]);
    return this.stages.ci.runsOf(folder).filter((run) => run.commit !== undefined && shas.has(run.commit));
  }

  private errorLabel(id: string): string {
    return this.stages.errors.issues().find((i) => i.id === id)?.shortId ?? id;
  }

  /** The work items the folder's board knows (the local file's, or the hosted board's last answer). */
  items(folder: string): BoardItem[] {
    const status = this.model.statusOf(folder);
    const remote = this.stages.board.viewState(folder).remote?.items;
    return remote ?? status?.board.items ?? [];
  }

  private itemDetails(folder: string): Map<string, TraceItemDetail> {
    const status = this.model.statusOf(folder);
    const file = status && status.board.provider === 'local' && status.board.exists ? path.join(folder, status.board.file) : undefined;
    return new Map(
      this.items(folder).map((item) => [
        item.key.toUpperCase(),
        {
          title: item.title,
          status: item.status,
          ...(item.url ? { url: item.url } : {}),
          ...(file ? { file } : {}),
        },
      ]),
    );
  }

  dispose(): void {
    this.ciChanges.dispose();
    this.changed.dispose();
  }
}
