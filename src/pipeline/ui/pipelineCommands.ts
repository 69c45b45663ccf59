import * as vscode from 'vscode';
import type { ViewNode } from '../../core/viewNode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { pickFolder } from '../../ui/folderPicker';
import { plannedStages } from '../run/plannedStages';
import type { PipelineService } from './pipelineService';

/** Palette, view and status-bar commands of the Build & Test stage. */
export function registerPipelineCommands(model: WorkspaceModel, service: PipelineService): vscode.Disposable {
  const folderOf = async (arg: unknown, prompt: string) => pickFolder(model, folderArgument(arg), prompt);
  return vscode.Disposable.from(
    vscode.commands.registerCommand('conveyor.pipeline.detect', (arg?: unknown) => detect(model, folderArgument(arg))),
    vscode.commands.registerCommand('conveyor.pipeline.run', async (arg?: unknown) => {
      const status = await folderOf(arg, 'Run the pipeline of which folder?');
      if (status && (await hasStages(model, status.folder))) await service.runFolder(status.folder, 'all');
    }),
    vscode.commands.registerCommand('conveyor.pipeline.runStage', async (arg?: unknown) => {
      const fromNode = stageOfNode(arg);
      const status = fromNode ? model.statusOf(fromNode.folder) : await folderOf(arg, 'Run a stage of which folder?');
      if (!status || !(await hasStages(model, status.folder))) return;
      const stage =
        fromNode?.stage ??
        (await vscode.window.showQuickPick(
          plannedStages(status.pipeline).map((s) => ({ label: s.name, description: s.kind === 'command' ? s.definition.run : 'secret scan and dependency audit' })),
          { placeHolder: `Run which stage of ${status.name}?` },
        ))?.label;
      if (stage) await service.runFolder(status.folder, 'stage', [stage]);
    }),
    vscode.commands.registerCommand('conveyor.pipeline.rerunFailed', async (arg?: unknown) => {
      const status = await folderOf(arg, 'Re-run the failed stages of which folder?');
      if (!status) return;
      const last = service.lastRun(status.folder);
      if (!last || last.result === 'passed') {
        void vscode.window.showInformationMessage(`${status.name}: the last pipeline run did not fail; nothing to re-run.`, 'Run Pipeline').then((c) => c && service.runFolder(status.folder, 'all'));
        return;
      }
      await service.runFolder(status.folder, 'failed');
    }),
    vscode.commands.registerCommand('conveyor.pipeline.stop', (arg?: unknown) => service.stop(folderArgument(arg))),
    vscode.commands.registerCommand('conveyor.pipeline.showOutput', async (arg?: unknown) => {
      const status = await folderOf(arg, 'Show the pipeline output of which folder?');
      if (status && !service.showOutput(status.folder)) await openLog(service.lastRun(status.folder)?.logFile);
    }),
    vscode.commands.registerCommand('conveyor.pipeline.openLog', async (arg?: unknown) => {
      // A history row passes itself; its click command already names its log.
      const logFile = typeof arg === 'string' ? arg : (arg as ViewNode | undefined)?.command?.arguments?.[0];
      if (typeof logFile === 'string' && logFile.endsWith('.log')) return openLog(logFile);
      const status = await folderOf(arg, 'Open the last pipeline log of which folder?');
      if (status) await openLog(service.lastRun(status.folder)?.logFile);
    }),
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
    void vscode.window.showInformationMessage('No pipeline run yet: run the pipeline first.', 'Run Pipeline').then((c) => c && vscode.commands.executeCommand('conveyor.pipeline.run'));
    return;
  }
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, { preview: true });
  } catch {
    void vscode.window.showWarningMessage(`The log of that run is gone (only the last 30 runs keep their logs): ${file}`);
  }
}

/** A folder path given directly, or the folder of a Pipeline view row. */
function folderArgument(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  return stageOfNode(arg)?.folder;
}

function stageOfNode(arg: unknown): { folder: string; stage: string } | undefined {
  const id = (arg as ViewNode | undefined)?.id;
  if (typeof id !== 'string') return undefined;
  const at = id.lastIndexOf('/pipeline/');
  if (at === -1) return undefined;
  const [stage] = id.slice(at + '/pipeline/'.length).split('/');
  return stage && stage !== 'history' ? { folder: id.slice(0, at), stage } : undefined;
}

async function detect(model: WorkspaceModel, folder: string | undefined): Promise<void> {
  const picked = await pickFolder(model, folder, 'Detect the pipeline of which folder?');
  if (!picked) return;
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
  const choice = await vscode.window.showInformationMessage(`Detected ${stages.length} stages in ${status.name} from ${from}: ${names}.`, 'Save as conveyor.yml');
  if (choice) await vscode.commands.executeCommand('conveyor.openConfig', status.folder);
}
