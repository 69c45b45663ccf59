// The few shapes the deploy engine reads from Kubernetes objects. Objects travel as plain JSON (what the
// API server sends), so every field is optional and read defensively.

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind?: string; name?: string; uid?: string }[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

/** Which object, in the words kubectl uses: `Deployment/web` in a namespace. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    name: object.metadata?.name ?? '',
    ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

/** The same object: kind, name and namespace (two namespaces may each hold a `web`). */
export function sameObject(a: ObjectRef, b: ObjectRef): boolean {
  return a.kind === b.kind && a.name === b.name && a.namespace === b.namespace;
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind}/${ref.name}`;
}

export interface Container {
  name?: string;
  image?: string;
  ports?: { name?: string; containerPort?: number; protocol?: string }[];
  [key: string]: unknown;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  nodeName?: string;
  [key: string]: unknown;
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

export interface DeploymentCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface Deployment extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: PodTemplate;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: DeploymentCondition[];
  };
}

export interface ReplicaSet extends KubeObject {
  spec?: { replicas?: number; template?: PodTemplate };
  status?: { replicas?: number; conditions?: DeploymentCondition[] };
}

interface WorkloadSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: PodTemplate;
}

export interface StatefulSet extends KubeObject {
  spec?: WorkloadSpec & { updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export interface DaemonSet extends KubeObject {
  spec?: Omit<WorkloadSpec, 'replicas'> & { updateStrategy?: { type?: string } };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
  };
}

/** A StatefulSet's or DaemonSet's history entry: `data` is the patch that restores that revision's template. */
export interface ControllerRevision extends KubeObject {
  revision?: number;
  data?: { spec?: { template?: PodTemplate & { $patch?: string } } };
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number };
}

export interface ContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: DeploymentCondition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface ServicePort {
  name?: string;
  port?: number;
  /** A number, or the name of a container port of the selected pods; absent means the same as `port`. */
  targetPort?: number | string;
  protocol?: string;
}

export interface Service extends KubeObject {
  spec?: { selector?: Record<string, string>; ports?: ServicePort[]; type?: string };
}

export interface KubeList<T> {
  metadata?: { resourceVersion?: string };
  items: T[];
}
