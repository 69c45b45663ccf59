// Splits streamed text into lines for the secret scan without ever holding more than a window of one
// line: a minified bundle or a source map is one line of megabytes, and searching it whole would hold it
// whole. Long lines are cut into windows that overlap, so a secret across a window edge is still found,
// and each match belongs to exactly one window.

/** A piece of one line to search: the whole line, or one window of a long line. */
export interface LineSegment {
  /** 1-based. */
  line: number;
  text: string;
  /** UTF-16 offset of `text[0]` in its line. */
  offset: number;
  /** Matches starting at `text` indexes in [acceptFrom, acceptTo) belong to this segment; the rest is context. */
  acceptFrom: number;
  acceptTo: number;
}

/** Characters of a long line each window is responsible for. */
export const WINDOW_CHARS = 64 * 1024;
/** Context on each side of a window: longer than any secret a rule reports, with its key. */
export const WINDOW_OVERLAP = 1024;

export class LineSegmenter {
  /** The unfinished line, from `pendingOffset` on. */
  private pending = '';
  private pendingOffset = 0;
  private acceptFrom = 0;
  private line = 1;

  constructor(private readonly onSegment: (segment: LineSegment) => void) {}

  push(chunk: string): void {
    const text = this.pending + chunk;
    let start = 0;
    for (let newline = text.indexOf('\n', start); newline !== -1; newline = text.indexOf('\n', start)) {
      this.endLine(text.slice(start, text.charCodeAt(newline - 1) === 0x0d && newline > start ? newline - 1 : newline));
      start = newline + 1;
    }
    this.pending = text.slice(start);
    while (this.pending.length >= this.acceptFrom + WINDOW_CHARS + WINDOW_OVERLAP) this.emitWindow();
  }

  /** The last line, when the text does not end with a newline. */
  end(): void {
    if (this.pending.length > 0 || this.pendingOffset > 0) this.endLine(this.pending);
    this.pending = '';
  }

  private endLine(text: string): void {
    this.onSegment({ line: this.line, text, offset: this.pendingOffset, acceptFrom: this.acceptFrom, acceptTo: Infinity });
    this.line++;
    this.pendingOffset = 0;
    this.acceptFrom = 0;
  }

  private emitWindow(): void {
    const acceptTo = this.acceptFrom + WINDOW_CHARS;
    const { line, pendingOffset: offset, acceptFrom } = this;
    this.onSegment({ line, text: this.pending.slice(0, acceptTo + WINDOW_OVERLAP), offset, acceptFrom, acceptTo });
    const dropped = acceptTo - WINDOW_OVERLAP;
    this.pending = this.pending.slice(dropped);
    this.pendingOffset += dropped;
    this.acceptFrom = WINDOW_OVERLAP;
  }
}
