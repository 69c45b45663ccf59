// Where a release can go. conveyor.yml's environments when there are any; otherwise, with a manifest
// folder in the repository, one environment per kubeconfig context (named after it), so a project with
// just k8s/ and a kubeconfig can deploy without writing configuration. No client-node here: the views
// list environments at activation time.
import type { ConveyorConfig } from '../core/config/conveyorConfig';
import { DeployError } from './deployError';
import { resolveDeploySetup } from './environmentDefinition';
import type { EnvironmentDefinition } from './environmentDefinition';

export type { EnvironmentDefinition } from './environmentDefinition';

/**
 * @param contexts the kubeconfig's context names (from `listContexts`), used only when conveyor.yml
 *   declares no environment.
 */
export async function resolveEnvironments(folder: string, config: ConveyorConfig, contexts: string[]): Promise<EnvironmentDefinition[]> {
  const { environments } = await resolveDeploySetup(folder, config);
  return environmentsForContexts(environments, contexts);
}

/** Replaces the one detected `default` environment by one per context; configured environments stay. */
export function environmentsForContexts(environments: EnvironmentDefinition[], contexts: string[]): EnvironmentDefinition[] {
  const detected = environments.find((e) => e.source === 'detected');
  if (!detected || contexts.length === 0) return environments;
  return contexts.map((context) => ({ ...detected, name: context, context }));
}

export function findEnvironment(environments: EnvironmentDefinition[], name: string): EnvironmentDefinition {
  const found = environments.find((e) => e.name === name);
  if (found) return found;
  const known = environments.map((e) => e.name);
  throw new DeployError(
    'not-found',
    known.length > 0
      ? `There is no environment "${name}" (known: ${known.join(', ')}).`
      : `There is no environment "${name}": add it under environments in conveyor.yml, or add a manifest folder (k8s/) to deploy to your kubeconfig's contexts.`,
  );
}

/** Where an environment's objects come from: a folder of manifests, or a kustomization rendered at deploy time. */
export type ManifestSource = { kind: 'folder'; path: string } | { kind: 'kustomize'; path: string };

/** The environment's manifests, or why it cannot be deployed yet. `manifests` wins when both are set. */
export function manifestSourceOf(environment: EnvironmentDefinition): ManifestSource {
  if (environment.manifests) return { kind: 'folder', path: environment.manifests };
  if (environment.kustomize) return { kind: 'kustomize', path: environment.kustomize };
  throw new DeployError(
    'not-found',
    `Environment "${environment.name}" has no manifests: set "manifests" (a folder of YAML) or "kustomize" (a kustomization directory) for it in conveyor.yml.`,
  );
}
