// Parses the WWW-Authenticate header of a 401 (RFC 9110 §11.6.1): one or more challenges, each a scheme
// with comma-separated parameters, e.g. `Bearer realm="https://auth.example/token",service="registry",
// scope="repository:shop-api:pull"`. Registries send Basic or Bearer; Headers.get joins several headers
// with ", ", which the same grammar covers.

export interface AuthChallenge {
  /** Lower case: `basic`, `bearer`. */
  scheme: string;
  /** Parameter names in lower case; values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  const scanner = new Scanner(header ?? '');
  let current: AuthChallenge | undefined;
  while (!scanner.done()) {
    scanner.skip(/^[\s,]+/);
    const word = scanner.take(TOKEN);
    if (!word) {
      break;
    }
    scanner.skip(/^\s*/);
    if (current && scanner.take(/^=/)) {
      scanner.skip(/^\s*/);
      current.params[word.toLowerCase()] = scanner.quotedString() ?? scanner.take(TOKEN) ?? '';
      continue;
    }
    // A word not followed by `=` starts the next challenge. token68 credentials (`Negotiate abc==`)
    // never appear in registry challenges and are skipped with their trailing `=`.
    current = { scheme: word.toLowerCase(), params: {} };
    challenges.push(current);
    scanner.skip(/^[A-Za-z0-9\-._~+/]+=+(?=\s*(,|$))/);
  }
  return challenges;
}

class Scanner {
  private rest: string;
  constructor(text: string) {
    this.rest = text;
  }

  done(): boolean {
    return this.rest.length === 0;
  }

  skip(pattern: RegExp): void {
    this.take(pattern);
  }

  take(pattern: RegExp): string | undefined {
    const match = pattern.exec(this.rest);
    if (!match) {
      return undefined;
    }
    this.rest = this.rest.slice(match[0].length);
    return match[0];
  }

  /** `"a \"b\""` → `a "b"` */
  quotedString(): string | undefined {
    const match = /^"((?:[^"\\]|\\.)*)"/.exec(this.rest);
    if (!match) {
      return undefined;
    }
    this.rest = this.rest.slice(match[0].length);
    return match[1].replace(/\\(.)/g, '$1');
  }
}
