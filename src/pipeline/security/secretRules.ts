// What the secret scan looks for: a small table of well-known token shapes plus one generic rule for
// credential-named assignments, which needs an entropy test to keep ordinary strings out.

export interface SecretRule {
  /** Stable id, used as the problem code and in fingerprints. */
  id: string;
  /** What a match probably is, in the user's words. */
  description: string;
  /** Global, with indices (`dg`); capture group 1, when present, is the secret itself. */
  pattern: RegExp;
  /** Drops matches that only look like a secret (placeholders, code, low entropy). */
  accepts?: (candidate: SecretCandidate) => boolean;
}

export interface SecretCandidate {
  secret: string;
  /** The secret was written between quotes (a string literal) rather than bare (`KEY=value`). */
  quoted: boolean;
  /** The line is source code, where a literal is always quoted and a bare value is an expression or a type. */
  inSourceCode: boolean;
  /** The rest of the line after the secret. */
  textAfter: string;
}

export interface SecretMatch {
  rule: SecretRule;
  secret: string;
  /** 0-based UTF-16 offset of the secret in its line. */
  start: number;
}

// The lookbehind makes a key start only at a word boundary: without it, a long run of word characters
// (a base64 blob) would make the engine backtrack quadratically.
const CREDENTIAL_KEY =
  '(?<![\\w.-])[\\w.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|auth(?!or(?!ization))|credential)[\\w.-]*';
// `==` is a comparison, not an assignment.
const ASSIGNMENT = `["']?\\s*(?::=|=>|:|=(?!=))\\s*`;
// A bare value stops at characters that mean code (calls, indexing, operators), not a literal.
const BARE_VALUE = '([^\\s,;\'"`#()[\\]{}<>&|!?=][^\\s,;\'"`#()[\\]{}<>&|!?]*)';
const QUOTED_OR_BARE_VALUE = `(?:"([^"\\n]*)"|'([^'\\n]*)'|\`([^\`\\n]*)\`|${BARE_VALUE})`;

export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'private-key',
    description: 'Private key block',
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/dg,
  },
  { id: 'aws-access-key-id', description: 'Possible AWS access key ID', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/dg },
  {
    id: 'aws-secret-access-key',
    description: 'Possible AWS secret access key',
    pattern: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/dgi,
  },
  { id: 'github-token', description: 'Possible GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/dg },
  { id: 'slack-token', description: 'Possible Slack token', pattern: /\bxox[baprs]-[0-9A-Za-z-]{10,}/dg },
  {
    id: 'slack-webhook',
    description: 'Possible Slack webhook URL',
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9_]+\/B[A-Za-z0-9_]+\/[A-Za-z0-9_]+/dg,
  },
  { id: 'google-api-key', description: 'Possible Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/dg },
  { id: 'stripe-live-key', description: 'Possible Stripe live secret key', pattern: /\b[rs]k_live_[0-9A-Za-z]{24,}/dg },
  { id: 'npm-token', description: 'Possible npm access token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/dg },
  {
    id: 'generic-secret',
    description: 'Possible hard-coded credential',
    pattern: new RegExp(`${CREDENTIAL_KEY}${ASSIGNMENT}${QUOTED_OR_BARE_VALUE}`, 'dgi'),
    accepts: looksLikeRealSecret,
  },
];

/**
 * Every match in one line of text. The table runs from specific to generic, and a span an earlier rule
 * already reported is not reported again (`token = "ghp_…"` is a GitHub token, not also a generic secret).
 */
export function findSecretsInLine(line: string, options: { inSourceCode?: boolean } = {}): SecretMatch[] {
  const matches: SecretMatch[] = [];
  const overlapsEarlier = (start: number, end: number) => matches.some((m) => start < m.start + m.secret.length && m.start < end);
  for (const rule of SECRET_RULES) {
    for (const match of line.matchAll(rule.pattern)) {
      const found = secretOf(match);
      if (!found || overlapsEarlier(found.start, found.start + found.secret.length)) continue;
      const quoted = /["'`]/.test(line.charAt(found.start - 1));
      const textAfter = line.slice(found.start + found.secret.length);
      const candidate = { secret: found.secret, quoted, textAfter, inSourceCode: options.inSourceCode ?? false };
      if (rule.accepts && !rule.accepts(candidate)) continue;
      matches.push({ rule, ...found });
    }
  }
  return matches;
}

/** The first capture group that matched (the value), or the whole match for rules without groups. */
function secretOf(match: RegExpExecArray | RegExpMatchArray): { secret: string; start: number } | undefined {
  const indices = match.indices;
  if (!indices) return undefined;
  for (let group = 1; group < match.length; group++) {
    const span = indices[group];
    if (match[group] !== undefined && span) return { secret: match[group], start: span[0] };
  }
  return { secret: match[0], start: indices[0][0] };
}

const MIN_GENERIC_LENGTH = 16;
const MIN_GENERIC_ENTROPY = 3.5;
/** Average length of the words in a name; random keys split into runs of about 2 characters. */
const MIN_NAME_WORD_LENGTH = 3.5;

// Measured on this repository's node_modules (7,000 files): without the tests for letters and digits,
// printable ASCII, names and source code, constant names ("refresh_token_expired"), type annotations and
// translated messages made hundreds of findings. Generated keys of this length almost always mix letters
// and digits.
function looksLikeRealSecret({ secret, quoted, textAfter, inSourceCode }: SecretCandidate): boolean {
  return (
    secret.length >= MIN_GENERIC_LENGTH &&
    /^[\x21-\x7e]+$/.test(secret) &&
    /\d/.test(secret) &&
    /[A-Za-z]/.test(secret) &&
    shannonEntropy(secret) >= MIN_GENERIC_ENTROPY &&
    !looksLikePlaceholder(secret) &&
    !looksLikeUrlOrPath(secret) &&
    !looksLikeName(secret) &&
    (quoted || (!inSourceCode && !looksLikeCode(secret, textAfter)))
  );
}

/** Bits per character of the value's own character distribution. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...value].length;
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const PLACEHOLDER_WORDS = /changeme|change[_-]me|example|placeholder|dummy|redacted|your[_-]|x{4,}/i;

function looksLikePlaceholder(value: string): boolean {
  return (
    /\$\{[^}]*\}|\{\{[^}]*\}\}/.test(value) || // ${VAR}, {{ template }}
    /^<.*>$/.test(value) ||
    /^(?:process\.env|os\.environ|import\.meta\.env)\b/.test(value) ||
    PLACEHOLDER_WORDS.test(value) ||
    /^(.)\1*$/.test(value)
  );
}

/** A URL without credentials or a file path: worth a look in review, not a leaked secret. */
function looksLikeUrlOrPath(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^@]*$/i.test(value) || /^(?:\.{1,2}\/|~\/|\/)/.test(value);
}

/** Constant and type names ("FlowPasswordRequiredResultV2", "token_sha256_to_refresh") are made of words; keys are not. */
function looksLikeName(value: string): boolean {
  if (!/^[A-Za-z][\w.-]*$/.test(value)) return false;
  const parts = value.split(/[_.-]|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])/).filter(Boolean);
  return parts.join('').length / parts.length >= MIN_NAME_WORD_LENGTH;
}

/** A bare value that is an expression (`config.apiToken`, `module_1.token`, `readToken(`) rather than a literal. */
function looksLikeCode(value: string, textAfter: string): boolean {
  const memberAccess = /^[A-Za-z_$][\w$]*\.[A-Za-z_$][\w$.]*$/.test(value) && !value.startsWith('eyJ'); // eyJ…: a JWT
  return memberAccess || value.includes('$') || /^[([]/.test(textAfter);
}
