// The GraphQL documents the Linear board sends, in one place, each asking only for the fields the board shows.
// An issue carries its state, assignee, labels, cycle and milestone nested, so a page of issues is one request.
// The operations keep the names Linear's SDK gave them (issues, updateIssue…), which the stub tests look for.

/**
 * One issue as the board reads it. Labels stop at 50 per issue: with 100 issues a page, that keeps the query
 * well under Linear's complexity limit of 10,000 points (connections multiply their nodes by `first`).
 */
const ISSUE_FIELDS = /* GraphQL */ `
  fragment BoardIssue on Issue {
    id
    identifier
    title
    url
    dueDate
    updatedAt
    archivedAt
    team {
      id
    }
    state {
      name
      type
    }
    assignee {
      name
    }
    labels(first: 50, includeArchived: true) {
      nodes {
        name
      }
    }
    cycle {
      name
      number
    }
    projectMilestone {
      name
    }
  }
`;

export interface LinearIssueNode {
  id: string;
  identifier: string;
  title: string;
  url: string;
  /** `YYYY-MM-DD`. */
  dueDate?: string | null;
  updatedAt: string;
  archivedAt?: string | null;
  team: { id: string };
  state: { name: string; type: string };
  assignee?: { name: string } | null;
  labels: { nodes: { name: string }[] };
  cycle?: { name?: string | null; number: number } | null;
  projectMilestone?: { name: string } | null;
}

export interface LinearConnection<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

export const ISSUES_QUERY = /* GraphQL */ `
  query issues($filter: IssueFilter, $first: Int, $after: String, $orderBy: PaginationOrderBy, $includeArchived: Boolean) {
    issues(filter: $filter, first: $first, after: $after, orderBy: $orderBy, includeArchived: $includeArchived) {
      nodes {
        ...BoardIssue
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${ISSUE_FIELDS}
`;
export interface IssuesData {
  issues: LinearConnection<LinearIssueNode>;
}

/** The team of an issue the board has not listed (a work item from a branch name or a link). */
export const ISSUE_TEAM_QUERY = /* GraphQL */ `
  query issue($id: String!) {
    issue(id: $id) {
      team {
        id
      }
    }
  }
`;
export interface IssueTeamData {
  issue: { team: { id: string } };
}

export const WORKFLOW_STATES_QUERY = /* GraphQL */ `
  query workflowStates($filter: WorkflowStateFilter, $first: Int, $after: String) {
    workflowStates(filter: $filter, first: $first, after: $after) {
      nodes {
        id
        name
        type
        position
        archivedAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;
export interface LinearWorkflowState {
  id: string;
  name: string;
  type: string;
  position: number;
  archivedAt?: string | null;
}
export interface WorkflowStatesData {
  workflowStates: LinearConnection<LinearWorkflowState>;
}

export const USERS_QUERY = /* GraphQL */ `
  query users($first: Int, $after: String) {
    users(first: $first, after: $after) {
      nodes {
        id
        name
        displayName
        active
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;
export interface UsersData {
  users: LinearConnection<{ id: string; name: string; displayName: string; active: boolean }>;
}

export const TEAMS_QUERY = /* GraphQL */ `
  query teams($filter: TeamFilter, $first: Int) {
    teams(filter: $filter, first: $first) {
      nodes {
        id
        key
      }
    }
  }
`;
export interface TeamsData {
  teams: { nodes: { id: string; key: string }[] };
}

export const CREATE_ISSUE_MUTATION = /* GraphQL */ `
  mutation createIssue($input: IssueCreateInput!) {
    issueCreate(input: $input) {
      success
      issue {
        ...BoardIssue
      }
    }
  }
  ${ISSUE_FIELDS}
`;
export interface CreateIssueData {
  issueCreate: IssuePayload;
}

export const UPDATE_ISSUE_MUTATION = /* GraphQL */ `
  mutation updateIssue($id: String!, $input: IssueUpdateInput!) {
    issueUpdate(id: $id, input: $input) {
      success
      issue {
        ...BoardIssue
      }
    }
  }
  ${ISSUE_FIELDS}
`;
export interface UpdateIssueData {
  issueUpdate: IssuePayload;
}

interface IssuePayload {
  success: boolean;
  issue?: LinearIssueNode | null;
}
