// Entry point of the separately bundled hosted-board clients (dist/hostedBoards.js): the Jira, Linear, GitHub
// and Notion clients (Notion's SDK with them) load only for folders whose board is hosted.
export { JiraBoardProvider } from './jira/jiraBoard';
export { LinearBoardProvider } from './linear/linearBoard';
export { GitHubIssuesBoardProvider } from './github/githubIssuesBoard';
export { GitHubProjectBoardProvider } from './github/githubProjectBoard';
export { NotionBoardProvider } from './notion/notionBoard';
