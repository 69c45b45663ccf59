// Turns the manifest folder into the exact objects a release deploys: the release's image pinned by
// digest (what was tested is what runs), the environment's namespace filled in, and the release recorded
// on each Deployment so the cluster itself says which release, commit and digest it runs.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { YAMLMap } from 'yaml';
import { DeployError } from './deployError';
import { isRecord } from '../core/records';
import { isFollowedKind } from './workloadStatus';
import { ANNOTATION_CHANGE_CAUSE, ANNOTATION_COMMIT, ANNOTATION_DIGEST, ANNOTATION_RELEASE } from '../core/deliveryKeys';
import type { Container, KubeObject, ObjectRef, PodSpec } from './kubeObject';

export interface ReleaseToDeploy {
  /** `1.4.0` or `v1.4.0`. */
  version: string;
  commit: string;
  /** The image repository the release was pushed to, e.g. `registry.example.com/team/app`. */
  image: string;
  /** `sha256:<64 hex>`. */
  digest: string;
}

/** One object as written in the manifest folder, with where it was written. */
export interface ManifestDocument {
  /** Relative to the workspace folder, with forward slashes (`k8s/app.yaml`). */
  file: string;
  /** 1-based line of the object's first line. */
  line: number;
  object: KubeObject;
}

export interface RenderedObject extends ManifestDocument {
  ref: ObjectRef;
  /** `container: before → after` for every image pinned to the release's digest. */
  pinnedImages: string[];
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

// Kinds that live outside namespaces; used when the cluster is not asked (unit tests, offline render).
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'CSIDriver',
  'CSINode',
  'VolumeSnapshotClass',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'PodSecurityPolicy',
  'CertificateSigningRequest',
]);

export function isClusterScopedKind(kind: string): boolean {
  return CLUSTER_SCOPED_KINDS.has(kind);
}

/** Every document of every manifest file in the folder (not recursive, like `kubectl apply -f DIR`), sorted by file name. */
export async function readManifestFolder(workspaceFolder: string, manifestsFolder: string): Promise<ManifestDocument[]> {
  const dir = path.resolve(workspaceFolder, manifestsFolder);
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new DeployError(
      'not-found',
      `The manifest folder ${manifestsFolder} ${error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.code ?? error.message})`}.`,
    );
  });
  const files = entries
    .filter((e) => e.isFile() && MANIFEST_EXTENSIONS.test(e.name))
    .map((e) => e.name)
    .sort();
  const documents: ManifestDocument[] = [];
  for (const name of files) {
    const relative = path.relative(workspaceFolder, path.join(dir, name)).split(path.sep).join('/');
    documents.push(...parseManifests(await fs.readFile(path.join(dir, name), 'utf8'), relative));
  }
  if (documents.length === 0)
    throw new DeployError('invalid-manifest', `The manifest folder ${manifestsFolder} has no Kubernetes objects (*.yaml, *.yml, *.json).`);
  return documents;
}

/** The objects in one manifest file; a YAML error or an object without apiVersion/kind/name names file:line. */
export function parseManifests(text: string, file: string): ManifestDocument[] {
  const lineCounter = new LineCounter();
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  const documents: ManifestDocument[] = [];
  // YAML 1.1, as kubectl reads manifests: `defaultMode: 0644` is octal (420) and `<<` merge keys work.
  for (const doc of parseAllDocuments(text, { lineCounter, prettyErrors: false, version: '1.1' })) {
    const problem = doc.errors[0];
    if (problem) {
      // An unterminated construct is noticed at the end of the text: point at the last written line instead.
      const line = lineOf(Math.min(problem.pos[0], Math.max(0, text.trimEnd().length - 1)));
      throw new DeployError('invalid-manifest', `${file}:${line}: invalid YAML: ${problem.message.split('\n')[0]}.`, { file, line });
    }
    const contents = doc.contents;
    if (contents === null) continue;
    const line = lineOf(contents.range?.[0] ?? 0);
    const object: unknown = doc.toJS();
    if (object === null || object === undefined) continue;
    if (!isRecord(object) || !isMap(contents)) {
      throw new DeployError(
        'invalid-manifest',
        `${file}:${line}: a Kubernetes object must be a mapping with apiVersion, kind and metadata.name.`,
        { file, line },
      );
    }
    // `kubectl get -o yaml` writes a List; kubectl apply takes its items one by one.
    const items = contents.get('items', true);
    if (object.kind === 'List' && Array.isArray(object.items) && isSeq(items)) {
      object.items.forEach((item, index) => {
        const node = items.items[index];
        const itemLine = lineOf((isMap(node) ? node.range?.[0] : undefined) ?? contents.range?.[0] ?? 0);
        if (!isRecord(item) || !isMap(node))
          throw new DeployError('invalid-manifest', `${file}:${itemLine}: a List item must be a Kubernetes object.`, {
            file,
            line: itemLine,
          });
        documents.push({ file, line: itemLine, object: checkedObject(item, node, file, itemLine, lineOf) });
      });
      continue;
    }
    documents.push({ file, line, object: checkedObject(object, contents, file, line, lineOf) });
  }
  return documents;
}

/** The object, once it has an apiVersion, a kind and a metadata.name; otherwise an error at its line. */
function checkedObject(
  object: Record<string, unknown>,
  node: YAMLMap,
  file: string,
  line: number,
  lineOf: (offset: number) => number,
): KubeObject {
  const missing = ['apiVersion', 'kind'].filter((key) => typeof object[key] !== 'string' || object[key] === '');
  const metadata = object.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') missing.push('metadata.name');
  if (missing.length > 0) {
    const metadataKey = node.items.find((pair) => isScalar(pair.key) && pair.key.value === 'metadata')?.key;
    const keyStart = isScalar(metadataKey) ? metadataKey.range?.[0] : undefined;
    const at = missing.length === 1 && missing[0] === 'metadata.name' && keyStart !== undefined ? lineOf(keyStart) : line;
    throw new DeployError('invalid-manifest', `${file}:${at}: the object has no ${missing.join(', ')}.`, { file, line: at });
  }
  return object;
}

export interface RenderOptions {
  release: ReleaseToDeploy;
  /** The environment's namespace, set on namespaced objects that name none. */
  namespace: string;
  /**
   * conveyor.yml names the environment's namespace: a namespaced object naming another one is refused, as
   * `kubectl apply --namespace` refuses it. Otherwise staging's deploy of a manifest with `namespace: shop`
   * lands wherever production runs.
   */
  namespaceFixed?: boolean;
  /** Scope of a kind; by default from a list of the built-in cluster-scoped kinds. */
  isNamespaced?: (apiVersion: string, kind: string) => boolean;
}

/** The objects to apply. Pure: the input documents are not modified. */
export function renderManifests(documents: ManifestDocument[], options: RenderOptions): RenderedObject[] {
  const { release } = options;
  if (!/^sha256:[0-9a-f]{64}$/.test(release.digest)) {
    throw new DeployError(
      'invalid-release',
      `Release ${release.version} has no valid image digest ("${release.digest}"): only images pinned by sha256 digest are deployed.`,
    );
  }
  const isNamespaced = options.isNamespaced ?? ((_apiVersion: string, kind: string) => !isClusterScopedKind(kind));
  const repository = normalizeRepository(release.image);
  const pinned = `${stripTagAndDigest(release.image)}@${release.digest}`;
  return documents.map((doc) => {
    const object = structuredClone(doc.object);
    const metadata = (object.metadata ??= {});
    const namespaced = isNamespaced(object.apiVersion ?? '', object.kind ?? '');
    if (namespaced && metadata.namespace && options.namespaceFixed && metadata.namespace !== options.namespace) {
      throw new DeployError(
        'invalid-manifest',
        `${doc.file}:${doc.line}: ${object.kind} ${metadata.name} names namespace "${metadata.namespace}", but this environment deploys into "${options.namespace}" (its namespace in conveyor.yml): take the namespace out of the manifest, or make it the environment's.`,
        { file: doc.file, line: doc.line },
      );
    }
    if (!metadata.namespace && namespaced) metadata.namespace = options.namespace;
    const pinnedImages: string[] = [];
    for (const container of podSpecsOf(object).flatMap(containersOf)) {
      if (typeof container.image === 'string' && normalizeRepository(container.image) === repository && container.image !== pinned) {
        pinnedImages.push(`${container.name ?? '?'}: ${container.image} → ${pinned}`);
        container.image = pinned;
      }
      // kube-apiserver 1.20's server-side apply rejects list entries missing a key field (protocol).
      for (const port of container.ports ?? []) port.protocol ??= 'TCP';
    }
    if (object.kind === 'Service') addServicePortProtocols(object);
    if (isFollowedKind(object.kind)) annotateRelease(object, release);
    return {
      ...doc,
      object,
      pinnedImages,
      ref: {
        apiVersion: object.apiVersion ?? '',
        kind: object.kind ?? '',
        name: metadata.name ?? '',
        ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      },
    };
  });
}

/** The annotations that record a release, on a workload and its pod template (so ReplicaSets and ControllerRevisions keep them). */
export function releaseAnnotations(release: ReleaseToDeploy): Record<string, string> {
  const version = release.version.startsWith('v') ? release.version : `v${release.version}`;
  return {
    [ANNOTATION_RELEASE]: version,
    [ANNOTATION_COMMIT]: release.commit,
    [ANNOTATION_DIGEST]: release.digest,
    [ANNOTATION_CHANGE_CAUSE]: `conveyor deploy ${version} (commit ${release.commit.slice(0, 7)}, ${release.digest.slice(0, 19)})`,
  };
}

function annotateRelease(workload: KubeObject, release: ReleaseToDeploy): void {
  const annotations = releaseAnnotations(release);
  const metadata = (workload.metadata ??= {});
  metadata.annotations = { ...metadata.annotations, ...annotations };
  const spec = isRecord(workload.spec) ? workload.spec : undefined;
  const template = spec && isRecord(spec.template) ? spec.template : undefined;
  if (!template) return;
  const templateMetadata = isRecord(template.metadata) ? template.metadata : (template.metadata = {});
  // The change-cause stays on the workload: on the template it would only duplicate the release.
  const podAnnotations: Record<string, string> = { ...annotations };
  delete podAnnotations[ANNOTATION_CHANGE_CAUSE];
  templateMetadata.annotations = { ...(isRecord(templateMetadata.annotations) ? templateMetadata.annotations : {}), ...podAnnotations };
}

function addServicePortProtocols(service: KubeObject): void {
  const spec = service.spec;
  if (!isRecord(spec) || !Array.isArray(spec.ports)) return;
  for (const port of spec.ports as unknown[]) if (isRecord(port)) port.protocol ??= 'TCP';
}

/** The pod specs inside an object: a Pod's own, a workload's template, a CronJob's job template. */
export function podSpecsOf(object: KubeObject): PodSpec[] {
  const spec = isRecord(object.spec) ? object.spec : undefined;
  if (!spec) return [];
  if (object.kind === 'Pod') return [spec];
  const templateSpec = (template: unknown): PodSpec[] => (isRecord(template) && isRecord(template.spec) ? [template.spec] : []);
  if (object.kind === 'CronJob') {
    const jobTemplate = isRecord(spec.jobTemplate) ? spec.jobTemplate : undefined;
    return jobTemplate && isRecord(jobTemplate.spec) ? templateSpec(jobTemplate.spec.template) : [];
  }
  return templateSpec(spec.template);
}

function containersOf(spec: PodSpec): Container[] {
  return [
    ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
    ...(Array.isArray(spec.containers) ? spec.containers : []),
  ].filter(isRecord);
}

/** `host/path:tag@sha256:…` → `host/path`. */
export function stripTagAndDigest(image: string): string {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
}

/** The repository an image reference pulls from, spelled the way Docker resolves it (`nginx` → `docker.io/library/nginx`). */
export function normalizeRepository(image: string): string {
  const repository = stripTagAndDigest(image.trim());
  const parts = repository.split('/');
  const hasHost = parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost');
  const host = hasHost ? parts[0].replace(/^(index\.)?docker\.io$/, 'docker.io') : 'docker.io';
  const rest = hasHost ? parts.slice(1) : parts;
  // Docker Hub's official images live under library/.
  return host === 'docker.io' && rest.length === 1 ? `docker.io/library/${rest[0]}` : `${host}/${rest.join('/')}`;
}
