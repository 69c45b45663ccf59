// Entry point of the separately bundled loop engine (dist/loopEngine.js): reading a folder's loop records
// runs git (simple-git), so the editor loads it when a dashboard first shows delivery metrics, not at activation.
export { readDashboardMetrics } from './metrics/dashboardMetrics';
