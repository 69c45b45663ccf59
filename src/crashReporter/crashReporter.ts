/**
 * Conveyor's own opt-in crash reporter: sends Conveyor's errors (not the user's app's) to a Sentry DSN.
 *
 * The extension host is one process shared by every extension, so this never calls `Sentry.init()` and installs
 * no global handler: it uses an isolated `NodeClient` and its own `Scope`, and reports only what `capture()` is given.
 * Events are scrubbed before they leave: paths of the user's machine become placeholders, secrets are redacted.
 */
import { dedupeIntegration, defaultStackParser, linkedErrorsIntegration, makeNodeTransport, NodeClient, Scope } from '@sentry/node';
import type { ErrorEvent, Event } from '@sentry/node';

/** An absolute directory and the placeholder that replaces it in reports, e.g. `{ path: os.homedir(), label: '~' }`. */
export interface ScrubPath {
  path: string;
  label: string;
}

export interface ScrubOptions {
  /** Workspace folders (`<workspace>`), the user's home (`~`), the extension's folder (`<extension>`). */
  scrubPaths: readonly ScrubPath[];
  /** Exact strings to redact wherever they appear, e.g. tokens the caller holds. */
  secrets?: readonly string[];
}

export interface CrashReporterOptions extends ScrubOptions {
  dsn: string;
  release: string;
  environment?: string;
}

export interface CrashReporter {
  /** Reports an error; never throws, and does nothing after `close()`. */
  capture(error: unknown, context?: { operation?: string }): void;
  /** Resolves `true` when every captured report was sent within the timeout, `false` otherwise; never rejects. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Sends what is pending (bounded wait) and releases the client and its `beforeExit` listener; later captures are ignored. Call it on deactivation. */
  close(): Promise<void>;
}

export const REDACTED = '[redacted]';
const DEFAULT_FLUSH_MS = 2_000;
/** Shorter exact secrets would redact ordinary words and make reports unreadable. */
const MIN_SECRET_LENGTH = 4;

/** Creates the reporter; throws once, with what to fix, when the DSN is malformed. */
export function createCrashReporter(options: CrashReporterOptions): CrashReporter {
  const dsn = validDsn(options.dsn);
  const scrub: ScrubOptions = { scrubPaths: options.scrubPaths, secrets: options.secrets };
  const client = new NodeClient({
    dsn,
    release: options.release,
    environment: options.environment,
    transport: makeNodeTransport,
    stackParser: defaultStackParser,
    // Nothing that patches globals (uncaught exception/rejection, console, http, Function.prototype.toString).
    integrations: [],
    // v11 replaced `sendDefaultPii` with per-category switches: collect nothing beyond the error itself.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      graphQL: { document: false, variables: false },
      genAI: { inputs: false, outputs: false },
      mcp: { inputs: false, outputs: false },
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
      frameContextLines: 0,
    },
    // No hostname in events at all (scrubEvent drops it too, in case another source adds it).
    includeServerName: false,
    // Both default on and act process-wide: module-load hooks, and a timer plus a `beforeExit` listener.
    enableRuntimeChannelInjection: false,
    sendClientReports: false,
    maxBreadcrumbs: 0,
    beforeBreadcrumb: () => null,
    // tracesSampleRate stays undefined: Sentry treats any defined value, even 0, as "tracing enabled".
    beforeSend: (event) => scrubForSending(event, scrub),
  });
  // Deliberately no `client.init()`: NodeClient.init() sets the async-context strategy on Sentry's global carrier,
  // which other extensions using the same SDK version share. addIntegration() sets up these per-client ones only.
  client.addIntegration(linkedErrorsIntegration());
  client.addIntegration(dedupeIntegration());
  const scope = new Scope();
  scope.setClient(client);
  let closed = false;
  let closing: Promise<void> | undefined;

  return {
    capture(error, context) {
      if (closed) return;
      try {
        const operation = context?.operation;
        scope.captureException(error, operation ? { captureContext: { tags: { operation } } } : undefined);
      } catch {
        // A crash reporter that crashes its caller would be worse than a lost report.
      }
    },
    async flush(timeoutMs = DEFAULT_FLUSH_MS) {
      try {
        return await client.flush(timeoutMs);
      } catch {
        return false;
      }
    },
    close() {
      closed = true;
      closing ??= Promise.resolve(client.close(DEFAULT_FLUSH_MS)).then(
        () => undefined,
        () => undefined,
      );
      return closing;
    },
  };
}

/** `https://<public key>@<host>/<project id>`, as Sentry shows it under Project Settings > Client Keys (DSN). */
function validDsn(dsn: string): string {
  const trimmed = dsn.trim();
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  const projectId = url?.pathname.split('/').filter(Boolean).at(-1) ?? '';
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    !/^\w+$/.test(url.username) ||
    !url.hostname ||
    !/^\d+$/.test(projectId)
  ) {
    throw new Error(
      // The value itself is left out: messages end up in logs, and a pasted DSN may carry a legacy secret key.
      'The crash reporting DSN is not a valid Sentry DSN: expected https://<public key>@<host>/<project id>. ' +
        'Copy it from the Sentry project under Settings > Client Keys (DSN).',
    );
  }
  return trimmed;
}

/** Fails closed: an event that cannot be scrubbed is not sent. */
function scrubForSending(event: ErrorEvent, options: ScrubOptions): ErrorEvent | null {
  try {
    // Conveyor records no breadcrumbs; any here came from another extension's scope shared through the SDK's globals.
    delete event.breadcrumbs;
    return scrubEvent(event, options);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scrubbing

/** Fields that hold SDK-generated ids and metadata: redacting their hex ids would break the event, not protect anyone. */
const UNSCRUBBED_FIELDS = new Set([
  'event_id',
  'timestamp',
  'start_timestamp',
  'level',
  'platform',
  'release',
  'dist',
  'environment',
  'sdk',
  'type',
  'sdkProcessingMetadata',
]);

/** Removes the user, hostnames and request headers, and rewrites every string of the event with `scrubText`. Pure. */
export function scrubEvent<E extends Event>(event: E, options: ScrubOptions): E {
  const scrubText = textScrubber(options);
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'user' || key === 'server_name' || key === 'modules') continue;
    result[key] = UNSCRUBBED_FIELDS.has(key) ? value : scrubValue(value, scrubText, new WeakSet());
  }
  const scrubbed = result as E;
  if (scrubbed.request) {
    // Only where it failed is useful; headers, cookies, bodies and env carry credentials and user data.
    const { url, method } = scrubbed.request;
    scrubbed.request = { ...(url !== undefined && { url }), ...(method !== undefined && { method }) };
  }
  if (scrubbed.contexts) {
    const { device, os, ...rest } = scrubbed.contexts;
    scrubbed.contexts = {
      ...rest,
      ...(device && { device: omit(device, ['name', 'hostname', 'host_name']) }),
      ...(os && { os: omit(os, ['hostname', 'host_name']) }),
      // Trace ids are hex that the secret patterns would mangle (and the event be refused); they identify no one.
      ...(event.contexts?.trace && { trace: event.contexts.trace }),
    };
  }
  if (scrubbed.tags) scrubbed.tags = omit(scrubbed.tags, ['server_name', 'hostname', 'user']);
  return scrubbed;
}

function omit<T extends object>(value: T, keys: readonly string[]): T {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key))) as T;
}

function scrubValue(value: unknown, scrubText: (text: string) => string, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrubText, seen));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Local variables of a frame are user data by nature; Conveyor never enables them, but never send them either.
    if (key === 'vars') continue;
    result[scrubText(key)] = scrubValue(item, scrubText, seen);
  }
  return result;
}

/** Token shapes redacted wherever they appear; each keeps a prefix (group 1) when that helps reading the report. */
const TOKEN_PATTERNS: ReadonlyArray<{ pattern: RegExp; replacement: string }> = [
  // Credentials in URLs: https://user:pass@host, https://<token>@host.
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"<>]+@/gi, replacement: `$1${REDACTED}@` },
  // Authorization header values.
  { pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/-]{6,}=*/gi, replacement: `$1 ${REDACTED}` },
  // Secrets in query strings and form bodies (`token=…`), JSON (`"password":"…"`) and text (`api_key: …`). The
  // separators are strict so that Sentry module names such as `ui.auth:session` stay readable.
  {
    pattern:
      /\b((?:access_|refresh_|id_|auth_|api_|private_|client_)?(?:password|passwd|pwd|token|secret|api_?key|apikey|sentry_key|sig|signature|auth)(?:\s*=\s*["']?|["']\s*:\s*["']?|:\s+["']?))[^\s&#"',;)}\]]+/gi,
    replacement: `$1${REDACTED}`,
  },
  // GitHub (classic, OAuth, user-to-server, server-to-server, refresh; fine-grained).
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, replacement: REDACTED },
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g, replacement: REDACTED },
  // Slack, GitLab, npm, Linear, Notion (integration secrets, new and legacy), Sentry, Jira/Atlassian, AWS access keys, JWTs.
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, replacement: REDACTED },
  { pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g, replacement: REDACTED },
  { pattern: /\bnpm_[A-Za-z0-9]{36,}\b/g, replacement: REDACTED },
  { pattern: /\blin_(?:api|oauth)_[A-Za-z0-9]{32,}\b/g, replacement: REDACTED },
  { pattern: /\b(?:ntn|secret)_[A-Za-z0-9]{40,}\b/g, replacement: REDACTED },
  { pattern: /\bsntr[ysu]_[A-Za-z0-9+/=_-]{20,}/g, replacement: REDACTED },
  { pattern: /\bATATT[A-Za-z0-9_+/=-]{20,}/g, replacement: REDACTED },
  { pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replacement: REDACTED },
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replacement: REDACTED },
  // Unprefixed keys: long hex (Sentry auth tokens, API keys), and long base64 runs that mix cases and digits —
  // the mix keeps long identifiers such as `createCrashReporterForWorkspaceFolders` readable.
  { pattern: /\b[A-Fa-f0-9]{32,}\b/g, replacement: REDACTED },
  {
    pattern: /(?<![A-Za-z0-9+_-])(?=[A-Za-z0-9+_-]*[0-9])(?=[A-Za-z0-9+_-]*[a-z])(?=[A-Za-z0-9+_-]*[A-Z])[A-Za-z0-9+_-]{32,}={0,2}/g,
    replacement: REDACTED,
  },
];

/**
 * Builds the string rewriter once per event: exact secrets first (they may look like nothing else), then paths
 * (longest first), then token shapes.
 */
function textScrubber(options: ScrubOptions): (text: string) => string {
  const secrets = [...new Set(options.secrets ?? [])]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  const secretPattern = secrets.length > 0 ? new RegExp(secrets.map(escapeRegExp).join('|'), 'g') : undefined;
  const pathPatterns = options.scrubPaths
    .map(({ path, label }) => ({ path: trimSeparators(path), label }))
    .filter(({ path }) => isScrubbablePath(path))
    // A workspace inside the home folder must become `<workspace>`, not `~/…`.
    .sort((a, b) => b.path.length - a.path.length)
    .map(({ path, label }) => ({ pattern: pathPattern(path), label }));
  return (text) => {
    let result = secretPattern ? text.replace(secretPattern, REDACTED) : text;
    for (const { pattern, label } of pathPatterns) result = result.replace(pattern, () => label);
    for (const { pattern, replacement } of TOKEN_PATTERNS) result = result.replace(pattern, replacement);
    return result;
  };
}

function trimSeparators(path: string): string {
  const trimmed = path.trim();
  const withoutTrailing = trimmed.replace(/[\\/]+$/, '');
  return withoutTrailing || trimmed;
}

/** A root (`/`, `C:`) or relative path would turn every path into a placeholder and say nothing. */
function isScrubbablePath(path: string): boolean {
  return path.length > 1 && !/^[A-Za-z]:$/.test(path) && /^(?:[\\/]|[A-Za-z]:[\\/])/.test(path);
}

/**
 * Matches a directory as it shows up in stack traces and messages: native and `/` or `\` separators, `file:` URLs
 * (percent-encoded, `c%3A`), JSON-escaped backslashes, and the dotted form Sentry's node SDK derives `module` from.
 * Case-insensitive because Windows and macOS paths are; the boundaries keep `/home/al` from matching `/home/alice`.
 */
function pathPattern(path: string): RegExp {
  const forward = path.replace(/\\/g, '/');
  const backward = forward.replace(/\//g, '\\');
  const variants = new Set([
    path,
    forward,
    backward,
    backward.replace(/\\/g, '\\\\'),
    encodeURI(forward),
    encodeURI(forward).replace(/:/g, '%3A'),
  ]);
  const segments = forward.split('/').filter(Boolean);
  if (segments.length >= 2) variants.add(segments.join('.'));
  const alternatives = [...variants].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(`(?<![A-Za-z0-9_])(?:${alternatives.join('|')})(?![A-Za-z0-9_-])`, 'gi');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
