import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { scanHeaderFields, type HeaderFields } from '../../../src/monitor/errors/headerScan';

const ENVELOPES = path.join(__dirname, '..', '..', 'fixtures', 'sentry-app', 'envelopes');
const WANTED = ['event_id', 'type', 'length'] as const;

/** What the framing check would read from JSON.parse's object (undefined when JSON.parse refuses or it is no object). */
function parsedFields(line: Buffer): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(WANTED.filter((key) => Object.hasOwn(object, key)).map((key) => [key, object[key]]));
}

function scan(line: string | Buffer): HeaderFields | undefined {
  const bytes = Buffer.isBuffer(line) ? line : Buffer.from(line);
  return scanHeaderFields(bytes, 0, bytes.length);
}

/** The scan either leaves the line to JSON.parse, or reads exactly what JSON.parse gives. */
function assertAgrees(line: Buffer): 'scanned' | 'left' {
  const scanned = scanHeaderFields(line, 0, line.length);
  if (scanned === undefined) return 'left';
  const parsed = parsedFields(line);
  assert.ok(parsed, `the scan accepted what JSON.parse refuses: ${line.toString('latin1')}`);
  assert.deepEqual(scanned, parsed, line.toString('latin1'));
  return 'scanned';
}

/** A small deterministic generator (mulberry32): the same lines on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generatedValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  const strings = ['event', 'a/b', 'quote " and \\ backslash', 'tab\there', 'é', '\u0001', '', '0123456789abcdef'];
  const numbers = [0, -0, 1, -1, 12.5, 1e21, 5e-7, 2 ** 53, 17];
  if (pick === 0) return strings[Math.floor(next() * strings.length)];
  if (pick === 1) return numbers[Math.floor(next() * numbers.length)];
  if (pick === 2) return [true, false, null][Math.floor(next() * 3)];
  if (pick === 3) return 'x'.repeat(Math.floor(next() * 40));
  if (pick === 4) return Math.floor(next() * 100_000);
  if (pick === 5) return Array.from({ length: Math.floor(next() * 4) }, () => generatedValue(next, depth + 1));
  return generatedObject(next, depth + 1);
}

function generatedObject(next: () => number, depth: number): Record<string, unknown> {
  const keys = ['event_id', 'type', 'length', 'sdk', 'sent_at', 'trace', 'dsn', 'content_type', '__proto__', 'event\\id'];
  const entries: Array<[string, unknown]> = [];
  for (let count = Math.floor(next() * 6); count > 0; count--)
    entries.push([keys[Math.floor(next() * keys.length)], generatedValue(next, depth)]);
  return Object.fromEntries(entries);
}

/** JSON text with some whitespace, a repeated key or an escaped key spliced in now and then. */
function generatedLine(next: () => number): string {
  let text = JSON.stringify(generatedObject(next, 0));
  if (next() < 0.2) text = text.replace(/,/g, () => (next() < 0.5 ? ' ,\t' : ','));
  if (next() < 0.2 && text.length > 2) text = `{"type":"first",${text.slice(1)}`.replace(',}', '}');
  if (next() < 0.1) text = text.replace('"type"', '"t\\u0079pe"');
  if (next() < 0.1) text = ` ${text}\r`;
  return text;
}

const MUTATION_BYTES = '{}[]:,"\\ -+.0e1tnfu\u0000\t'.split('');

function mutated(line: string, next: () => number): string {
  const at = Math.floor(next() * (line.length + 1));
  const kind = next();
  const byte = MUTATION_BYTES[Math.floor(next() * MUTATION_BYTES.length)];
  if (kind < 0.33) return line.slice(0, at) + line.slice(at + 1);
  if (kind < 0.66) return line.slice(0, at) + byte + line.slice(at);
  return line.slice(0, at) + byte + line.slice(at + 1);
}

describe('envelope header scan (unit)', () => {
  it('reads the header lines the real SDKs sent (Node, Ruby) without JSON.parse, and what JSON.parse would give', () => {
    const lines: Buffer[] = [];
    for (const file of readdirSync(ENVELOPES)) {
      if (file.endsWith('.envelope')) {
        // The envelope header and each item header: the lines that are not an event's payload.
        const all = readFileSync(path.join(ENVELOPES, file)).toString('utf8').split('\n');
        lines.push(Buffer.from(all[0]), ...all.filter((line) => line.startsWith('{"type"')).map((line) => Buffer.from(line)));
      }
      if (file.endsWith('.headers'))
        for (const line of readFileSync(path.join(ENVELOPES, file), 'utf8').split('\n')) if (line) lines.push(Buffer.from(line));
    }
    assert.ok(lines.length >= 8, `recorded header lines: ${lines.length}`);
    for (const line of lines) assert.equal(assertAgrees(line), 'scanned', `left to JSON.parse: ${line.toString()}`);
    assert.deepEqual(scan(lines[0]), { event_id: 'b62caef2f60941ff8c545caef1b0e724' });
  });

  it('agrees with JSON.parse on 20,000 generated header lines and 40,000 broken ones, and reads many valid ones itself', () => {
    const next = random(20261208);
    let validScanned = 0;
    let valid = 0;
    for (let round = 0; round < 20_000; round++) {
      const line = generatedLine(next);
      const outcome = assertAgrees(Buffer.from(line));
      if (parsedFields(Buffer.from(line))) {
        valid++;
        if (outcome === 'scanned') validScanned++;
      }
      for (let broken = 0; broken < 2; broken++) assertAgrees(Buffer.from(mutated(line, next)));
    }
    // Lines with non-ASCII or control characters, escaped keys and wanted values that are not plain (a number as
    // `type`: the generator makes many) are left to JSON.parse; the agreement above must be tested on many read ones.
    assert.ok(validScanned / valid > 0.35, `scanned ${validScanned} of ${valid} valid lines`);
  });

  it('reads the last of repeated keys, a length of any JSON number form, and only the object on the line', () => {
    assert.deepEqual(scan('{"type":"a","type":"event","length":3}'), { type: 'event', length: 3 });
    assert.deepEqual(scan(' {"length": 1.5e1 , "x":[1,{"type":"nested"}]} '), { length: 15 });
    assert.deepEqual(scan('{"length":-0}'), { length: -0 });
    assert.deepEqual(scan('{}'), {});
    const body = Buffer.from('{"event_id":"abc"}\n{"type":"event"}\n');
    assert.deepEqual(scanHeaderFields(body, 0, 18), { event_id: 'abc' });
    assert.deepEqual(scanHeaderFields(body, 19, 35), { type: 'event' });
  });

  it('leaves to JSON.parse what it does not read plainly, and whatever is not valid JSON', () => {
    for (const line of [
      '{"t\\u0079pe":"event"}', // an escaped key that spells a wanted one
      '{"type":"ev\\u0065nt"}', // an escaped wanted value
      '{"type":"é"}', // non-ASCII
      '{"type":1}', // a wanted value of another kind
      '{"length":"3"}',
      '{"event_id":null}',
      `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`, // deeper than the scan goes
      '{"type":"event",}',
      '{"length":01}',
      '{"length":1.}',
      '{"length":-}',
      '{"type":"ev\u0001ent"}',
      '{"type":"event"',
      '{"type":"event"}x',
      '{"type" "event"}',
      '{"a":tru}',
      '{"a":"\\x"}',
      '[]',
      '"type"',
      '',
    ])
      assert.equal(scan(line), undefined, line);
  });
});
