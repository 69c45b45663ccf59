// Pure mapping from Linear's issue data to the board's WorkItem: no network, unit-testable.
import type { BoardColumn, WorkItem } from '../workItem';
import type { LinearIssueNode } from './linearQueries';

/**
 * Linear groups every workflow state into a type; teams name their states freely, so a "review" column is
 * recognised by name among the started ones (In Review, Code Review, Ready for review).
 */
export function columnOfState(state: { name: string; type: string }): BoardColumn {
  switch (state.type) {
    case 'started':
      return /review/i.test(state.name) ? 'in-review' : 'in-progress';
    case 'completed':
    case 'canceled':
    case 'duplicate':
      return 'done';
    default:
      // backlog, unstarted, triage and any type Linear adds later start on the left.
      return 'todo';
  }
}

/** Branch-name type from the labels Linear workspaces are created with (Bug, Feature, Improvement). */
export function typeFromLabels(labels: readonly string[]): string {
  const names = labels.map((label) => label.trim().toLowerCase());
  if (names.includes('bug')) return 'fix';
  if (names.includes('feature')) return 'feat';
  return 'chore';
}

export function workItemFromIssue(issue: LinearIssueNode): WorkItem {
  const labels = issue.labels.nodes.map((label) => label.name);
  const item: WorkItem = {
    provider: 'linear',
    id: issue.id,
    key: issue.identifier,
    title: issue.title,
    column: columnOfState(issue.state),
    status: issue.state.name,
    labels,
    url: issue.url,
    type: typeFromLabels(labels),
  };
  if (issue.assignee) item.assignee = issue.assignee.name;
  // An unnamed cycle goes by its number, as Linear shows it.
  const milestone = issue.cycle ? (issue.cycle.name ?? `Cycle ${issue.cycle.number}`) : issue.projectMilestone?.name;
  if (milestone) item.milestone = milestone;
  if (issue.dueDate) item.due = issue.dueDate;
  item.updated = new Date(issue.updatedAt).toISOString();
  return item;
}
