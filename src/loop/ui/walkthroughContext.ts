import * as vscode from 'vscode';
import type { DeployService } from '../../deploy/ui/deployService';
import type { ErrorService } from '../../monitor/ui/errorService';
import type { PipelineService } from '../../pipeline/ui/pipelineService';
import type { BoardService } from '../../plan/ui/boardService';
import type { ReleaseService } from '../../release/ui/releaseService';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { LOOP_STEPS, progressContextKey } from '../walkthroughProgress';
import type { LoopProgress, LoopStep } from '../walkthroughProgress';

export interface ProgressSources {
  pipeline: PipelineService;
  board: BoardService;
  release: ReleaseService;
  deploy: DeployService;
  errors: ErrorService;
}

/**
 * Sets the walkthrough's context keys when the services change, from what they already hold: nothing
 * is read or loaded for the walkthrough, so a hidden Releases view, say, completes its step once shown.
 */
export function registerWalkthroughContext(model: WorkspaceModel, sources: ProgressSources): vscode.Disposable {
  // A step once complete stays complete in the walkthrough, so each key is set at most once a session.
  const done = new Set<LoopStep>();
  const update = () => {
    const folders = model.folders();
    const now: LoopProgress = {
      hasConfig: folders.some((f) => f.config.found),
      pipelineRan: sources.pipeline.hasFinishedRun(),
      workStarted: folders.some((f) => sources.board.activeItem(f.folder) !== undefined),
      released: sources.release.hasReleases(),
      deployed: sources.deploy.currentRollout()?.state === 'complete',
      errorMapped: sources.errors.filesWithErrors().length > 0,
    };
    for (const step of LOOP_STEPS.filter((s) => now[s] && !done.has(s))) {
      done.add(step);
      void vscode.commands.executeCommand('setContext', progressContextKey(step), true);
    }
  };
  void model.ready.then(update);
  return vscode.Disposable.from(
    model.onDidChange(update),
    sources.pipeline.onDidChange(update),
    sources.board.onDidChange(update),
    sources.release.onDidChange(update),
    sources.deploy.onDidChange(update),
    sources.errors.onDidChange(update),
  );
}
