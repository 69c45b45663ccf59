// A trace as `conveyor trace` prints it: one section per stage, in the loop's order, then the gaps.
import type { LoopTrace } from './loopTrace';

const NOUN: Record<LoopTrace['query']['kind'], string> = { item: 'work item', commit: 'commit', release: 'release', error: 'error' };

export function traceText(trace: LoopTrace): string {
  const { query } = trace;
  if (!trace.found) return `Nothing is known of ${NOUN[query.kind]} ${query.value} in this folder's records.\n${gapLines(trace)}`;
  const lines = [`Trace of ${NOUN[query.kind]} ${query.value}`];
  section(
    lines,
    'Work items',
    trace.items.map((i) => `${i.key}${i.branches.length > 0 ? `  branches: ${i.branches.join(', ')}` : ''}`),
  );
  section(
    lines,
    'Commits',
    trace.commits.map((c) => `${c.sha.slice(0, 7)}  ${c.subject}${c.release ? `  → v${c.release}` : '  (not released yet)'}`),
  );
  section(
    lines,
    'Pipeline runs',
    trace.runs.map(
      (r) => `${r.id}  ${r.result}${r.commit ? ` on ${r.commit.slice(0, 7)}` : ''}${r.readyForRelease ? ', marked ready' : ''}`,
    ),
  );
  section(
    lines,
    'Releases',
    trace.releases.map(
      (r) =>
        `${r.tag}${r.tagMissing ? ' (tag missing)' : ''}${r.commit ? `  commit ${r.commit.slice(0, 7)}` : ''}${r.testedCommit ? `, tested ${r.testedCommit.slice(0, 7)}` : ''}${r.image ? `  ${r.image}` : ''}${r.digest ? `@${r.digest.slice(0, 19)}…` : ''}`,
    ),
  );
  section(
    lines,
    'Environments',
    trace.environments.map(
      (e) =>
        `${e.name}  v${e.version} ${e.outcome}${e.since ? `, deployed ${e.since}` : ''}${e.rolledBackAt ? `, rolled back ${e.rolledBackAt}` : ''}${e.current ? ' (running now)' : ''}${e.verification ? ` — ${e.verification}` : ''}`,
    ),
  );
  section(
    lines,
    'Errors',
    trace.errors.map(
      (e) =>
        `${e.shortId}  ${e.title}  ×${e.count}${e.firstRelease ? ` in ${e.firstRelease}` : ''}, first seen ${e.firstSeen}${e.item ? `  → ${e.item.key}` : ''}`,
    ),
  );
  return `${lines.join('\n')}\n${gapLines(trace)}`;
}

function section(lines: string[], title: string, rows: string[]): void {
  lines.push(`${title}:`, ...(rows.length > 0 ? rows.map((r) => `  ${r}`) : ['  none']));
}

function gapLines(trace: LoopTrace): string {
  return trace.gaps.length > 0 ? `Missing:\n${trace.gaps.map((g) => `  - ${g}\n`).join('')}` : '';
}
