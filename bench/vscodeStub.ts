// A stand-in `vscode` module for benchmarks that load an extension bundle in plain Node: just enough
// real behaviour (events, disposables, workspace folders) for activate() to do its real work, and an
// inert stub for everything else. It measures our code, not VS Code's.
import Module from 'node:module';

type Listener = (value: unknown) => void;

function inert(): unknown {
  const target = function () {
    return undefined;
  };
  return new Proxy(target, {
    get: (_t, property) =>
      property === 'then' || typeof property === 'symbol' ? undefined : property === 'dispose' ? () => undefined : inert(),
    set: () => true,
    apply: () => inert(),
    construct: () => inert() as object,
  });
}

class EventEmitter {
  private listeners: Listener[] = [];
  event = (listener: Listener) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value?: unknown) {
    this.listeners.forEach((l) => l(value));
  }
  dispose() {
    this.listeners = [];
  }
}

class Disposable {
  constructor(private readonly onDispose: () => void) {}
  static from(...items: { dispose(): unknown }[]) {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose() {
    this.onDispose();
  }
}

export function installVscodeStub(folder: string): void {
  const stubbed = (base: object, real: Record<string, unknown>) =>
    new Proxy(base, { get: (_t, p: string) => (p in real ? real[p] : inert()) });
  const event = () => ({ dispose: () => undefined });
  // A plain object (not a Proxy) at the top: bundlers copy the module's own keys when importing it.
  // Every value (not type) of the API that src/ uses (grep -o 'vscode\.[A-Za-z]*' src): one missing here makes
  // the workbench throw while loading, and the benchmark would time a failure.
  const namespaces = [
    'commands',
    'languages',
    'extensions',
    'env',
    'authentication',
    'tests',
    'Uri',
    'RelativePattern',
    'ThemeIcon',
    'ThemeColor',
    'TreeItem',
    'TreeItemCollapsibleState',
    'MarkdownString',
    'StatusBarAlignment',
    'Range',
    'Position',
    'Selection',
    'Location',
    'Diagnostic',
    'DiagnosticSeverity',
    'CodeAction',
    'CodeActionKind',
    'CodeLens',
    'Hover',
    'FoldingRange',
    'FoldingRangeKind',
    'ProgressLocation',
    'QuickPickItemKind',
    'TestMessage',
    'TestRunProfileKind',
    'TestRunRequest',
    'TextEditorRevealType',
    'ViewColumn',
    'WorkspaceEdit',
  ];
  const api = {
    ...Object.fromEntries(namespaces.map((n) => [n, inert()])),
    EventEmitter,
    Disposable,
    workspace: stubbed(
      {},
      {
        workspaceFolders: [{ uri: { fsPath: folder, scheme: 'file', toString: () => `file://${folder}` }, name: 'bench', index: 0 }],
        textDocuments: [],
        isTrusted: true,
        onDidChangeWorkspaceFolders: event,
        onDidChangeTextDocument: event,
        onDidCloseTextDocument: event,
        onDidGrantWorkspaceTrust: event,
      },
    ),
    window: stubbed(
      {},
      {
        activeTextEditor: undefined,
        createTreeView: () => ({ visible: false, onDidChangeVisibility: event, dispose: () => undefined }),
        onDidChangeActiveTextEditor: event,
      },
    ),
  };
  const originalLoad = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load = function (
    request: string,
    ...rest: unknown[]
  ) {
    return request === 'vscode' ? api : originalLoad.call(this, request, ...rest);
  };
}
