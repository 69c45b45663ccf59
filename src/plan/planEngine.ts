// Entry point of the separately bundled plan engine (dist/planEngine.js): Start Work's git operations load on
// first use, not at activation.
export { startWork, StartWorkError, defaultBranchOf } from '../code/startWork';
export { startWorkInWorktree } from '../code/worktree';
export { LocalBoardProvider } from './localBoardProvider';
export { readItemLinks } from '../code/itemLinks';
