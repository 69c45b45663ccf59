// What a deploy will change, asked of the API server itself (server-side dry run), so defaulting,
// admission and validation are the cluster's own: the plan is what apply will do, not a local guess.
import { definedKindOf } from './customResources';
import type { DefinedKind } from './customResources';
import { deployErrorOf } from './deployError';
import type { KubeClient } from './kubeClient';
import { describeRef } from './kubeObject';
import { isRecord } from '../core/records';
import type { KubeObject, ObjectRef } from './kubeObject';
import { ANNOTATION_RELEASE, ANNOTATION_REVISION, RELEASE_ANNOTATIONS } from '../core/deliveryKeys';
import type { ReleaseToDeploy, RenderedObject } from './renderManifests';

export type PlanAction = 'create' | 'update' | 'unchanged';

export interface PlannedObject {
  ref: ObjectRef;
  file: string;
  line: number;
  action: PlanAction;
  /** Short, human list of what changes: `image web: …@sha256:1a2b → …@sha256:3c4d`, `replicas 2 → 3`, `env (web)`. */
  changes: string[];
  /** An update that changes the pod template, so the workload gets a new revision (a scale alone does not). */
  templateChanged?: boolean;
}

export interface DeployPlan {
  environment: string;
  context: string;
  namespace: string;
  release: ReleaseToDeploy;
  objects: PlannedObject[];
}

const MAX_CHANGES = 8;

/**
 * Dry-runs every object (in apply order) and compares the cluster's answer with what is there now.
 * @param defined kinds that CRDs of this deploy define: while the cluster does not know them yet, their
 *   objects cannot be dry-run and are planned as created.
 */
export async function planDeploy(
  client: KubeClient,
  objects: RenderedObject[],
  defined: readonly DefinedKind[] = [],
): Promise<PlannedObject[]> {
  const planned: PlannedObject[] = [];
  const namespacesCreated = new Set<string>();
  for (const item of objects) {
    const where = { context: client.context, ref: item.ref, file: item.file, line: item.line };
    try {
      if (definedKindOf(defined, item.ref.apiVersion, item.ref.kind) && !(await client.resourceFor(item.ref.apiVersion, item.ref.kind))) {
        planned.push({ ref: item.ref, file: item.file, line: item.line, action: 'create', changes: ['its kind comes with this deploy'] });
        continue;
      }
      const path = await client.objectPath(item.ref);
      const before = await client.getOptional<KubeObject>(path);
      // A namespace this deploy creates does not exist yet, so objects inside it cannot be dry-run there.
      if (!before && item.ref.namespace && namespacesCreated.has(item.ref.namespace)) {
        planned.push({ ref: item.ref, file: item.file, line: item.line, action: 'create', changes: [] });
        continue;
      }
      const after = await client.apply<KubeObject>(item.object, { dryRun: true }).catch((error: unknown) => {
        throw deployErrorOf(error, { ...where, action: `apply ${describeRef(item.ref)}` });
      });
      if (!before && item.ref.kind === 'Namespace') namespacesCreated.add(item.ref.name);
      planned.push({ ref: item.ref, file: item.file, line: item.line, ...summarizeChange(before, after) });
    } catch (error) {
      throw deployErrorOf(error, { ...where, action: `read ${describeRef(item.ref)}` });
    }
  }
  return planned;
}

/** create / update (with what changed) / unchanged, from the live object and the dry-run result. */
export function summarizeChange(
  before: KubeObject | undefined,
  after: KubeObject,
): { action: PlanAction; changes: string[]; templateChanged?: boolean } {
  if (!before) return { action: 'create', changes: [] };
  const paths = diffPaths(comparable(before), comparable(after));
  if (paths.length === 0) return { action: 'unchanged', changes: [] };
  const changes = [...new Set(paths.map((p) => describeChange(p, before, after)).filter((c): c is string => c !== undefined))];
  const shown = changes.length > MAX_CHANGES ? [...changes.slice(0, MAX_CHANGES - 1), `${changes.length - MAX_CHANGES + 1} more`] : changes;
  return {
    action: 'update',
    changes: shown,
    templateChanged: paths.some(([spec, template]) => spec === 'spec' && template === 'template'),
  };
}

type PathSegment = string | { name: string };

// Fields the server maintains: they differ between any two reads and say nothing about the change.
function comparable(object: KubeObject): KubeObject {
  const copy: KubeObject = { ...object, metadata: { ...(object.metadata ?? {}) } };
  delete copy.status;
  for (const key of ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid', 'selfLink']) delete copy.metadata![key];
  if (copy.metadata!.annotations) {
    const annotations = { ...copy.metadata!.annotations };
    delete annotations[ANNOTATION_REVISION];
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
    copy.metadata!.annotations = annotations;
  }
  return copy;
}

/** Paths of the leaves that differ; lists of named entries (containers, env, ports) are matched by name. */
export function diffPaths(before: unknown, after: unknown, at: PathSegment[] = []): PathSegment[][] {
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.every(isNamed) && after.every(isNamed)) {
      const names = new Set([...before, ...after].map((item) => item.name));
      return [...names].flatMap((name) =>
        diffPaths(
          before.find((i) => i.name === name),
          after.find((i) => i.name === name),
          [...at, { name }],
        ),
      );
    }
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [at];
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => diffPaths(before[key], after[key], [...at, key]));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [at];
}

function isNamed(item: unknown): item is { name: string } {
  return isRecord(item) && typeof item.name === 'string';
}

function describeChange(path: PathSegment[], before: KubeObject, after: KubeObject): string | undefined {
  const keys = path.map((s) => (typeof s === 'string' ? s : '[]'));
  const text = keys.join('.');
  const containerIndex = keys.findIndex((k, i) => k === '[]' && (path[i - 1] === 'containers' || path[i - 1] === 'initContainers'));
  const container = containerIndex >= 0 ? (path[containerIndex] as { name: string }).name : undefined;
  const field = containerIndex >= 0 ? keys[containerIndex + 1] : undefined;
  if (container && field === 'image')
    return `image ${container}: ${shortImage(valueAt(before, path))} → ${shortImage(valueAt(after, path))}`;
  if (container && field) return `${field} (${container})`;
  if (container)
    return `container ${container} ${valueAt(before, path) === undefined ? 'added' : valueAt(after, path) === undefined ? 'removed' : 'changed'}`;
  if (text === 'spec.replicas') return `replicas ${show(valueAt(before, path) ?? 1)} → ${show(valueAt(after, path) ?? 1)}`;
  const annotation = keys.at(-1) ?? '';
  if (keys.includes('annotations')) {
    if (annotation === ANNOTATION_RELEASE)
      return `release ${show(valueAt(before, path) ?? 'none')} → ${show(valueAt(after, path) ?? 'none')}`;
    // The commit, digest and change-cause follow the release: listing them adds nothing.
    return RELEASE_ANNOTATIONS.includes(annotation) ? undefined : 'annotations';
  }
  if (keys.includes('labels')) return 'labels';
  if (keys[0] === 'data' || keys[0] === 'stringData' || keys[0] === 'binaryData') return `data ${keys[1] ?? ''}`.trim();
  return keys
    .filter((k) => k !== '[]')
    .slice(0, keys[0] === 'spec' ? 3 : 2)
    .join('.');
}

function valueAt(object: unknown, path: PathSegment[]): unknown {
  let current: unknown = object;
  for (const segment of path) {
    if (typeof segment === 'string') current = isRecord(current) ? current[segment] : undefined;
    else current = Array.isArray(current) ? current.find((item) => isNamed(item) && item.name === segment.name) : undefined;
  }
  return current;
}

function show(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/** `repo@sha256:1234567890ab…` is enough to tell two digests apart. */
function shortImage(value: unknown): string {
  if (typeof value !== 'string') return 'none';
  const at = value.indexOf('@sha256:');
  return at >= 0 ? `${value.slice(0, at)}@sha256:${value.slice(at + 8, at + 20)}` : value;
}
