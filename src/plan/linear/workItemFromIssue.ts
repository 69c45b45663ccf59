// Pure mapping from Linear's issue data to the board's WorkItem: no SDK, no network, unit-testable.
import type { BoardColumn, WorkItem } from '../workItem';

/** What the board needs from one Linear issue, with its relations already resolved to names. */
export interface LinearIssueFacts {
  id: string;
  identifier: string;
  title: string;
  url: string;
  state: { name: string; type: string };
  assignee?: string;
  labels: string[];
  cycle?: string;
  projectMilestone?: string;
  dueDate?: string;
  updatedAt?: Date;
}

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

export function workItemFromIssue(issue: LinearIssueFacts): WorkItem {
  const item: WorkItem = {
    provider: 'linear',
    id: issue.id,
    key: issue.identifier,
    title: issue.title,
    column: columnOfState(issue.state),
    status: issue.state.name,
    labels: issue.labels,
    url: issue.url,
    type: typeFromLabels(issue.labels),
  };
  if (issue.assignee) item.assignee = issue.assignee;
  const milestone = issue.cycle ?? issue.projectMilestone;
  if (milestone) item.milestone = milestone;
  if (issue.dueDate) item.due = issue.dueDate;
  if (issue.updatedAt) item.updated = issue.updatedAt.toISOString();
  return item;
}
