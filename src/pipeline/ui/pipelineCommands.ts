import * as vscode from 'vscode';
import type { FolderStatus } from '../../loop/folderStatus';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { registerConveyorCommand } from '../../ui/commands';
import { plannedStages } from '../run/plannedStages';
import type { PipelineService } from './pipelineService';

/** Palette, view and status-bar commands of the Build & Test stage. */
export function registerPipelineCommands(model: WorkspaceModel, service: PipelineService, log: vscode.LogOutputChannel): vscode.Disposable {
  const host = { model, log };
  return vscode.Disposable.from(
    registerConveyorCommand(host, 'conveyor.pipeline.detect', ({ status }) => detect(model, status), {
      folder: { placeHolder: 'Detect the pipeline of which folder?' },
    }),
    registerConveyorCommand(
      host,
      'conveyor.pipeline.run',
      async ({ status }) => {
        if (await hasStages(model, status.folder)) await service.runFolder(status.folder, 'all');
      },
      { folder: { placeHolder: 'Run the pipeline of which folder?' } },
    ),
    registerConveyorCommand(
      host,
      'conveyor.pipeline.runStage',
      async ({ status, ref }) => {
        if (!(await hasStages(model, status.folder))) return;
        const stage =
          ref?.stage ??
          (
            await vscode.window.showQuickPick(
              plannedStages(status.pipeline).map((s) => ({
                label: s.name,
                description: s.kind === 'command' ? s.definition.run : 'secret scan and dependency audit',
              })),
              { placeHolder: `Run which stage of ${status.name}?` },
            )
          )?.label;
        if (stage) await service.runFolder(status.folder, 'stage', [stage]);
      },
      { folder: { placeHolder: 'Run a stage of which folder?' }, refs: ['pipeline-stage'] },
    ),
    registerConveyorCommand(
      host,
      'conveyor.pipeline.rerunFailed',
      async ({ status }) => {
        const last = service.lastRun(status.folder);
        if (!last || last.result === 'passed') {
          void vscode.window
            .showInformationMessage(`${status.name}: the last pipeline run did not fail; nothing to re-run.`, 'Run Pipeline')
            .then((c) => c && service.runFolder(status.folder, 'all'));
          return;
        }
        await service.runFolder(status.folder, 'failed');
      },
      { folder: { placeHolder: 'Re-run the failed stages of which folder?' } },
    ),
    registerConveyorCommand(host, 'conveyor.pipeline.stop', ({ status }) => service.stop(status?.folder)),
    registerConveyorCommand(
      host,
      'conveyor.pipeline.showOutput',
      async ({ status }) => {
        if (!service.showOutput(status.folder)) await openLog(service.lastRun(status.folder)?.logFile);
      },
      { folder: { placeHolder: 'Show the pipeline output of which folder?' } },
    ),
    registerConveyorCommand(
      host,
      'conveyor.pipeline.openLog',
      async ({ ref, pickFolder }, arg?: unknown) => {
        // A history row carries its log (its click passes the log file itself).
        const logFile = ref?.logFile ?? arg;
        if (typeof logFile === 'string' && logFile.endsWith('.log')) return openLog(logFile);
        const status = await pickFolder('Open the last pipeline log of which folder?');
        if (status) await openLog(service.lastRun(status.folder)?.logFile);
      },
      { refs: ['pipeline-run'] },
    ),
  );
}

async function hasStages(model: WorkspaceModel, folder: string): Promise<boolean> {
  const status = model.statusOf(folder);
  if (status && status.pipeline.stages.length > 0) return true;
  await vscode.commands.executeCommand('conveyor.pipeline.detect', folder);
  return false;
}

async function openLog(file: string | undefined): Promise<void> {
  if (!file) {
    void vscode.window
      .showInformationMessage('No pipeline run yet: run the pipeline first.', 'Run Pipeline')
      .then((c) => c && vscode.commands.executeCommand('conveyor.pipeline.run'));
    return;
  }
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, { preview: true });
  } catch {
    void vscode.window.showWarningMessage(`The log of that run is gone (only the last 30 runs keep their logs): ${file}`);
  }
}

async function detect(model: WorkspaceModel, picked: FolderStatus): Promise<void> {
  await model.reload(picked.folder);
  const status = model.statusOf(picked.folder) ?? picked;
  void vscode.commands.executeCommand('conveyor.pipeline.focus');
  const { stages, source } = status.pipeline;
  if (stages.length === 0) {
    const choice = await vscode.window.showInformationMessage(
      `No pipeline stages found in ${status.name}: add lint/build/test scripts to package.json, Makefile targets, or list stages in conveyor.yml.`,
      'Create conveyor.yml',
    );
    if (choice) await vscode.commands.executeCommand('conveyor.openConfig', status.folder);
    return;
  }
  const names = stages.map((s) => s.name).join(', ');
  if (source === 'conveyor.yml') {
    void vscode.window.showInformationMessage(`${status.name}: ${stages.length} stages from conveyor.yml (${names}).`);
    return;
  }
  const from = [...new Set(stages.map((s) => s.source))].join(', ');
  const choice = await vscode.window.showInformationMessage(
    `Detected ${stages.length} stages in ${status.name} from ${from}: ${names}.`,
    'Save as conveyor.yml',
  );
  if (choice) await vscode.commands.executeCommand('conveyor.openConfig', status.folder);
}
