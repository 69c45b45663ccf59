// A GitHub Actions job log made readable in an editor: the runner stamps every line with a UTC time and
// brackets collapsible parts with `##[group]`/`##[endgroup]`. The timestamps go (they double every
// line's width), groups and the job's steps become sections to fold, and `##[error]`/`##[warning]` lines
// are kept verbatim and indexed so the editor can jump to the first failure.
import type { CiStep } from '../ciModel';

export interface LogSection {
  /** The group's title (`Run npm test`) or the step's name. */
  name: string;
  /** 0-based, inclusive, indexes into `lines`. */
  startLine: number;
  endLine: number;
  kind: 'step' | 'group';
  stepNumber?: number;
}

export interface ParsedActionsLog {
  lines: string[];
  /** By start line, the enclosing section first when two start on the same line (a step and its first group). */
  sections: LogSection[];
  errorLines: number[];
  warningLines: number[];
}

// `2024-01-15T10:00:01.1234567Z ` — seven fractional digits in practice; any number is accepted. Sticky,
// so that it matches where a line starts inside the whole text.
const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/y;
/** `YYYY-MM-DDTHH:MM:SS`: ISO times in UTC compare as strings, which is all step matching needs. */
const SECOND_LENGTH = 19;
const ESC = String.fromCharCode(27);
// SGR colours and cursor sequences that some tools print even without a terminal.
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g');
const GROUP = '##[group]';
const END_GROUP = '##[endgroup]';
const ERROR = '##[error]';
const WARNING = '##[warning]';
const CARRIAGE_RETURN = 13;
const HASH = 35;

interface Scan {
  lines: string[];
  text: string;
  /**
   * Where the stamp of the second each line was written in starts in `text` (-1 before the first stamp); a
   * line without a stamp inherits the previous one's. Offsets, not strings: a slice per line cost a fifth of the scan.
   */
  stampAt: number[];
  groups: LogSection[];
  errorLines: number[];
  warningLines: number[];
}

/** `steps` are the job's steps (with `startedAt`) from the jobs API; without them only groups become sections. */
export function parseActionsLog(text: string, steps: readonly CiStep[] = []): ParsedActionsLog {
  const scan = scanLines(text);
  const stepSections = sectionsOfSteps(scan, steps);
  const sections = [...stepSections, ...scan.groups].sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  return { lines: scan.lines, sections, errorLines: scan.errorLines, warningLines: scan.warningLines };
}

// One pass over the text with indexes: logs run to hundreds of thousands of lines, and splitting first,
// then matching and slicing each line, cost ten times the split itself.
function scanLines(text: string): Scan {
  const scan: Scan = { text, lines: [], stampAt: [], groups: [], errorLines: [], warningLines: [] };
  const open: { name: string; startLine: number }[] = [];
  const hasAnsi = text.includes(ESC);
  let stampAt = -1;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < text.length) {
    let next = text.indexOf('\n', start);
    if (next === -1) next = text.length;
    const end = next > start && text.charCodeAt(next - 1) === CARRIAGE_RETURN ? next - 1 : next;
    const stamp = timestampLength(text, start);
    if (stamp > 0) stampAt = start;
    let content = text.slice(start + stamp, end);
    start = next + 1;
    if (hasAnsi && content.includes(ESC)) content = content.replace(ANSI, '');
    const index = scan.lines.length;
    // Markers are rare and startsWith is not cheap: test the first character before the marker names.
    if (content.charCodeAt(0) === HASH) {
      if (content.startsWith(END_GROUP)) {
        closeGroup(scan, open.pop());
        continue;
      }
      if (content.startsWith(GROUP)) {
        content = content.slice(GROUP.length);
        open.push({ name: content, startLine: index });
      } else if (content.startsWith(ERROR)) {
        scan.errorLines.push(index);
      } else if (content.startsWith(WARNING)) {
        scan.warningLines.push(index);
      }
    }
    scan.lines.push(content);
    scan.stampAt.push(stampAt);
  }
  // A log cut short (a cancelled job) can leave a group open: it runs to the end.
  while (open.length > 0) closeGroup(scan, open.pop());
  scan.groups.sort((a, b) => a.startLine - b.startLine);
  return scan;
}

/** Length of the runner's stamp at `start`, or 0 when the line has none; the sticky match allocates nothing. */
function timestampLength(text: string, start: number): number {
  TIMESTAMP.lastIndex = start;
  return TIMESTAMP.test(text) ? TIMESTAMP.lastIndex - start : 0;
}

function closeGroup(scan: Scan, group: { name: string; startLine: number } | undefined): void {
  if (group)
    scan.groups.push({
      name: group.name,
      startLine: group.startLine,
      endLine: Math.max(group.startLine, scan.lines.length - 1),
      kind: 'group',
    });
}

/**
 * The log has no step markers, so each step is placed by time: its first line is the first one written in
 * or after the second it started (the API gives seconds). Steps that start within the same second as the
 * previous one ends would start too early, so a group titled like the step (`Run npm test`, GitHub's
 * default step name) wins when there is one nearby.
 */
function sectionsOfSteps(scan: Scan, steps: readonly CiStep[]): LogSection[] {
  if (scan.lines.length === 0) return [];
  const starts: { step: CiStep; line: number }[] = [];
  let previous = -1;
  for (const step of [...steps].sort((a, b) => a.number - b.number)) {
    if (step.state === 'skipped' || step.state === 'queued') continue;
    const line = starts.length === 0 && step.startedAt ? 0 : stepStart(scan, step, previous);
    if (line === undefined) continue;
    starts.push({ step, line });
    previous = line;
  }
  return starts.map(({ step, line }, i) => ({
    name: step.name,
    startLine: line,
    endLine: i + 1 < starts.length ? starts[i + 1].line - 1 : scan.lines.length - 1,
    kind: 'step',
    stepNumber: step.number,
  }));
}

function stepStart(scan: Scan, step: CiStep, previous: number): number | undefined {
  const second = step.startedAt ? utcSecond(step.startedAt) : undefined;
  if (second === undefined) return titledGroup(scan, step.name, previous, scan.lines.length - 1);
  const byTime = firstLineFrom(scan, previous + 1, second);
  // No line written at or after that second (a log without stamps): only a group titled like the step places it.
  if (byTime === undefined) return titledGroup(scan, step.name, previous, scan.lines.length - 1);
  // Only up to the end of the step's starting second, so that a later step of the same name is not taken.
  return titledGroup(scan, step.name, previous, lastLineOfSecond(scan, byTime)) ?? byTime;
}

function titledGroup(scan: Scan, name: string, after: number, last: number): number | undefined {
  return scan.groups.find((g) => g.name === name && g.startLine > after && g.startLine <= last)?.startLine;
}

function firstLineFrom(scan: Scan, from: number, second: string): number | undefined {
  for (let i = from; i < scan.stampAt.length; i++) {
    if (secondOf(scan, i) >= second) return i;
  }
  return undefined;
}

function lastLineOfSecond(scan: Scan, line: number): number {
  let last = line;
  const second = secondOf(scan, line);
  while (last + 1 < scan.stampAt.length && secondOf(scan, last + 1) === second) last++;
  return last;
}

function secondOf(scan: Scan, line: number): string {
  const at = scan.stampAt[line];
  return at < 0 ? '' : scan.text.slice(at, at + SECOND_LENGTH);
}

function utcSecond(iso: string): string | undefined {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().slice(0, SECOND_LENGTH);
}
