/**
 * Bounds on what the local receiver keeps of one event, after Sentry's Relay, which trims events the same
 * way before it stores them: over-long texts are cut, and a deep stack keeps its innermost and outermost
 * frames. Breadcrumbs, extra data, contexts and tags are never read (envelope.ts keeps only what the UI
 * shows), so they are bounded by not being kept at all. Pure.
 */
import type { ErrorEventDetail, ErrorIssue, EventTrimming, StackFrame } from './errorModel';
import type { ReceivedEvent } from './envelope';
import { topFrame } from './issueGrouping';

export const EVENT_LIMITS = {
  /** Relay's limit for messages and exception values. */
  messageChars: 8192,
  /** Relay's limit for symbols and paths: exception types, functions, modules, file names. */
  symbolChars: 256,
  /** SDKs send about 140 characters around the column; a longer context line is minified code. */
  contextLineChars: 256,
  /** Relay's limit for tag values, which releases are. */
  releaseChars: 200,
  environmentChars: 64,
  idChars: 128,
  framesPerStack: 50,
  /** All kept frames' text together: 50 ordinary frames fit, 50 frames at every text limit do not. */
  frameTextChars: 16_384,
} as const;

const ELLIPSIS = '…';

/** The event with its texts and stack within EVENT_LIMITS; the same object when nothing was over. */
export function boundEvent(event: ReceivedEvent): ReceivedEvent {
  const detail = boundDetail(event.detail);
  return detail === event.detail ? event : { ...event, detail };
}

/**
 * An issue within the limits, for stores written before there were any: its texts and latest event. The
 * same object when nothing was over.
 */
export function boundIssue(issue: ErrorIssue): ErrorIssue {
  const cut = new Cutter();
  const title = cut.text(issue.title, EVENT_LIMITS.messageChars + EVENT_LIMITS.symbolChars);
  const exceptionType = cut.text(issue.exceptionType, EVENT_LIMITS.symbolChars);
  const exceptionValue = cut.text(issue.exceptionValue, EVENT_LIMITS.messageChars);
  const culprit = cut.optional(issue.culprit, 2 * EVENT_LIMITS.symbolChars);
  const latestEvent = issue.latestEvent && boundDetail(issue.latestEvent);
  if (cut.characters === 0 && latestEvent === issue.latestEvent) return issue;
  return { ...issue, title, exceptionType, exceptionValue, culprit, latestEvent };
}

function boundDetail(detail: ErrorEventDetail): ErrorEventDetail {
  const cut = new Cutter();
  const { frames, dropped } = keptFrames(detail.frames, cut);
  const bounded: ErrorEventDetail = {
    ...detail,
    eventId: cut.text(detail.eventId, EVENT_LIMITS.idChars),
    release: cut.optional(detail.release, EVENT_LIMITS.releaseChars),
    environment: cut.optional(detail.environment, EVENT_LIMITS.environmentChars),
    exceptionType: cut.text(detail.exceptionType, EVENT_LIMITS.symbolChars),
    exceptionValue: cut.text(detail.exceptionValue, EVENT_LIMITS.messageChars),
    frames,
    userId: cut.optional(detail.userId, EVENT_LIMITS.idChars),
  };
  if (cut.characters === 0 && dropped === 0) return detail;
  bounded.trimmed = addTrimming(detail.trimmed, { frames: dropped, characters: cut.characters });
  return bounded;
}

/** Counts the characters it cuts. */
class Cutter {
  characters = 0;

  text(value: string, max: number): string {
    if (value.length <= max) return value;
    let end = max - ELLIPSIS.length;
    // Never split a surrogate pair: half an emoji is not text.
    if (isHighSurrogate(value.charCodeAt(end - 1))) end--;
    this.characters += value.length - end;
    // A slice of a V8 string points into its parent and keeps all of it alive; copy the kept part out.
    return Buffer.from(value.slice(0, end) + ELLIPSIS, 'utf8').toString('utf8');
  }

  optional(value: string | undefined, max: number): string | undefined {
    return value === undefined ? undefined : this.text(value, max);
  }
}

/**
 * At most `framesPerStack` frames within `frameTextChars`, taken alternately from the innermost end (where
 * it failed) and the outermost (how it got there), as Relay does. The innermost in-app frame is always
 * kept: grouping and the culprit use it, so trimming never moves an event to another issue.
 */
function keptFrames(frames: readonly StackFrame[], cut: Cutter): { frames: StackFrame[]; dropped: number } {
  const kept = new Map<number, StackFrame>();
  let textLeft = EVENT_LIMITS.frameTextChars;
  const take = (index: number): boolean => {
    if (kept.has(index)) return true;
    const frameCut = new Cutter();
    const frame = boundFrame(frames[index], frameCut);
    const size = frameTextLength(frame);
    if (kept.size > 0 && size > textLeft) return false;
    kept.set(index, frame);
    textLeft -= size;
    cut.characters += frameCut.characters;
    return true;
  };
  const innermostInApp = topFrame(frames);
  if (innermostInApp?.inApp) take(frames.lastIndexOf(innermostInApp));
  let outer = 0;
  let inner = frames.length - 1;
  for (let fromInner = true; outer <= inner && kept.size < EVENT_LIMITS.framesPerStack; fromInner = !fromInner) {
    if (!take(fromInner ? inner-- : outer++)) break;
  }
  const ordered = [...kept.entries()].sort(([a], [b]) => a - b).map(([, frame]) => frame);
  return { frames: ordered, dropped: frames.length - kept.size };
}

function boundFrame(frame: StackFrame, cut: Cutter): StackFrame {
  const { symbolChars, contextLineChars } = EVENT_LIMITS;
  return {
    ...frame,
    filename: cut.optional(frame.filename, symbolChars),
    absPath: cut.optional(frame.absPath, symbolChars),
    module: cut.optional(frame.module, symbolChars),
    function: cut.optional(frame.function, symbolChars),
    contextLine: cut.optional(frame.contextLine, contextLineChars),
  };
}

function frameTextLength(frame: StackFrame): number {
  return (
    (frame.filename?.length ?? 0) +
    (frame.absPath?.length ?? 0) +
    (frame.module?.length ?? 0) +
    (frame.function?.length ?? 0) +
    (frame.contextLine?.length ?? 0)
  );
}

function addTrimming(before: EventTrimming | undefined, now: EventTrimming): EventTrimming {
  return { frames: (before?.frames ?? 0) + now.frames, characters: (before?.characters ?? 0) + now.characters };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
