/**
 * One model for errors, whichever source they come from: the local Sentry-compatible receiver (embedded
 * default) or a hosted Sentry's REST API. The UI (Errors view, diagnostics, CodeLens, hover) reads only this.
 */

export type ErrorSource = 'local' | 'sentry';

/** A stack frame as both sources agree on it (the envelope says `lineno`, the REST API `lineNo`). */
export interface StackFrame {
  /** As reported: absolute path, `app:///dist/x.js`, `~/src/x.ts`, or a module-relative name. */
  filename?: string;
  /** Sentry's `abs_path` / `absPath` when it differs from `filename`. */
  absPath?: string;
  module?: string;
  function?: string;
  /** 1-based. */
  lineno?: number;
  /** 1-based. */
  colno?: number;
  inApp?: boolean;
  /** Source line text, when the SDK sent context. */
  contextLine?: string;
}

/** A name of a script served over HTTP (`http://127.0.0.1:5173/src/cart.ts?t=1`): a browser's frame. */
export function isHttpUrl(reported: string): boolean {
  return /^https?:\/\//i.test(reported);
}

/** The URL a frame was served from, when a browser reported it. */
export function servedUrl(frame: StackFrame): string | undefined {
  return [frame.absPath, frame.filename].find((name): name is string => !!name && isHttpUrl(name));
}

/** The latest (or a representative) event of an issue, with its stack; frames innermost LAST, as in Sentry. */
export interface ErrorEventDetail {
  eventId: string;
  /** ISO 8601. */
  timestamp: string;
  release?: string;
  environment?: string;
  exceptionType: string;
  exceptionValue: string;
  frames: StackFrame[];
  userId?: string;
  /** What the receiver dropped to keep the event bounded; absent when it kept everything. */
  trimmed?: EventTrimming;
}

/** Counts of what was cut from an oversized event, so the UI can say the stack or message is partial. */
export interface EventTrimming {
  /** Stack frames dropped from the middle of the stack. */
  frames: number;
  /** Characters cut from the ends of over-long texts (message, type, file names, functions, context lines). */
  characters: number;
}

/**
 * As in Sentry: resolved in a version, an issue stays resolved while only older releases (still running
 * elsewhere) send it; an event from that version or a later one reopens it as a regression.
 */
export type ErrorStatus = 'unresolved' | 'resolved' | 'regressed';

/** A group of events that are the same error (exception type + message + top in-app frame). */
export interface ErrorIssue {
  source: ErrorSource;
  /** Stable id: the receiver's fingerprint hash, or Sentry's issue id. */
  id: string;
  /** Short id shown to users, e.g. `LOCAL-3` or Sentry's `PROJ-1A`. */
  shortId: string;
  /** `TypeError: Cannot read properties of undefined (reading 'x')`. */
  title: string;
  exceptionType: string;
  exceptionValue: string;
  /** Where it happened, as Sentry's culprit: `function (file)`. */
  culprit?: string;
  level: 'fatal' | 'error' | 'warning' | 'info' | 'debug';
  count: number;
  userCount: number;
  /** ISO 8601. */
  firstSeen: string;
  /** ISO 8601. */
  lastSeen: string;
  firstRelease?: string;
  lastRelease?: string;
  environment?: string;
  /** Link to the issue (Sentry web UI); the local receiver has none. */
  url?: string;
  latestEvent?: ErrorEventDetail;
  /** Absent means unresolved (hosted Sentry issues, and local stores written before resolution). */
  status?: ErrorStatus;
  /** The version it was resolved in (`1.5.0`), kept when it regresses. */
  resolvedIn?: string;
  /** ISO 8601. */
  resolvedAt?: string;
  /**
   * The local receiver's newest event of each release (ISO 8601), `''` for events without one: whether a
   * release still sends the error, even while older releases send it too.
   */
  releasesSeen?: Record<string, string>;
}

/** A frame resolved to a file of the workspace (after path mappings and source maps). */
export interface WorkspaceLocation {
  /** Absolute path of a file that exists in the workspace. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}
