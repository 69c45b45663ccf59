// Entry point of the separately bundled release engine (dist/releaseEngine.js): dockerode and the registry
// client load when the user first releases or opens the Releases view, not at activation.
export { planRelease, gateProblem, imageTarget, ReleaseError } from './releasePlan';
export { executeRelease } from './releaseFlow';
export { pushRelease } from './gitRelease';
export { readReleaseCatalog } from './releaseCatalog';
export { RegistryClient } from './registry/registryClient';
export { findDockerCredentials } from './registry/dockerConfig';
export { connectEngine } from './image/imageEngine';
export { pinEdit, registryDigestSources } from './image/baseImageDigests';
