// Entry point of the separately bundled loop core (dist/loopEngine.js): the trace, the delivery metrics and
// the records they join. Reading them runs git (simple-git), so the editor loads it on the first trace or
// when a dashboard first shows delivery metrics, not at activation.
export { traceFrom } from './trace/traceFrom';
export { queryOf } from './trace/loopTrace';
export { readLoopRecords } from './loopRecords';
export { readDashboardMetrics } from './metrics/dashboardMetrics';
export { showRevision } from '../code/commitLog';
export { listReleaseRecords } from '../release/gitRelease';
export { deploymentsFrom, standingReleases } from './metrics/deployments';
