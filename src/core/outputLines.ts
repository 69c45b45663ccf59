// Turns a process's byte chunks into clean text lines: split across chunk boundaries, ANSI colours and
// control bytes removed (matchers and the view see plain text; the terminal gets the raw bytes), and
// every line bounded so a stage printing binary noise or one enormous line cannot exhaust memory.
import { StringDecoder } from 'node:string_decoder';

export const MAX_LINE_LENGTH = 4096;

// CSI and OSC escape sequences, as terminals and coloured tool output use them.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

// Any escape or control byte: most lines have none, and then neither replacement needs to run.
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

export function cleanLine(raw: string): string {
  const text = ANY_CONTROL.test(raw) ? raw.replace(ANSI, '').replace(CONTROL, '') : raw;
  return text.length > MAX_LINE_LENGTH ? `${text.slice(0, MAX_LINE_LENGTH)}… [line cut at ${MAX_LINE_LENGTH} characters]` : text;
}

/** A line as printed (without its newline) as shown: carriage returns resolved, then cleaned. */
function printedLine(raw: string): string {
  // No control byte at all (most lines): no carriage return to resolve and nothing to remove.
  if (ANY_CONTROL.test(raw)) return cleanLine(stripCarriageReturn(raw));
  return raw.length > MAX_LINE_LENGTH ? cleanLine(raw) : raw;
}

/** Feeds chunks in, calls back once per complete, cleaned line. Call `end()` for the last partial line. */
export class LineSplitter {
  private pending = '';
  // StringDecoder rather than TextDecoder: both keep a character split across chunks whole, and with
  // `stream` TextDecoder took nine times as long (0.5 ms for 430 KB of output).
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const all = this.pending + this.decoder.write(chunk);
    // One scan of the whole chunk for control bytes: without any (most output), no line needs cleaning.
    const clean = !ANY_CONTROL.test(all);
    // Lines are cut out of the chunk by index: slicing off the rest after every line copied it each time.
    let start = 0;
    for (let newline = all.indexOf('\n'); newline !== -1; newline = all.indexOf('\n', start)) {
      const raw = all.slice(start, newline);
      this.onLine(clean && raw.length <= MAX_LINE_LENGTH ? raw : printedLine(raw));
      start = newline + 1;
    }
    let text = start === 0 ? all : all.slice(start);
    if (text.length > MAX_LINE_LENGTH * 4) {
      // A progress bar redraws itself after each \r: only what follows the last one would show. (A \r that
      // ends the text may be half of a \r\n split across chunks, so it does not count.)
      const redrawn = text.lastIndexOf('\r', text.length - 2);
      if (redrawn !== -1) text = text.slice(redrawn + 1);
    }
    // A line without a newline for a long time (binary, or one huge line) is emitted in pieces.
    if (text.length > MAX_LINE_LENGTH * 4) {
      this.onLine(cleanLine(text));
      text = '';
    }
    this.pending = text;
  }

  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest.length > 0) this.onLine(printedLine(rest));
  }
}

/** `50%\r75%\r100%` shows as `100%` on a terminal: keep what was printed last. */
function stripCarriageReturn(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const last = trimmed.lastIndexOf('\r');
  return last === -1 ? trimmed : trimmed.slice(last + 1);
}

/** The last `size` items pushed, oldest first. */
export class RingBuffer<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  push(item: T): void {
    if (this.items.length < this.size) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
  }

  toArray(): T[] {
    return this.items.length < this.size ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}
