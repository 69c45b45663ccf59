// A run's full output on disk, bounded: the first MAX_LOG_BYTES are kept as printed, then only the last
// lines, so a stage printing millions of lines costs a fixed amount of disk and memory.
import { createWriteStream, mkdirSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import * as path from 'node:path';
import { RingBuffer } from '../../core/outputLines';

export const MAX_LOG_BYTES = 8 * 1024 * 1024;
const TAIL_LINES = 500;
const WRITE_BATCH_CHARS = 64 * 1024;
const WRITE_DELAY_MS = 200;

export class RunLog {
  private readonly stream: WriteStream;
  private written = 0;
  private omittedLines = 0;
  private tail = new RingBuffer<string>(TAIL_LINES);
  private pending = '';
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    private readonly maxBytes = MAX_LOG_BYTES,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.stream = createWriteStream(file, { flags: 'w' });
    // A disk that fills up must not crash the run; the run's result matters more than its log.
    this.stream.on('error', () => undefined);
  }

  /** Marks the start of a stage (always written, even past the limit). */
  heading(text: string): void {
    this.flushTail();
    this.write(`\n━━ ${text}\n`);
  }

  /**
   * Lines are gathered and written 64 KB at a time (or 200 ms after the first): a write per line cost more
   * than the rest of the engine's work on a line together.
   */
  private write(text: string): void {
    this.pending += text;
    if (this.pending.length >= WRITE_BATCH_CHARS) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), WRITE_DELAY_MS).unref();
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending === '') return;
    this.written += Buffer.byteLength(this.pending);
    this.stream.write(this.pending);
    this.pending = '';
  }

  line(text: string): void {
    // A line's UTF-16 length is its byte count for ASCII and at least a third of it otherwise: the bound is
    // kept with that estimate, made exact a batch at a time (Buffer.byteLength per line cost more than the
    // rest), so non-ASCII output may pass it by one batch at most.
    // Once a line went to the tail, the stage's later ones follow it there, so the log keeps their order.
    if (this.omittedLines === 0 && this.written + this.pending.length + text.length + 1 <= this.maxBytes) {
      this.write(`${text}\n`);
      return;
    }
    this.omittedLines++;
    this.tail.push(text);
  }

  async close(): Promise<void> {
    this.flushTail();
    this.flush();
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }

  /** After a stage: say how much was left out, then write the stage's last lines. */
  private flushTail(): void {
    if (this.omittedLines === 0) return;
    const tail = this.tail.toArray();
    const skipped = this.omittedLines - tail.length;
    if (skipped > 0)
      this.write(
        `[… ${skipped} lines omitted: the log keeps the first ${Math.round(this.maxBytes / 1048576)} MB and the last ${TAIL_LINES} lines of each stage …]\n`,
      );
    for (const line of tail) this.write(`${line}\n`);
    this.omittedLines = 0;
    this.tail = new RingBuffer<string>(TAIL_LINES);
  }
}
