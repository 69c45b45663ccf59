import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ConveyorConfig } from '../core/config/conveyorConfig';
import type { AutoscaleBounds } from './operate/autoscale';
import { listDir, readTextIfExists } from '../core/fsUtil';

const MANIFEST_FOLDERS = ['k8s', 'kubernetes', 'deploy', 'manifests', '.k8s'];

export interface ManifestObject {
  file: string;
  kind: string;
  name: string;
}

export interface EnvironmentDefinition {
  name: string;
  context?: string;
  namespace?: string;
  /** Manifest folder relative to the workspace folder. */
  manifests?: string;
  kustomize?: string;
  confirm: boolean;
  autoRollback: boolean;
  /** Applied after the manifests, on each deploy, to every Deployment or only to those `deployments` names. */
  autoscale?: AutoscaleBounds & { deployments?: string[] };
  source: 'conveyor.yml' | 'detected';
}

export interface DeploySetup {
  environments: EnvironmentDefinition[];
  /** The Kubernetes objects found in the manifest folder(s). */
  manifests: ManifestObject[];
}

/**
 * Environments from conveyor.yml; without any, a manifest folder (k8s/, deploy/, …) becomes one
 * detected `default` environment on the current kube context.
 */
export async function resolveDeploySetup(folder: string, config: ConveyorConfig): Promise<DeploySetup> {
  const configured = Object.entries(config.environments ?? {}).map<EnvironmentDefinition>(([name, env]) => ({
    name,
    context: env.context,
    namespace: env.namespace,
    manifests: env.manifests,
    kustomize: env.kustomize,
    confirm: env.confirm ?? isProductionName(name),
    autoRollback: env.autoRollback ?? false,
    ...(env.autoscale ? { autoscale: env.autoscale } : {}),
    source: 'conveyor.yml',
  }));
  const folders = configured.length > 0 ? unique(configured.map((e) => e.manifests ?? e.kustomize).filter(isString)) : MANIFEST_FOLDERS;
  const manifests: ManifestObject[] = [];
  let detectedFolder: string | undefined;
  for (const relative of folders) {
    const found = await readManifests(folder, relative);
    if (found.length > 0) detectedFolder ??= relative;
    manifests.push(...found);
  }
  const environments =
    configured.length > 0 || !detectedFolder
      ? configured
      : [{ name: 'default', manifests: detectedFolder, confirm: false, autoRollback: false, source: 'detected' as const }];
  return { environments, manifests };
}

async function readManifests(folder: string, relative: string): Promise<ManifestObject[]> {
  const dir = path.join(folder, relative);
  const objects: ManifestObject[] = [];
  for (const entry of (await listDir(dir)).sort()) {
    if (!/\.ya?ml$/.test(entry)) continue;
    const text = (await readTextIfExists(path.join(dir, entry))) ?? '';
    for (const doc of parseAllDocuments(text)) {
      if (!('errors' in doc) || doc.errors.length > 0) continue;
      const value = doc.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
      // A kustomization.yaml is kustomize's instructions, not an object for the cluster.
      if (typeof value?.kind === 'string' && !String(value.apiVersion).startsWith('kustomize.config.k8s.io/')) {
        objects.push({
          file: path.posix.join(relative, entry),
          kind: value.kind,
          name: typeof value.metadata?.name === 'string' ? value.metadata.name : '',
        });
      }
    }
  }
  return objects;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function isString(value: string | undefined): value is string {
  return typeof value === 'string';
}

/** `production`, `prod`, `Production`: deploys there ask first unless conveyor.yml says `confirm: false`. */
export function isProductionName(name: string): boolean {
  return /^prod(uction)?$/i.test(name);
}
