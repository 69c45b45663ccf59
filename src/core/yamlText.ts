// Helpers for reporting the YAML parser's errors where a user can act on them.
import { LineCounter, isMap, isScalar, parseDocument, visit } from 'yaml';
import type { Document } from 'yaml';
import { messageOf } from './errors';

/**
 * The YAML parser reports some mistakes (an unclosed quote or bracket) at the end of the file; the line
 * the user must fix is the last one with content, so point there instead of at an empty last line.
 */
export function pinToContent(text: string, offsets: readonly [number, number]): [number, number] {
  const contentEnd = text.trimEnd().length;
  if (offsets[0] < contentEnd) return [offsets[0], offsets[1]];
  const lineStart = text.lastIndexOf('\n', contentEnd - 1) + 1;
  const firstChar = lineStart + (text.slice(lineStart).length - text.slice(lineStart).trimStart().length);
  return [Math.min(firstChar, contentEnd), contentEnd];
}

export function cleanYamlMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

/** What went wrong expanding aliases (`*name`), in words. */
export function aliasProblem(error: unknown): string {
  const said = messageOf(error);
  if (/alias count/i.test(said))
    return 'Aliases (*name) here expand to too much data (over 100 copies): write the values out, or use fewer aliases.';
  return `An alias (*name) cannot be expanded: ${said}.`;
}

/** Where the document's first alias is, for a problem about aliases. */
export function firstAliasRange(doc: Document): readonly number[] | undefined {
  let range: readonly number[] | undefined;
  visit(doc, {
    Alias(_key, node) {
      range = node.range ?? undefined;
      return visit.BREAK;
    },
  });
  return range;
}

/** The 1-based line of the key at `path` (`['environments', 'staging', 'autoscale']`), if the text has it. */
export function lineOfKey(text: string, path: readonly string[]): number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path[path.length - 1]);
  const start = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  return start === undefined ? undefined : lineCounter.linePos(start).line;
}
