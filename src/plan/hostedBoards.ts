// Entry point of the separately bundled hosted-board clients (dist/hostedBoards.js): the Jira and GitHub
// clients and Linear's SDK (~2 MB) load only for folders whose board is hosted.
export { JiraBoardProvider } from './jira/jiraBoard';
export { LinearBoardProvider } from './linear/linearBoard';
export { GitHubIssuesBoardProvider } from './github/githubIssuesBoard';
export { GitHubProjectBoardProvider } from './github/githubProjectBoard';
