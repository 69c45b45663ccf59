// The Docker test infrastructure in one import: a private engine, a private registry and the base image
// that test Dockerfiles build FROM. scripts/setup.ts installs the engine.
export { startDockerEngine } from './dockerEngine';
export { startPodmanEngine } from './podmanEngine';
export type { DockerEngine } from './dockerEngine';
export { startRegistry } from './localRegistry';
export type { LocalRegistry, RegistryAccount, RegistryOptions } from './localRegistry';
export { BASE_IMAGE, ensureBaseImage, followToEnd } from './baseImage';
