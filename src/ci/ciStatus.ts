// What the status bar says about HEAD: one state out of all the remote runs for that commit.
import type { CiRun, CiState } from './ciModel';

export interface HeadCi {
  state: CiState | 'none';
  /** The run the status bar opens: a failing one first, else a running one, else the newest. */
  run?: CiRun;
  counts: Record<CiState, number>;
}

const ORDER: CiState[] = ['failed', 'running', 'queued', 'cancelled', 'passed', 'skipped', 'unknown'];

export function headCi(runs: readonly CiRun[], headSha: string | undefined): HeadCi {
  const forHead = headSha ? latestAttempts(runs.filter((r) => r.commit === headSha)) : [];
  const counts = Object.fromEntries(ORDER.map((s) => [s, 0])) as Record<CiState, number>;
  for (const run of forHead) counts[run.state]++;
  if (forHead.length === 0) return { state: 'none', counts };
  const state = ORDER.find((s) => counts[s] > 0 && s !== 'skipped' && s !== 'unknown') ?? (counts.skipped ? 'skipped' : 'unknown');
  return { state, run: forHead.find((r) => r.state === state) ?? forHead[0], counts };
}

/** A re-run replaces its earlier attempt; only the newest run per workflow (or job) counts for HEAD. */
function latestAttempts(runs: readonly CiRun[]): CiRun[] {
  const newest = new Map<string, CiRun>();
  for (const run of runs) {
    const key = `${run.provider}:${run.name}`;
    const known = newest.get(key);
    if (!known || (run.startedAt ?? '') > (known.startedAt ?? '') || (run.attempt ?? 1) > (known.attempt ?? 1)) newest.set(key, run);
  }
  return [...newest.values()];
}

export function isActive(state: CiState): boolean {
  return state === 'queued' || state === 'running';
}
