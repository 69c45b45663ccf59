/**
 * Which events are the same issue. Like Sentry's default grouping, but small: the exception type and the
 * innermost in-app frame, by module (else file) and function, not line number, so an issue survives edits above
 * it. Sentry leaves the message out when it has a stack, and so do we when the SDK sent the frame's source line:
 * that line tells two throws in one function apart, and `KeyError: 'kiwi'` and `KeyError: 'fig'` raised by it
 * stay one issue. Without the line, the message does it, its variable parts (numbers, ids) blanked. Pure.
 */
import { createHash } from 'node:crypto';
import type { StackFrame } from './errorModel';
import type { ReceivedEvent } from './envelope';

const UUID = /\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b/gi;
const HEX_LITERAL = /\b0x[0-9a-f]+\b/gi;
/** Hex ids (hashes, object ids): 7+ hex digits with at least one digit, so words like "deadbeef" stay. */
const HEX_ID = /\b(?=[0-9a-f]*\d)[0-9a-f]{7,}\b/gi;
const NUMBER = /\d+(?:\.\d+)?/g;

/** The message with the parts that differ between occurrences of one error replaced by placeholders. */
export function normaliseMessage(message: string): string {
  return message.replace(UUID, '<uuid>').replace(HEX_LITERAL, '<hex>').replace(HEX_ID, '<hex>').replace(NUMBER, '<n>').trim();
}

/** The innermost in-app frame (frames are innermost last), else the innermost frame. */
export function topFrame(frames: readonly StackFrame[]): StackFrame | undefined {
  for (let index = frames.length - 1; index >= 0; index--) if (frames[index].inApp === true) return frames[index];
  return frames[frames.length - 1];
}

/** The stable issue id of an event: a short hash of what makes it "the same error". */
export function fingerprintOf(event: ReceivedEvent): string {
  return createHash('sha256').update(fingerprintParts(event).join('\u0000')).digest('hex').slice(0, 24);
}

/** `{{ default }}` (or `{{default}}`) in an SDK's fingerprint stands for the default grouping, as in Sentry. */
const DEFAULT_PLACEHOLDER = /^\{\{\s*default\s*\}\}$/;

function fingerprintParts(event: ReceivedEvent): string[] {
  const custom = event.fingerprint;
  if (!custom || custom.every((part) => DEFAULT_PLACEHOLDER.test(part))) return defaultFingerprintParts(event);
  // The default grouping extended (['{{ default }}', url]) or replaced (['checkout-timeout']).
  return ['custom', ...custom.flatMap((part) => (DEFAULT_PLACEHOLDER.test(part) ? defaultFingerprintParts(event) : [part]))];
}

function defaultFingerprintParts(event: ReceivedEvent): string[] {
  const { detail } = event;
  const frame = topFrame(detail.frames);
  const sourceLine = frame?.contextLine?.replace(/\s+/g, ' ').trim();
  return [
    detail.exceptionType,
    sourceLine ? `line: ${sourceLine}` : normaliseMessage(detail.exceptionValue),
    frame ? frameSource(frame) : '',
    frame?.function ?? '',
  ];
}

/**
 * Where the frame's code lives, the same on every machine: the SDK's module (`src:orders` from Node, `shop.views`
 * from Python, a Java class), which does not hold the folder the app runs from, else the file without query
 * string or hash (bundlers add cache-busting `?v=…` to URLs).
 */
function frameSource(frame: StackFrame): string {
  if (frame.module) return `module: ${frame.module}`;
  const file = frame.filename ?? frame.absPath ?? '';
  return file.replace(/[?#].*$/, '');
}

/** `TypeError: order 1001 has no customer`, or the message alone for `captureMessage` events. */
export function titleOf(exceptionType: string, exceptionValue: string): string {
  const firstLine = exceptionValue.split('\n', 1)[0];
  if (!exceptionType) return firstLine || '<no message>';
  return firstLine ? `${exceptionType}: ${firstLine}` : exceptionType;
}

/** Sentry's culprit: `function (file)` of the top frame. */
export function culpritOf(frames: readonly StackFrame[]): string | undefined {
  const frame = topFrame(frames);
  if (!frame) return undefined;
  const file = frame.filename ?? frame.absPath ?? frame.module;
  if (frame.function && file) return `${frame.function} (${file})`;
  return frame.function ?? file;
}
