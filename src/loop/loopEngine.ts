// Entry point of the separately bundled loop core (dist/loopEngine.js): the trace and the records it joins.
// Loaded on the first trace, so activation does not pay for git reading and the stages' record readers.
export { traceFrom } from './trace/traceFrom';
export { queryOf } from './trace/loopTrace';
export { readLoopRecords } from './loopRecords';
export { showRevision } from '../code/commitLog';
export { listReleaseRecords } from '../release/gitRelease';
export { deploymentsFrom, standingReleases } from './metrics/deployments';
