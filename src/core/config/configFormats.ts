// The custom JSON-schema formats of conveyor.yml, required by the generated validator (conveyorSchemaValidator.generated.ts).

/** The regular expression's syntax error in words, or undefined when it compiles. */
export function regexSyntaxError(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^Invalid regular expression: /, '');
  }
}

/** `format: regex`: a JavaScript regular expression that compiles. */
export function regex(pattern: string): boolean {
  return regexSyntaxError(pattern) === undefined;
}
