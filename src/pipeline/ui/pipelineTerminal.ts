import * as vscode from 'vscode';

const FLUSH_MS = 40;
/** Past this many bytes per stage the terminal stops echoing (the on-disk log keeps the output). */
const MAX_TERMINAL_BYTES_PER_STAGE = 4 * 1024 * 1024;

/**
 * One pseudoterminal per folder that shows a run's output live, with the tools' own colours. Writes are
 * batched so a stage printing a million lines does not flood the renderer.
 */
export class PipelineTerminal implements vscode.Disposable {
  private terminal: vscode.Terminal | undefined;
  private readonly writer = new vscode.EventEmitter<string>();
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stageBytes = 0;
  private readonly closeListener: vscode.Disposable;

  constructor(private readonly name: string) {
    this.closeListener = vscode.window.onDidCloseTerminal((t) => {
      if (t === this.terminal) this.terminal = undefined;
    });
  }

  /** Opens (or reuses) the terminal for a new run. */
  startRun(heading: string, reveal: boolean): void {
    if (!this.terminal) {
      const pty: vscode.Pseudoterminal = { onDidWrite: this.writer.event, open: () => this.flush(), close: () => undefined };
      this.terminal = vscode.window.createTerminal({ name: this.name, pty, iconPath: new vscode.ThemeIcon('run-all') });
    }
    this.write(`\x1b[2J\x1b[3J\x1b[H\x1b[1m${heading}\x1b[0m\r\n`);
    if (reveal) this.terminal.show(true);
  }

  stageHeading(text: string): void {
    this.stageBytes = 0;
    this.write(`\r\n\x1b[1;36m━━ ${text}\x1b[0m\r\n`);
  }

  output(chunk: Buffer, logFile: string): void {
    if (this.stageBytes >= MAX_TERMINAL_BYTES_PER_STAGE) return;
    this.stageBytes += chunk.length;
    this.write(chunk.toString('utf8').replace(/\r?\n/g, '\r\n'));
    if (this.stageBytes >= MAX_TERMINAL_BYTES_PER_STAGE)
      this.write(`\r\n\x1b[33m[the terminal stops echoing this stage here; the full output is in ${logFile}]\x1b[0m\r\n`);
  }

  line(text: string): void {
    this.write(`${text}\r\n`);
  }

  show(): void {
    this.terminal?.show(true);
  }

  get isOpen(): boolean {
    return this.terminal !== undefined;
  }

  private write(text: string): void {
    this.buffer.push(text);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    this.writer.fire(this.buffer.join(''));
    this.buffer = [];
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.closeListener.dispose();
    this.writer.dispose();
    this.terminal?.dispose();
  }
}
