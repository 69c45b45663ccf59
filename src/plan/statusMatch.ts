// Which of a provider's moves leads to the status conveyor.yml names (board.onStartWork, onRelease, onProduction). The
// name is the provider's own, written as people write it: `In Review`, `in-review` and `in review` are one status.
import type { WorkItem, WorkItemTransition } from './workItem';

export type StatusMatch =
  | { kind: 'there' }
  | { kind: 'move'; transition: WorkItemTransition }
  /** No move leads there; `available` names what the provider offers, for the problem shown to the user. */
  | { kind: 'unknown'; available: string[] };

const comparable = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, '');

export function isAt(item: WorkItem, status: string): boolean {
  return comparable(item.status) === comparable(status);
}

/** The target status wins over a move's name: a Jira transition may be called after another status than the one it leads to. */
export function matchStatus(status: string, item: WorkItem, transitions: readonly WorkItemTransition[]): StatusMatch {
  if (isAt(item, status)) return { kind: 'there' };
  const wanted = comparable(status);
  const transition =
    transitions.find((t) => t.status !== undefined && comparable(t.status) === wanted) ??
    transitions.find((t) => comparable(t.name) === wanted);
  if (transition) return { kind: 'move', transition };
  const offered = transitions.map((t) => (t.status && comparable(t.status) !== comparable(t.name) ? `${t.name} (→ ${t.status})` : t.name));
  return { kind: 'unknown', available: [...new Set([item.status, ...offered])] };
}
