// The work item an error becomes: its title, and a Markdown description with where it happened (the stack's
// top in-app frames as file:line), the releases, the counts and the way back to the error. Every piece of the
// error is remote text (an app's message, a function name, a URL): it is escaped or fenced so none of it can
// turn into Markdown of its own.
import * as path from 'node:path';
import type { ErrorIssue, StackFrame, WorkspaceLocation } from '../../monitor/errors/errorModel';
import { isLibraryPath } from '../../monitor/errors/frameMapping';

/** Frames listed in the description, innermost first. */
export const MAX_FRAMES = 5;
/** Below every board's limit on titles (GitHub 256, Jira 255). */
const MAX_TITLE = 250;

/** Where a frame is in the workspace, when it maps (the receiver's frame mapping); `index` is the frame's in the event. */
export type LocateFrame = (frame: StackFrame, index: number) => Promise<WorkspaceLocation | undefined>;

export interface ItemFromError {
  title: string;
  /** Markdown. */
  description: string;
}

export async function itemFromError(issue: ErrorIssue, folder: string, locate: LocateFrame): Promise<ItemFromError> {
  const frames = await topInAppFrames(issue, folder, locate);
  const frameLines =
    frames.length > 0
      ? ['Where it happened (innermost first):', '', ...frames.map((f) => `- ${f}`)]
      : [
          issue.latestEvent?.frames.length
            ? 'No frame of the stack is in the app (all are dependencies or the runtime).'
            : 'The error came without a stack.',
        ];
  const releases =
    issue.firstRelease && issue.lastRelease && issue.firstRelease !== issue.lastRelease
      ? `first seen in ${code(issue.firstRelease)}, last seen in ${code(issue.lastRelease)}`
      : issue.firstRelease || issue.lastRelease
        ? code((issue.firstRelease ?? issue.lastRelease) as string)
        : 'none reported (set the SDK’s release option to tie errors to releases)';
  const description = [
    escapeMarkdown(oneLine(issue.title)),
    '',
    ...frameLines,
    '',
    // A paragraph between the lists, or Markdown would join them into one.
    'Occurrences:',
    '',
    `- Release: ${releases}`,
    ...(issue.environment ? [`- Environment: ${code(issue.environment)}`] : []),
    `- Events: ${count(issue.count)}, users: ${count(issue.userCount)}`,
    `- First seen ${issue.firstSeen}, last seen ${issue.lastSeen}`,
    '',
    `Error: ${linkBack(issue)}`,
    '',
  ];
  return { title: truncate(oneLine(issue.title), MAX_TITLE), description: description.join('\n') };
}

/** `src/cart.ts:12` in `addToCart`: workspace-relative when the frame maps, else as the SDK reported it. */
async function topInAppFrames(issue: ErrorIssue, folder: string, locate: LocateFrame): Promise<string[]> {
  const frames = issue.latestEvent?.frames ?? [];
  const lines: string[] = [];
  // Sentry lists frames outermost first.
  for (let index = frames.length - 1; index >= 0 && lines.length < MAX_FRAMES; index--) {
    const frame = frames[index];
    if (!isInApp(frame)) continue;
    const location = await locate(frame, index);
    const where = location
      ? `${path.relative(folder, location.file).split(path.sep).join('/')}:${location.line}`
      : `${frame.filename ?? frame.absPath ?? frame.module ?? 'unknown file'}${frame.lineno === undefined ? '' : `:${frame.lineno}`}`;
    lines.push(`${code(where)}${frame.function ? ` in ${code(frame.function)}` : ''}`);
  }
  return lines;
}

/** The SDK's word when it gave one; else a frame of a dependency or the runtime is not the app's. */
function isInApp(frame: StackFrame): boolean {
  if (frame.inApp !== undefined) return frame.inApp;
  const names = [frame.absPath, frame.filename].filter((n): n is string => !!n);
  return names.length > 0 && !names.some(isLibraryPath);
}

function linkBack(issue: ErrorIssue): string {
  const url = issue.url && webUrl(issue.url);
  if (url) return `[${escapeMarkdown(issue.shortId)}](<${url}>) on Sentry`;
  return `local error ${escapeMarkdown(issue.shortId)} (id ${code(issue.id)})`;
}

/** An http(s) URL as the URL parser writes it (spaces and angle brackets encoded), or undefined. */
function webUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Inline code that holds any text: the fence is longer than any run of backticks inside (CommonMark). */
export function code(text: string): string {
  const flat = oneLine(text);
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Text that reads as itself: punctuation that could open markup is backslash-escaped, as is a list or heading marker at the start. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>#~&|!]/g, '\\$&').replace(/^([-+=]|\d+(?=[.)]))/, (m) => (/\d/.test(m) ? `${m}\\` : `\\${m}`));
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
