/**
 * Reads the few fields the receiver's framing check needs (`event_id`, an item's `type` and `length`) from an
 * envelope's header line without building the JSON object. The receiver checks every envelope's framing before
 * it answers, on the main thread, and JSON.parse of the two small header lines cost it 6 to 8% of its ingest
 * rate (bench/monitorIngest.ts), where a scan of their bytes costs about 1%.
 *
 * Conservative by design: `scanHeaderFields` answers only for a line that is plainly a valid JSON object (every
 * byte ASCII, no escape in a top-level key, nesting at most MAX_DEPTH deep, the wanted fields of the plain kind);
 * for anything else it returns undefined and the caller parses the line with JSON.parse, which also words the
 * error. So it never accepts what JSON.parse refuses, and what it reads equals what JSON.parse would give
 * (test/unit/monitor/headerScan.test.ts compares the two on real and generated lines). Pure.
 */

/** What the framing check reads from a header line; a field is absent when the object has no such key. */
export interface HeaderFields {
  event_id?: string;
  type?: string;
  length?: number;
}

const MAX_DEPTH = 32;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const FAILED = -1;

const WANTED = ['event_id', 'type', 'length'] as const;
type Wanted = (typeof WANTED)[number];
const WANTED_BYTES = WANTED.map((key) => Buffer.from(key, 'latin1'));

/** The wanted fields of the JSON object in `body[start, end)`, or undefined when the caller must parse it. */
export function scanHeaderFields(body: Buffer, start: number, end: number): HeaderFields | undefined {
  // A view of the line alone: a read past its end is undefined, which no check below accepts.
  const bytes = body.subarray(start, end);
  end = bytes.length;
  const spans: Partial<Record<Wanted, [number, number]>> = {};
  let at = skipSpace(bytes, 0, end);
  if (bytes[at] !== OPEN_BRACE) return undefined;
  at = scanObject(bytes, at, end, 1, spans);
  if (at === FAILED || skipSpace(bytes, at, end) !== end) return undefined;
  const fields: HeaderFields = {};
  for (const key of WANTED) {
    const span = spans[key];
    if (!span) continue;
    const [valueStart, valueEnd] = span;
    const first = bytes[valueStart];
    if (key === 'length') {
      if (first !== MINUS && !isDigit(first)) return undefined;
      fields.length = Number(bytes.toString('latin1', valueStart, valueEnd));
    } else {
      // A string without escapes (every byte is ASCII here): its text is its bytes between the quotes.
      if (first !== QUOTE || holds(bytes, valueStart, valueEnd, BACKSLASH)) return undefined;
      fields[key] = bytes.toString('latin1', valueStart + 1, valueEnd - 1);
    }
  }
  return fields;
}

/** At `{`; returns the position after the matching `}`. `spans`, for the top level only, collects wanted values. */
function scanObject(bytes: Uint8Array, at: number, end: number, depth: number, spans?: Partial<Record<Wanted, [number, number]>>): number {
  at = skipSpace(bytes, at + 1, end);
  if (bytes[at] === CLOSE_BRACE) return at + 1;
  for (;;) {
    if (bytes[at] !== QUOTE) return FAILED;
    const keyStart = at + 1;
    at = scanString(bytes, at, end);
    if (at === FAILED) return FAILED;
    const keyEnd = at - 1;
    at = skipSpace(bytes, at, end);
    if (bytes[at] !== COLON) return FAILED;
    const valueStart = skipSpace(bytes, at + 1, end);
    at = scanValue(bytes, valueStart, end, depth);
    if (at === FAILED) return FAILED;
    if (spans) {
      // An escaped key might spell a wanted one: such a line is left to JSON.parse.
      if (holds(bytes, keyStart, keyEnd, BACKSLASH)) return FAILED;
      const wanted = wantedKey(bytes, keyStart, keyEnd);
      // A repeated key: the last one counts, as in JSON.parse.
      if (wanted) spans[wanted] = [valueStart, at];
    }
    at = skipSpace(bytes, at, end);
    if (bytes[at] === CLOSE_BRACE) return at + 1;
    if (bytes[at] !== COMMA) return FAILED;
    at = skipSpace(bytes, at + 1, end);
  }
}

function scanArray(bytes: Uint8Array, at: number, end: number, depth: number): number {
  at = skipSpace(bytes, at + 1, end);
  if (bytes[at] === CLOSE_BRACKET) return at + 1;
  for (;;) {
    at = scanValue(bytes, at, end, depth);
    if (at === FAILED) return FAILED;
    at = skipSpace(bytes, at, end);
    if (bytes[at] === CLOSE_BRACKET) return at + 1;
    if (bytes[at] !== COMMA) return FAILED;
    at = skipSpace(bytes, at + 1, end);
  }
}

function scanValue(bytes: Uint8Array, at: number, end: number, depth: number): number {
  if (at >= end) return FAILED;
  const first = bytes[at];
  if (first === QUOTE) return scanString(bytes, at, end);
  if (first === OPEN_BRACE) return depth < MAX_DEPTH ? scanObject(bytes, at, end, depth + 1) : FAILED;
  if (first === OPEN_BRACKET) return depth < MAX_DEPTH ? scanArray(bytes, at, end, depth + 1) : FAILED;
  if (first === MINUS || isDigit(first)) return scanNumber(bytes, at, end);
  for (const literal of LITERALS) if (startsWith(bytes, at, end, literal)) return at + literal.length;
  return FAILED;
}

const LITERALS = ['true', 'false', 'null'].map((word) => Buffer.from(word, 'latin1'));

/** At `"`; returns the position after the closing quote. Control characters and non-ASCII bytes fail. */
function scanString(bytes: Uint8Array, at: number, end: number): number {
  for (at++; at < end; at++) {
    const byte = bytes[at];
    if (byte === QUOTE) return at + 1;
    if (byte < 0x20 || byte >= 0x80) return FAILED;
    if (byte !== BACKSLASH) continue;
    const escaped = bytes[++at];
    if (escaped === 0x75 /* u */) {
      for (let digit = 1; digit <= 4; digit++) if (!isHexDigit(bytes[at + digit])) return FAILED;
      at += 4;
    } else if (!SIMPLE_ESCAPES.has(escaped)) return FAILED;
  }
  return FAILED;
}

/** `"`, `\`, `/`, b, f, n, r, t. */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

/** JSON's number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. */
function scanNumber(bytes: Uint8Array, at: number, end: number): number {
  if (bytes[at] === MINUS) at++;
  if (bytes[at] === ZERO) at++;
  else if (isDigit(bytes[at])) at = skipDigits(bytes, at, end);
  else return FAILED;
  if (bytes[at] === DOT) {
    if (!isDigit(bytes[at + 1])) return FAILED;
    at = skipDigits(bytes, at + 1, end);
  }
  if (bytes[at] === 0x65 /* e */ || bytes[at] === 0x45 /* E */) {
    at++;
    if (bytes[at] === PLUS || bytes[at] === MINUS) at++;
    if (!isDigit(bytes[at])) return FAILED;
    at = skipDigits(bytes, at, end);
  }
  return at <= end ? at : FAILED;
}

function skipDigits(bytes: Uint8Array, at: number, end: number): number {
  while (at < end && isDigit(bytes[at])) at++;
  return at;
}

function skipSpace(bytes: Uint8Array, at: number, end: number): number {
  while (at < end) {
    const byte = bytes[at];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) break;
    at++;
  }
  return at;
}

function wantedKey(bytes: Uint8Array, start: number, end: number): Wanted | undefined {
  for (let index = 0; index < WANTED.length; index++) {
    const key = WANTED_BYTES[index];
    if (end - start === key.length && startsWith(bytes, start, end, key)) return WANTED[index];
  }
  return undefined;
}

function startsWith(bytes: Uint8Array, at: number, end: number, word: Uint8Array): boolean {
  if (end - at < word.length) return false;
  for (let index = 0; index < word.length; index++) if (bytes[at + index] !== word[index]) return false;
  return true;
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= ZERO && byte <= NINE;
}

function isHexDigit(byte: number | undefined): boolean {
  return byte !== undefined && (isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66));
}

function holds(bytes: Uint8Array, start: number, end: number, byte: number): boolean {
  for (let index = start; index < end; index++) if (bytes[index] === byte) return true;
  return false;
}
