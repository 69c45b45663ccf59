import * as vscode from 'vscode';
import type { StageRun } from '../run/pipelineRun';

type StageResult = NonNullable<StageRun['tests']>['results'][number];

/**
 * Test results from stages' JUnit/TAP reports in VS Code's Testing view (stage → suite → test), with
 * failures at their source location. Running a test item from there runs its stage.
 */
export class PipelineTesting implements vscode.Disposable {
  private testController: vscode.TestController | undefined;

  constructor(private readonly runStage: (folder: string, stage: string) => Promise<void>) {}

  /** Created with the first report, so a workspace without test reports has no empty Testing entry. */
  private get controller(): vscode.TestController {
    if (this.testController) return this.testController;
    const controller = vscode.tests.createTestController('conveyor.pipeline', 'Conveyor Pipeline');
    controller.createRunProfile(
      'Run Stage in Conveyor',
      vscode.TestRunProfileKind.Run,
      async (request) => {
        const stages = new Map<string, { folder: string; stage: string }>();
        for (const item of request.include ?? [...gather(controller.items)]) {
          const owner = stageOf(item);
          if (owner) stages.set(owner.id, parseStageId(owner.id));
        }
        for (const { folder, stage } of stages.values()) await this.runStage(folder, stage);
      },
      true,
    );
    return (this.testController = controller);
  }

  report(folder: string, folderName: string, stage: StageRun): void {
    const tests = stage.tests;
    if (!tests || tests.error) return;
    const stageItem = this.upsert(this.controller.items, testId(folder, stage.name), `${folderName}: ${stage.name}`);
    const fresh = new Set<string>();
    const run = this.controller.createTestRun(new vscode.TestRunRequest(), `${folderName}: ${stage.name}`, false);
    for (const result of tests.results) {
      const suiteItem = this.upsert(stageItem.children, testId(folder, stage.name, result.suite), result.suite, result.suiteFile);
      const testItem = this.upsert(
        suiteItem.children,
        testId(folder, stage.name, result.suite, result.className ?? '', result.name),
        result.name,
        result.location?.file ?? result.suiteFile,
        result.location?.line,
      );
      fresh.add(suiteItem.id).add(testItem.id);
      this.record(run, testItem, result);
    }
    // Tests that disappeared from the report disappear from the tree.
    stageItem.children.forEach((suite) => {
      if (!fresh.has(suite.id)) stageItem.children.delete(suite.id);
      else suite.children.forEach((t) => void (!fresh.has(t.id) && suite.children.delete(t.id)));
    });
    run.end();
  }

  private record(run: vscode.TestRun, item: vscode.TestItem, result: StageResult): void {
    run.enqueued(item);
    if (result.outcome === 'passed') run.passed(item, result.durationMs);
    else if (result.outcome === 'skipped') run.skipped(item);
    else {
      const message = new vscode.TestMessage(result.message ?? 'failed');
      if (result.location)
        message.location = new vscode.Location(
          vscode.Uri.file(result.location.file),
          new vscode.Position(result.location.line - 1, (result.location.column ?? 1) - 1),
        );
      run.failed(item, message, result.durationMs);
    }
  }

  private upsert(collection: vscode.TestItemCollection, id: string, label: string, file?: string, line?: number): vscode.TestItem {
    const existing = collection.get(id);
    const uri = file ? vscode.Uri.file(file) : undefined;
    if (existing && existing.uri?.toString() === uri?.toString()) {
      if (line) existing.range = new vscode.Range(line - 1, 0, line - 1, 0);
      return existing;
    }
    const item = this.controller.createTestItem(id, label, uri);
    if (line) item.range = new vscode.Range(line - 1, 0, line - 1, 0);
    if (existing) existing.children.forEach((c) => item.children.add(c));
    collection.add(item);
    return item;
  }

  dispose(): void {
    this.testController?.dispose();
  }
}

function* gather(collection: vscode.TestItemCollection): Generator<vscode.TestItem> {
  const items: vscode.TestItem[] = [];
  collection.forEach((item) => items.push(item));
  yield* items;
}

function stageOf(item: vscode.TestItem): vscode.TestItem | undefined {
  let current: vscode.TestItem | undefined = item;
  while (current?.parent) current = current.parent;
  return current;
}

/** Test item ids are JSON arrays of their path (VS Code reserves the NUL character in ids). */
function testId(...parts: string[]): string {
  return JSON.stringify(parts);
}

function parseStageId(id: string): { folder: string; stage: string } {
  const [folder, stage] = JSON.parse(id) as string[];
  return { folder, stage };
}
