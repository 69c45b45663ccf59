// Entry point of the separately bundled loop core (dist/loopEngine.js): the trace, the delivery metrics, what
// the belt does after a run (items follow it on the board, fixed errors are resolved) and the records they
// join. Reading them runs git (simple-git) and the board clients, so the editor loads it on first use.
export { traceFrom } from './trace/traceFrom';
export { queryOf } from './trace/loopTrace';
export { readLoopRecords } from './loopRecords';
export { readDashboardMetrics } from './metrics/dashboardMetrics';
export { resolveAfterBelt } from './errorItems/errorResolution';
export { itemDeliveries } from './itemsFollow/itemDelivery';
export { itemsFollow } from './itemsFollow/followItems';
export { showRevision } from '../code/commitLog';
export { listReleaseRecords } from '../release/gitRelease';
export { deploymentsFrom, standingReleases } from './metrics/deployments';
export { landDependencyFix, landAllDependencyFixes } from './securityPatch';
export { planDependencyFixes, patchSummary, needsChoice } from '../pipeline/security/dependencyPatch';
export { refreshBaseImages } from './baseImageRefresh';
export { registryDigestSources, trackedDockerfiles } from '../release/image/baseImageDigests';
