// Parses conveyor.yml with positions kept, validates it against the shipped JSON schema, and returns a
// config with every invalid part removed (so callers fall back to defaults there) plus one located
// problem per mistake.
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import schema from '../../../schemas/conveyor.schema.json';
import type { ConveyorConfig } from './conveyorConfig';
import type { ConfigProblem, TextRange } from './configProblem';
import { aliasProblem, cleanYamlMessage, firstAliasRange, pinToContent } from '../yamlText';

export interface ParsedConfig {
  config: ConveyorConfig;
  problems: ConfigProblem[];
}

type PathSegment = string | number;

let compiledValidator: ValidateFunction | undefined;
function validator(): ValidateFunction {
  // Compiled on first use, not at import, to keep activation cheap when there is no conveyor.yml.
  compiledValidator ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  return compiledValidator;
}

export function parseConfig(text: string): ParsedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const toRange = (offsets: readonly number[] | undefined): TextRange => rangeOf(lineCounter, text, offsets);

  const problems: ConfigProblem[] = [
    ...doc.errors.map((e) => ({
      message: cleanYamlMessage(e.message),
      severity: 'error' as const,
      range: toRange(pinToContent(text, e.pos)),
    })),
    ...doc.warnings.map((w) => ({
      message: cleanYamlMessage(w.message),
      severity: 'warning' as const,
      range: toRange(pinToContent(text, w.pos)),
    })),
  ];
  if (doc.errors.length > 0) {
    // A document with syntax errors cannot be trusted piecemeal: use defaults for all of it.
    return { config: {}, problems };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    // An alias bomb or an alias to no anchor: a problem at the first alias, and defaults for the rest.
    problems.push({ message: aliasProblem(error), severity: 'error', range: toRange(firstAliasRange(doc)) });
    return { config: {}, problems };
  }
  const validate = validator();
  if (validate(data)) return { config: data as ConveyorConfig, problems };

  const errors = withoutBranchNoise(validate.errors ?? []);
  for (const error of errors) {
    problems.push({ message: describeError(error), severity: 'error', range: toRange(locateError(doc, error)) });
  }
  return { config: pruneInvalid(data, validate, errors), problems: dedupe(problems) };
}

function rangeOf(lineCounter: LineCounter, text: string, offsets: readonly number[] | undefined): TextRange {
  const [from = 0, to = from + 1] = offsets ?? [];
  const start = lineCounter.linePos(Math.min(from, text.length));
  // A range never runs past the end of its first line: a diagnostic on a whole block is unreadable.
  const lineEnd = text.indexOf('\n', from);
  const endOffset = Math.max(from + 1, Math.min(to, lineEnd === -1 ? text.length : lineEnd));
  const end = lineCounter.linePos(Math.min(endOffset, text.length));
  return {
    start: { line: start.line - 1, character: start.col - 1 },
    end: { line: end.line - 1, character: end.col - 1 },
  };
}

function pathOf(instancePath: string): PathSegment[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function displayPath(path: PathSegment[]): string {
  if (path.length === 0) return 'conveyor.yml';
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * anyOf/oneOf report every branch's complaint and propertyNames reports the inner rule too; the user needs
 * one message per mistake ("must be one of these shapes", "invalid name").
 */
function withoutBranchNoise(errors: ErrorObject[]): ErrorObject[] {
  const branchPaths = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  return errors.filter((e) => {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'propertyNames') return true;
    if (e.schemaPath.includes('/propertyNames/')) return false;
    return !branchPaths.some((b) => e.schemaPath.startsWith(b.schemaPath + '/'));
  });
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
};

function describeError(error: ErrorObject): string {
  const path = pathOf(error.instancePath);
  const where = displayPath(path);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = known.length ? ` Known keys: ${known.join(', ')}.` : '';
      return `Unknown key "${String(params.additionalProperty)}" in ${where}; it is ignored.${hint}`;
    }
    case 'required':
      return `${where} is missing "${String(params.missingProperty)}"; this entry is ignored.`;
    case 'type': {
      const expected = String(params.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ');
      return `${where} must be ${expected} (found ${describeValue(error.data)}); the default is used.`;
    }
    case 'enum':
      return `${where} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')} (found ${describeValue(error.data)}); the default is used.`;
    case 'anyOf':
    case 'oneOf':
      return `${where} has an unsupported form (found ${describeValue(error.data)}); see the schema's description. The default is used.`;
    case 'propertyNames':
      return `${where} has an invalid name "${String(params.propertyName)}"; it is ignored.`;
    case 'pattern':
      if (String(params.pattern).includes('u0000')) return `${where} is a path and cannot contain a NUL character; the default is used.`;
      return `${where} ${error.message ?? 'is invalid'} (found ${describeValue(error.data)}); the default is used.`;
    default:
      return `${where} ${error.message ?? 'is invalid'} (found ${describeValue(error.data)}); the default is used.`;
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return 'a mapping';
}

function pairAt(node: unknown, key: PathSegment): Pair | undefined {
  if (!isMap(node)) return undefined;
  return node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
}

function childAt(node: unknown, key: PathSegment): unknown {
  if (isSeq(node) && typeof key === 'number') return node.items[key];
  return pairAt(node, key)?.value;
}

/** Finds the text a validation error is about: the offending key, or the offending value. */
function locateError(doc: Document, error: ErrorObject): number[] | undefined {
  const path = pathOf(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' || error.keyword === 'propertyNames') {
    const name = String(params.additionalProperty ?? params.propertyName);
    const target = path.reduce<unknown>((node, seg) => childAt(node, seg), doc.contents);
    const key = pairAt(target, name)?.key as Node | undefined;
    if (key?.range) return [key.range[0], key.range[1]];
  }
  let node: unknown = doc.contents;
  let lastKey: Node | undefined;
  for (const seg of path) {
    const pair = pairAt(node, seg);
    if (pair) lastKey = pair.key as Node;
    node = childAt(node, seg);
  }
  const valueNode = node as Node | null | undefined;
  // Point at the value when it has text of its own, else at its key (e.g. `timeout:` with nothing after).
  if (error.keyword !== 'required' && isScalar(valueNode) && valueNode.range && valueNode.range[1] > valueNode.range[0]) {
    return [valueNode.range[0], valueNode.range[1]];
  }
  if (lastKey?.range && typeof path[path.length - 1] === 'string') return [lastKey.range[0], lastKey.range[1]];
  if (valueNode?.range) return [valueNode.range[0], valueNode.range[1]];
  return lastKey?.range ? [lastKey.range[0], lastKey.range[1]] : undefined;
}

/**
 * Removes what the errors point at (an unknown key, a wrongly typed value, an entry missing a required
 * key) and validates again, until what is left is valid. Bounded: each round removes at least one thing.
 */
function pruneInvalid(data: unknown, validate: ValidateFunction, firstErrors: ErrorObject[]): ConveyorConfig {
  let current = structuredClone(data);
  let errors = firstErrors;
  for (let round = 0; round < 50 && errors.length > 0; round++) {
    const targets = errors.map((e) => {
      const path = pathOf(e.instancePath);
      const params = e.params as Record<string, unknown>;
      if (e.keyword === 'additionalProperties') return [...path, String(params.additionalProperty)];
      if (e.keyword === 'propertyNames') return [...path, String(params.propertyName)];
      return path;
    });
    if (targets.some((t) => t.length === 0)) return {};
    // Delete deepest first and array items from the end, so earlier indices stay valid.
    targets.sort((a, b) => b.length - a.length || compareSegments(b[b.length - 1], a[a.length - 1]));
    const seen = new Set<string>();
    for (const target of targets) {
      const id = JSON.stringify(target);
      if (seen.has(id)) continue;
      seen.add(id);
      removeAt(current, target);
    }
    if (validate(current)) return current as ConveyorConfig;
    errors = withoutBranchNoise(validate.errors ?? []);
    current = structuredClone(current);
  }
  return errors.length === 0 ? (current as ConveyorConfig) : {};
}

function compareSegments(a: PathSegment | undefined, b: PathSegment | undefined): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return 0;
}

function removeAt(root: unknown, path: PathSegment[]): void {
  const parent = path.slice(0, -1).reduce<unknown>((node, seg) => (node as Record<PathSegment, unknown> | undefined)?.[seg], root);
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else if (parent && typeof parent === 'object' && last !== undefined) delete (parent as Record<PathSegment, unknown>)[last];
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.range.start.line}:${p.range.start.character}:${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
