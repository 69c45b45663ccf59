import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestCaseResult } from './testReport';

export type SourceLocation = NonNullable<TestCaseResult['location']>;

/**
 * Turns a path or `file:` URL written by a test tool into an absolute path. Relative paths are taken
 * against the folder because runners such as mocha shorten stack paths to the working directory.
 * Other schemes (`node:internal/…`, `webpack://…`) name no file on disk, so they give undefined.
 */
export function toAbsolutePath(written: string, folder: string): string | undefined {
  if (written.startsWith('file:')) {
    try {
      return fileURLToPath(written);
    } catch {
      return undefined;
    }
  }
  // Two or more letters before the colon: a single letter is a Windows drive (`C:\…`), not a scheme.
  if (/^[a-z][a-z0-9+.-]+:/i.test(written)) {
    return undefined;
  }
  return path.resolve(folder, written);
}

/** The folder-relative path for messages, or the absolute one when the file lies outside the folder. */
export function displayPath(file: string, folder: string): string {
  const relative = path.relative(folder, file);
  return isOutside(relative) ? file : relative;
}

/** Parses `path:line[:column]` as Node's test runner writes a test's `location`. */
export function parseLocation(text: string, folder: string): SourceLocation | undefined {
  const match = /^(.+?):(\d+)(?::(\d+))?$/.exec(text.trim());
  if (!match) {
    return undefined;
  }
  return makeLocation(match[1], match[2], match[3], folder);
}

/**
 * The first stack frame that points at the project's own code: frames inside node_modules, Node's
 * internals or other folders say where the assertion library threw, not which test line failed.
 */
export function firstFrameInFolder(stack: string, folder: string): SourceLocation | undefined {
  for (const line of stack.split(/\r?\n/)) {
    const location = parseStackFrame(line, folder);
    if (location && isProjectFile(location.file, folder)) {
      return location;
    }
  }
  return undefined;
}

/** Where a test or frame is, from the pieces a tool wrote; undefined unless the path and line make sense. */
export function makeLocation(
  file: string,
  line: string | number,
  column: string | number | undefined,
  folder: string,
): SourceLocation | undefined {
  const absolute = toAbsolutePath(file, folder);
  const lineNumber = Number(line);
  if (absolute === undefined || !Number.isInteger(lineNumber) || lineNumber < 1) {
    return undefined;
  }
  const columnNumber = column === undefined ? undefined : Number(column);
  return columnNumber !== undefined && Number.isInteger(columnNumber) && columnNumber > 0
    ? { file: absolute, line: lineNumber, column: columnNumber }
    : { file: absolute, line: lineNumber };
}

// `at fn (file:line:col)`; Node's TAP reporter drops the leading `at`.
const FRAME_WITH_FUNCTION = /\(([^()]+):(\d+):(\d+)\)\s*$/;
// `at file:line:col` for anonymous top-level code; without `at` only a path with no spaces counts,
// so that prose in an error message is not read as a frame.
const BARE_FRAME = /^\s*(?:at\s+(?:async\s+)?(.+)|(\S+)):(\d+):(\d+)\s*$/;

/** Reads one stack-trace line, `at fn (file:line:col)` or `at file:line:col`, with or without the `at`. */
export function parseStackFrame(line: string, folder: string): SourceLocation | undefined {
  const withFunction = FRAME_WITH_FUNCTION.exec(line);
  if (withFunction) {
    return makeLocation(withFunction[1], withFunction[2], withFunction[3], folder);
  }
  const bare = BARE_FRAME.exec(line);
  if (bare) {
    return makeLocation(bare[1] ?? bare[2], bare[3], bare[4], folder);
  }
  return undefined;
}

function isProjectFile(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !isOutside(relative) && !relative.split(path.sep).includes('node_modules');
}

function isOutside(relative: string): boolean {
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}
