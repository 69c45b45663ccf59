// Words that go into a POSIX shell command line (a stage's `run`, a git hook) as themselves: a name from a
// repository's files must never be read by the shell as code (`test:$(touch X)`) or split (`test:a b`).

/** `value` as one shell word, always single-quoted. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `value` as one shell word, quoted only when it needs to be (so `npm run test:unit` stays readable). */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : shellQuote(value);
}
