// Helpers for reporting the YAML parser's errors where a user can act on them.

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
