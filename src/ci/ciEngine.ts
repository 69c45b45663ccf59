// Entry point of the separately bundled CI engine (dist/ciEngine.js): the GitHub and Jenkins clients load
// when the CI view is first shown or a CI command runs, not at activation.
export { GitHubActionsClient } from './github/githubActions';
export { parseActionsLog } from './github/actionsLog';
export { JenkinsClient } from './jenkins/jenkinsClient';
export { CiPoller } from './ciPoller';
