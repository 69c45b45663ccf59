// Entry point of the separately bundled monitor core (dist/monitorEngine.js): the local Sentry-compatible
// receiver, the Sentry REST client, frame mapping with source maps, uptime probes and goals. Loaded when a
// monitor feature is first used, so activation does not pay for it.
export { UptimeMonitor } from './uptime/uptimeMonitor';
export { probe } from './uptime/probe';
export { ErrorReceiver, generatePublicKey } from './errors/errorReceiver';
export { ErrorStore } from './errors/errorStore';
export { FrameMapper, frameNotes, locationsByFile } from './errors/frameMapping';
export { scanWorkspaceFiles } from './errors/workspaceFiles';
export { SentryClient } from './errors/sentry/sentryApi';
export { GoalHistory } from './goals/goalHistory';
export { GoalRunner } from './goals/goalRunner';
