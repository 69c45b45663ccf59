// Custom resources whose CustomResourceDefinition comes in the same deploy. The cluster cannot know their
// kind before the CRD is applied and Established, so their scope is read from the CRD, the dry run plans
// them as created, and apply waits for the CRD before sending them — as `kubectl apply` users expect of
// one folder holding an operator's CRD and its first resource.
import type { KubeClient } from './kubeClient';
import type { KubeObject } from './kubeObject';
import { isRecord } from '../core/records';

export interface DefinedKind {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
  /** The CRD's name (`widgets.example.com`). */
  crd: string;
}

const CRD_API_GROUP = 'apiextensions.k8s.io/';
const ESTABLISH_TIMEOUT_MS = 60_000;
const ESTABLISH_POLL_MS = 250;

/** Every group/version/kind the CRDs among `objects` define. */
export function kindsDefinedBy(objects: readonly KubeObject[]): DefinedKind[] {
  return objects.flatMap((object) => {
    if (object.kind !== 'CustomResourceDefinition' || !object.apiVersion?.startsWith(CRD_API_GROUP)) return [];
    const spec = (object as { spec?: unknown }).spec;
    if (!isRecord(spec) || typeof spec.group !== 'string' || !isRecord(spec.names) || typeof spec.names.kind !== 'string') return [];
    const { group, names } = spec;
    const kind = names.kind as string;
    // v1 lists versions; v1beta1 may name a single `version`.
    const versions = Array.isArray(spec.versions)
      ? spec.versions.flatMap((v: unknown) => (isRecord(v) && typeof v.name === 'string' && v.served !== false ? [v.name] : []))
      : typeof spec.version === 'string'
        ? [spec.version]
        : [];
    return versions.map((version) => ({
      apiVersion: `${group}/${version}`,
      kind,
      namespaced: spec.scope !== 'Cluster',
      crd: object.metadata?.name ?? '',
    }));
  });
}

export function definedKindOf(defined: readonly DefinedKind[], apiVersion: string, kind: string): DefinedKind | undefined {
  return defined.find((d) => d.apiVersion === apiVersion && d.kind === kind);
}

/**
 * Waits until the CRD reports Established and discovery serves its kind. Resolves with why it cannot be used
 * (its names were refused, or `timeoutMs` passed), or undefined once it can.
 */
export async function waitForDefinedKind(
  client: KubeClient,
  defined: DefinedKind,
  options: { timeoutMs?: number; signal?: AbortSignal; sleep?: (ms: number) => Promise<void> } = {},
): Promise<string | undefined> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + (options.timeoutMs ?? ESTABLISH_TIMEOUT_MS);
  for (;;) {
    options.signal?.throwIfAborted();
    const crd = await client.getOptional<KubeObject & { status?: { conditions?: { type?: string; status?: string; message?: string }[] } }>(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(defined.crd)}`,
    );
    const condition = (type: string) => crd?.status?.conditions?.find((c) => c.type === type);
    const names = condition('NamesAccepted');
    if (names?.status === 'False') return `its names were not accepted: ${names.message ?? 'no reason given'}`;
    if (condition('Established')?.status === 'True') {
      client.forgetDiscovery(defined.apiVersion);
      if (await client.resourceFor(defined.apiVersion, defined.kind)) return undefined;
    }
    if (Date.now() >= deadline) return 'it was not Established within a minute';
    await sleep(ESTABLISH_POLL_MS);
  }
}
