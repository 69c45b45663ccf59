// Reading one number out of a JSON answer with a path like `data.users.total`, `items[0].value` or, for a key
// with dots, `["jvm.memory.used"]`.
// Errors name the segment that failed and what was there instead, so a typo is fixed in one edit.

export type PathSegment = string | number;

export function parseValuePath(valuePath: string): PathSegment[] {
  const invalid = () => new Error(`valuePath "${valuePath}" is not a path like data.users.total or items[0].value`);
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < valuePath.length) {
    if (valuePath[i] === '[' && (valuePath[i + 1] === '"' || valuePath[i + 1] === "'")) {
      // A key written in quotes, for keys with dots or brackets: ["jvm.memory.used"], ['a b'].
      const quote = valuePath[i + 1];
      const end = valuePath.indexOf(`${quote}]`, i + 2);
      if (end === -1) throw invalid();
      segments.push(valuePath.slice(i + 2, end));
      i = end + 2;
      continue;
    }
    if (valuePath[i] === '[') {
      const close = valuePath.indexOf(']', i);
      const index = valuePath.slice(i + 1, close);
      if (close === -1 || !/^\d+$/.test(index)) throw invalid();
      segments.push(Number(index));
      i = close + 1;
      continue;
    }
    if (valuePath[i] === '.') {
      // A dot separates two segments: never first, last, doubled or before a bracket.
      if (segments.length === 0 || i + 1 >= valuePath.length || valuePath[i + 1] === '.' || valuePath[i + 1] === '[') throw invalid();
      i++;
    }
    let end = i;
    while (end < valuePath.length && valuePath[end] !== '.' && valuePath[end] !== '[') end++;
    if (end === i) throw invalid();
    segments.push(valuePath.slice(i, end));
    i = end;
  }
  if (segments.length === 0) throw invalid();
  return segments;
}

/** The number at `valuePath`; numeric strings ("42", " 3.5 ") count. Throws an Error that says what went wrong. */
export function readNumberAt(json: unknown, valuePath: string): number {
  let current: unknown = json;
  let walked = '';
  for (const segment of parseValuePath(valuePath)) {
    const here = walked || 'the top level';
    if (typeof segment === 'number') {
      if (!Array.isArray(current))
        throw new Error(`valuePath "${valuePath}": [${segment}] needs an array at ${here}, found ${describe(current)}`);
      if (segment >= current.length)
        throw new Error(`valuePath "${valuePath}": [${segment}] is past the end of ${here} (${current.length} items)`);
      current = current[segment] as unknown;
      walked += `[${segment}]`;
      continue;
    }
    if (typeof current !== 'object' || current === null || Array.isArray(current)) {
      throw new Error(`valuePath "${valuePath}": "${segment}" needs an object at ${here}, found ${describe(current)}`);
    }
    if (!Object.prototype.hasOwnProperty.call(current, segment)) {
      const keys = Object.keys(current);
      const sample = keys.slice(0, 8).join(', ') + (keys.length > 8 ? ', …' : '');
      throw new Error(`valuePath "${valuePath}": "${segment}" is missing in ${here} (keys: ${sample || 'none'})`);
    }
    current = (current as Record<string, unknown>)[segment];
    walked += walked ? `.${segment}` : segment;
  }
  if (typeof current === 'number' && Number.isFinite(current)) return current;
  if (typeof current === 'string' && current.trim() !== '' && Number.isFinite(Number(current))) return Number(current);
  throw new Error(`valuePath "${valuePath}" is ${describe(current)}, not a number`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `the text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}

/** Parses a JSON answer; on failure the message shows how the answer starts (often an HTML error page). */
export function parseJsonAnswer(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const start = text.slice(0, 80).replace(/\s+/g, ' ').trim();
    throw new Error(`the answer is not JSON (it starts with "${start}${text.length > 80 ? '…' : ''}")`);
  }
}
