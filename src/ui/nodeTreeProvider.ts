import * as vscode from 'vscode';
import { clickCommand } from '../core/viewNode';
import type { ViewNode } from '../core/viewNode';

/** Turns the plain ViewNodes a stage builds into VS Code tree items. */
export class NodeTreeProvider implements vscode.TreeDataProvider<ViewNode> {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly roots: () => Promise<ViewNode[]>) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: ViewNode): Promise<ViewNode[]> | ViewNode[] {
    return node ? (node.children ?? []) : this.roots();
  }

  getTreeItem(node: ViewNode): vscode.TreeItem {
    const state = node.children?.length
      ? node.expanded === false
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    if (node.icon) {
      const [id, color] = node.icon.split(':');
      item.iconPath = new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
    }
    if (node.file) item.resourceUri = vscode.Uri.file(node.file);
    item.command =
      clickCommand(node) ?? (node.file && !node.children?.length ? openFileCommand(node.file, node.line, node.column) : undefined);
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function openFileCommand(file: string, line?: number, column?: number): vscode.Command {
  const position = line ? new vscode.Position(line - 1, (column ?? 1) - 1) : undefined;
  const options: vscode.TextDocumentShowOptions | undefined = position && { selection: new vscode.Range(position, position) };
  return { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(file), options] };
}
