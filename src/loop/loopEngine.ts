// Entry point of the separately bundled loop core (dist/loopEngine.js): the trace, the delivery metrics, the
// resolution of fixed errors after a belt run, and the records they join. Reading them runs git (simple-git),
// so the editor loads it on first use, not at activation.
export { traceFrom } from './trace/traceFrom';
export { queryOf } from './trace/loopTrace';
export { readLoopRecords } from './loopRecords';
export { readDashboardMetrics } from './metrics/dashboardMetrics';
export { resolveAfterBelt } from './errorItems/errorResolution';
export { showRevision } from '../code/commitLog';
export { listReleaseRecords } from '../release/gitRelease';
export { deploymentsFrom, standingReleases } from './metrics/deployments';
