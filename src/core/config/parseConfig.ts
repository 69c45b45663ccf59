// Parses conveyor.yml with positions kept, validates it against the shipped JSON schema, and returns a
// config with every invalid part removed (so callers fall back to defaults there) plus one located
// problem per mistake.
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import schema from '../../../schemas/conveyor.schema.json';
import type { ConveyorConfig } from './conveyorConfig';
import type { ConfigProblem, TextRange } from './configProblem';
import { isInside, resolveInsideFolder } from '../fsUtil';
import { isRecord } from '../records';
import { regexSyntaxError } from './configFormats';
import { validate as generatedValidator } from './conveyorSchemaValidator.generated';
import { aliasProblem, cleanYamlMessage, firstAliasRange, pinToContent } from '../yamlText';

export interface ParsedConfig {
  config: ConveyorConfig;
  problems: ConfigProblem[];
}

type PathSegment = string | number;

/** Larger files are refused unread: validation time grows with the size, and no real conveyor.yml is near it. */
/** Larger files are refused unparsed: the YAML parser alone takes about 1.7 s for 1 MiB of keys here, 0.55 s for this. */
export const MAX_CONFIG_BYTES = 512 * 1024;
/** Problems listed at most; the rest are counted in one more, so a huge file cannot flood the editor. */
export const MAX_LISTED_PROBLEMS = 100;
/** The schema's pattern for a path field (no NUL): it also marks the values that must stay inside the folder. */
const PATH_PATTERN = '^[^\\u0000]*$';

/** The schema compiled at build time (scripts/build/configValidator.mjs): Ajv's compiler never runs in the extension. */
const validateConfig = generatedValidator as unknown as ValidateFunction;

/**
 * parseConfig, plus the rule that every path in conveyor.yml (the schema's path fields) resolves inside
 * `folder`, by its real path: one that leaves it, even through a symlink, is a problem at its line and is dropped.
 */
export async function parseConfigInFolder(text: string, folder: string): Promise<ParsedConfig> {
  const { parsed, pathFields } = parseWithPaths(text);
  const outside = (
    await Promise.all(pathFields.map(async (field) => ((await resolveInsideFolder(folder, field.value)) ? undefined : field)))
  ).filter((field) => field !== undefined);
  if (outside.length === 0) return parsed;
  const config = structuredClone(parsed.config);
  for (const field of outside) removeAt(config, field.at);
  const problems = outside.map<ConfigProblem>((field) => ({
    message: `${displayPath(field.at)} points outside this folder ("${field.value}"${isInside(folder, path.resolve(folder, field.value)) ? ', through a symbolic link' : ''}); Conveyor only reads and writes inside it. The default is used.`,
    severity: 'error',
    range: field.range,
  }));
  return { config, problems: [...parsed.problems, ...problems] };
}

export function parseConfig(text: string): ParsedConfig {
  return parseWithPaths(text).parsed;
}

interface PathField {
  at: PathSegment[];
  value: string;
  range: TextRange;
}

function parseWithPaths(text: string): { parsed: ParsedConfig; pathFields: PathField[] } {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_CONFIG_BYTES) {
    const message = `conveyor.yml is ${(bytes / 1024).toFixed(0)} KiB; Conveyor reads at most ${MAX_CONFIG_BYTES / 1024} KiB, so none of it is used (defaults everywhere).`;
    const start = { line: 0, character: 0 };
    return {
      parsed: { config: {}, problems: [{ message, severity: 'error', range: { start, end: { line: 0, character: 1 } } }] },
      pathFields: [],
    };
  }
  const lineCounter = new LineCounter();
  // Duplicate keys are found below with one set per mapping: the parser's own check is quadratic in the keys.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const toRange = (offsets: readonly number[] | undefined): TextRange => rangeOf(lineCounter, text, offsets);
  const parsed = validateDocument(doc, text, toRange);
  const pathFields = [...pathValues(schema, parsed.config, [])].map(([at, value]) => ({ at, value, range: toRange(locateValue(doc, at)) }));
  return { parsed, pathFields };
}

function validateDocument(doc: Document, text: string, toRange: (offsets: readonly number[] | undefined) => TextRange): ParsedConfig {
  const problems: ConfigProblem[] = [
    ...doc.errors.map((e) => ({
      message: cleanYamlMessage(e.message),
      severity: 'error' as const,
      range: toRange(pinToContent(text, e.pos)),
    })),
    ...duplicateKeys(doc).map((key) => ({
      message: 'Map keys must be unique',
      severity: 'error' as const,
      range: toRange(key.range ?? undefined),
    })),
    ...doc.warnings.map((w) => ({
      message: cleanYamlMessage(w.message),
      severity: 'warning' as const,
      range: toRange(pinToContent(text, w.pos)),
    })),
  ];
  if (problems.some((p) => p.severity === 'error')) {
    // A document with syntax errors cannot be trusted piecemeal: use defaults for all of it.
    return { config: {}, problems: listed(problems, 0) };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    // An alias bomb or an alias to no anchor: a problem at the first alias, and defaults for the rest.
    problems.push({ message: aliasProblem(error), severity: 'error', range: toRange(firstAliasRange(doc)) });
    return { config: {}, problems };
  }
  const validate = validateConfig;
  if (validate(data)) return { config: data as ConveyorConfig, problems: listed(problems, 0) };

  const errors = withoutBranchNoise(validate.errors ?? []);
  // Only the listed problems are described and located; the rest are counted.
  const described = errors.slice(0, Math.max(0, MAX_LISTED_PROBLEMS - problems.length));
  for (const error of described) {
    problems.push({ message: describeError(error), severity: 'error', range: toRange(locateError(doc, error)) });
  }
  return { config: pruneInvalid(data, validate, errors), problems: listed(dedupe(problems), errors.length - described.length) };
}

/** The first MAX_LISTED_PROBLEMS problems, and one more that counts the others (`unlisted` of them not built at all). */
function listed(problems: ConfigProblem[], unlisted: number): ConfigProblem[] {
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS);
  const more = problems.length - shown.length + unlisted;
  if (more === 0) return shown;
  const last = shown[shown.length - 1];
  return [
    ...shown,
    {
      message: `…and ${more.toLocaleString('en')} more problems, not listed: fix the ones above first.`,
      severity: last.severity,
      range: last.range,
    },
  ];
}

function duplicateKeys(doc: Document): Node[] {
  const duplicates: Node[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) duplicates.push(pair.key);
        seen.add(pair.key.value);
      }
    },
  });
  return duplicates;
}

/** Every string in `data` whose schema is a path field, with where it is. */
function* pathValues(schemaNode: unknown, data: unknown, at: PathSegment[]): Generator<[PathSegment[], string]> {
  if (!isRecord(schemaNode)) return;
  if (typeof data === 'string' && schemaNode.pattern === PATH_PATTERN) yield [at, data];
  if (Array.isArray(data)) for (const [i, item] of data.entries()) yield* pathValues(schemaNode.items, item, [...at, i]);
  if (!isRecord(data)) return;
  const properties = isRecord(schemaNode.properties) ? schemaNode.properties : {};
  for (const [key, value] of Object.entries(data))
    yield* pathValues(properties[key] ?? schemaNode.additionalProperties, value, [...at, key]);
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
  const intended = new Map(branchPaths.map((b) => [b, intendedBranch(b, errors)]));
  return errors.filter((e) => {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') return intended.get(e) === undefined;
    if (e.keyword === 'propertyNames') return true;
    if (e.schemaPath.includes('/propertyNames/')) return false;
    return !branchPaths.some((b) => isInBranches(e, b) && !e.schemaPath.startsWith(intended.get(b) ?? '\0'));
  });
}

/** Whether `error` is one of the branches' complaints about the value `branching` is about (not another list item's). */
function isInBranches(error: ErrorObject, branching: ErrorObject): boolean {
  const inValue = error.instancePath === branching.instancePath || error.instancePath.startsWith(`${branching.instancePath}/`);
  return inValue && error.schemaPath.startsWith(`${branching.schemaPath}/`);
}

/**
 * The one branch whose type the value has (a problem matcher written as a mapping), as a schemaPath prefix:
 * its own complaints (an invalid regexp) say more than "unsupported form". Undefined when not exactly one.
 */
function intendedBranch(branching: ErrorObject, errors: ErrorObject[]): string | undefined {
  const prefix = `${branching.schemaPath}/`;
  const inBranches = errors.filter((e) => isInBranches(e, branching));
  const branches = [...new Set(inBranches.map((e) => e.schemaPath.slice(prefix.length).split('/')[0]))];
  const typeFits = branches.filter(
    (b) =>
      !inBranches.some((e) => e.keyword === 'type' && e.instancePath === branching.instancePath && e.schemaPath === `${prefix}${b}/type`),
  );
  return typeFits.length === 1 ? `${prefix}${typeFits[0]}/` : undefined;
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
    case 'pattern': {
      if (params.pattern === PATH_PATTERN) return `${where} is a path and cannot contain a NUL character; the default is used.`;
      const described = (error.parentSchema as { description?: string } | undefined)?.description;
      if (described) return `${where} must be: ${described.replace(/\.$/, '')} (found ${describeValue(error.data)}); the default is used.`;
      return `${where} ${error.message ?? 'is invalid'} (found ${describeValue(error.data)}); the default is used.`;
    }
    case 'format':
      if (params.format === 'regex')
        return `${where} is not a valid regular expression (${regexSyntaxError(String(error.data))}); the default matcher is used.`;
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

/** Each mapping's pairs by key, built once: a lookup per problem must not scan the mapping again. */
const pairIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairAt(node: unknown, key: PathSegment): Pair | undefined {
  if (!isMap(node)) return undefined;
  let index = pairIndexes.get(node);
  if (!index) {
    index = new Map();
    for (const pair of node.items) {
      const name = isPair(pair) && isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (name !== undefined && !index.has(name)) index.set(name, pair);
    }
    pairIndexes.set(node, index);
  }
  return index.get(String(key));
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
  return locateValue(doc, path, error.keyword === 'required');
}

/** The text of the value at `path`, or of its key when the value has no text of its own. */
function locateValue(doc: Document, path: PathSegment[], preferKey = false): number[] | undefined {
  let node: unknown = doc.contents;
  let lastKey: Node | undefined;
  for (const seg of path) {
    const pair = pairAt(node, seg);
    if (pair) lastKey = pair.key as Node;
    node = childAt(node, seg);
  }
  const valueNode = node as Node | null | undefined;
  // Point at the value when it has text of its own, else at its key (e.g. `timeout:` with nothing after).
  if (!preferKey && isScalar(valueNode) && valueNode.range && valueNode.range[1] > valueNode.range[0]) {
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
