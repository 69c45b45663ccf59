// The GraphQL documents the Projects v2 board sends, in one place so a test validates exactly these against
// GitHub's published schema (@octokit/graphql-schema). Every item is read through one fragment, so a list, a
// move and an add answer the same shape and map through the same code.

/** An item of a project: its Status value and what it holds (an issue, a pull request or a draft issue). */
export const PROJECT_ITEM_FRAGMENT = /* GraphQL */ `
  fragment ProjectItemFields on ProjectV2Item {
    id
    isArchived
    fieldValueByName(name: "Status") {
      ... on ProjectV2ItemFieldSingleSelectValue {
        name
        optionId
      }
    }
    content {
      __typename
      ... on Issue {
        id
        number
        title
        issueState: state
        url
        updatedAt
        repository {
          nameWithOwner
        }
        assignees(first: 5) {
          nodes {
            login
          }
        }
        labels(first: 20) {
          nodes {
            name
          }
        }
        milestone {
          title
          dueOn
        }
      }
      ... on PullRequest {
        id
        number
        title
        pullRequestState: state
        url
        updatedAt
        repository {
          nameWithOwner
        }
        assignees(first: 5) {
          nodes {
            login
          }
        }
        labels(first: 20) {
          nodes {
            name
          }
        }
        milestone {
          title
          dueOn
        }
      }
      ... on DraftIssue {
        id
        title
        updatedAt
        assignees(first: 5) {
          nodes {
            login
          }
        }
      }
    }
  }
`;

/** The project's id and its Status single-select field, which the board's columns come from. */
export const PROJECT_FRAGMENT = /* GraphQL */ `
  fragment ProjectFields on ProjectV2 {
    id
    title
    field(name: "Status") {
      ... on ProjectV2SingleSelectField {
        id
        options {
          id
          name
        }
      }
    }
  }
`;

/** One page of a project's items; the owner may be a user or an organization. */
export const PROJECT_ITEMS_QUERY = /* GraphQL */ `
  query ProjectItems($owner: String!, $number: Int!, $cursor: String) {
    repositoryOwner(login: $owner) {
      ... on ProjectV2Owner {
        projectV2(number: $number) {
          ...ProjectFields
          items(first: 100, after: $cursor) {
            pageInfo {
              hasNextPage
              endCursor
            }
            nodes {
              ...ProjectItemFields
            }
          }
        }
      }
    }
  }
  ${PROJECT_FRAGMENT}
  ${PROJECT_ITEM_FRAGMENT}
`;

/** The project without its items: enough to move or add an item before anything was listed. */
export const PROJECT_QUERY = /* GraphQL */ `
  query Project($owner: String!, $number: Int!) {
    repositoryOwner(login: $owner) {
      ... on ProjectV2Owner {
        projectV2(number: $number) {
          ...ProjectFields
        }
      }
    }
  }
  ${PROJECT_FRAGMENT}
`;

/** One item by its id, for an item this provider has not listed (what it holds decides how to assign it). */
export const PROJECT_ITEM_QUERY = /* GraphQL */ `
  query ProjectItem($id: ID!) {
    node(id: $id) {
      ... on ProjectV2Item {
        ...ProjectItemFields
      }
    }
  }
  ${PROJECT_ITEM_FRAGMENT}
`;

export const VIEWER_QUERY = /* GraphQL */ `
  query Viewer {
    viewer {
      login
    }
  }
`;

export const SET_STATUS_MUTATION = /* GraphQL */ `
  mutation SetStatus($projectId: ID!, $itemId: ID!, $fieldId: ID!, $optionId: String!) {
    updateProjectV2ItemFieldValue(
      input: { projectId: $projectId, itemId: $itemId, fieldId: $fieldId, value: { singleSelectOptionId: $optionId } }
    ) {
      projectV2Item {
        ...ProjectItemFields
      }
    }
  }
  ${PROJECT_ITEM_FRAGMENT}
`;

export const ADD_ITEM_MUTATION = /* GraphQL */ `
  mutation AddItem($projectId: ID!, $contentId: ID!) {
    addProjectV2ItemById(input: { projectId: $projectId, contentId: $contentId }) {
      item {
        ...ProjectItemFields
      }
    }
  }
  ${PROJECT_ITEM_FRAGMENT}
`;

/** Every document the provider sends, by operation name. */
export const PROJECT_DOCUMENTS = {
  ProjectItems: PROJECT_ITEMS_QUERY,
  Project: PROJECT_QUERY,
  ProjectItem: PROJECT_ITEM_QUERY,
  Viewer: VIEWER_QUERY,
  SetStatus: SET_STATUS_MUTATION,
  AddItem: ADD_ITEM_MUTATION,
} as const;
