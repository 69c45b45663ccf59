// Entry point of the separately bundled pipeline engine (dist/pipelineEngine.js): the extension loads it
// on the first run, so simple-git, the report parsers and the scanners stay out of activation.
export { runPipeline } from './run/runPipeline';
export { planDependencyFixes } from './security/dependencyPatch';
