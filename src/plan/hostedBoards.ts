// Entry point of the separately bundled hosted-board clients (dist/hostedBoards.js): the Jira client and
// Linear's SDK (~2 MB) load only for folders whose board is on Jira or Linear.
export { JiraBoardProvider } from './jira/jiraBoard';
export { LinearBoardProvider } from './linear/linearBoard';
