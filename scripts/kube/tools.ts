// Where the Kubernetes test control plane lives: binaries built from Debian's own kubernetes source package
// and etcd unpacked from Debian's etcd-server, all in a cache folder outside the repository. setup.ts fills
// it; a missing or stale binary fails the run loudly, so integration tests never skip because Kubernetes
// is absent.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { projectCache } from '../setup/cache';

/**
 * Bumped whenever the way the binaries are built changes, so a cache from an older recipe is rebuilt
 * instead of silently reused.
 */
export const KUBE_BUILD_RECIPE = 2;
/** Debian bookworm's kubernetes source package is 1.20.x; anything else would be a different control plane. */
export const KUBE_MINOR = '1.20';
/** The Go toolchain Debian builds bookworm's kubernetes with. */
export const GO_DIR = '/usr/lib/go-1.19';
/** Where Debian's golang-*-dev packages install Go sources (a GOPATH), among them Sentry's Go SDK for the receiver's tests. */
export const GO_SOURCE_PATH = '/usr/share/gocode';
/** What the build needs besides Go: make, dpkg-source (dpkg-dev) and xz for `apt-get source`, rsync for the build. */
export const GO_PACKAGES = ['golang-1.19-go', 'golang-1.19-src', 'rsync', 'make', 'dpkg-dev', 'xz-utils'];
/** The control plane, and kubectl for `kubectl kustomize` (the tests never use the machine's /usr/bin/kubectl). */
export const KUBE_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const;
export const KUBE_SETUP_COMMAND = 'node --import tsx scripts/setup.ts integration';

export interface KubeTools {
  /** `$CONVEYOR_CACHE/kube` or `~/.cache/conveyor/kube`. */
  cache: string;
  /** The cached binaries and their stamp. */
  binDir: string;
  stampFile: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kubectl: string;
  etcd: string;
}

/** What setup.ts writes next to the binaries once they are built. */
export interface KubeBuildStamp {
  recipe: number;
  /** The Debian source version that was built, e.g. `1.20.5+really1.20.2-1.1`. */
  debianVersion: string;
  /** The upstream version compiled into the binaries, e.g. `v1.20.2`. */
  kubeVersion: string;
  etcdDebianVersion: string;
  builtAt: string;
  buildSeconds: number;
}

export function kubeToolPaths(): KubeTools {
  const cache = projectCache('kube');
  const binDir = path.join(cache, 'bin');
  return {
    cache,
    binDir,
    stampFile: path.join(binDir, 'build-stamp.json'),
    apiserver: path.join(binDir, 'kube-apiserver'),
    controllerManager: path.join(binDir, 'kube-controller-manager'),
    scheduler: path.join(binDir, 'kube-scheduler'),
    kubectl: path.join(binDir, 'kubectl'),
    etcd: path.join(binDir, 'etcd'),
  };
}

export function readBuildStamp(tools: KubeTools): KubeBuildStamp | undefined {
  try {
    return JSON.parse(readFileSync(tools.stampFile, 'utf8')) as KubeBuildStamp;
  } catch {
    return undefined;
  }
}

/** Why the cache cannot be used as it is, or undefined when every binary is there and the stamp matches. */
export function kubeToolsProblem(tools: KubeTools = kubeToolPaths()): string | undefined {
  const missing = [tools.apiserver, tools.controllerManager, tools.scheduler, tools.kubectl, tools.etcd].filter(
    (file) => !existsSync(file),
  );
  if (missing.length > 0) {
    return `missing ${missing.join(', ')}`;
  }
  const stamp = readBuildStamp(tools);
  if (!stamp) {
    return `no build stamp at ${tools.stampFile}`;
  }
  if (stamp.recipe !== KUBE_BUILD_RECIPE || !stamp.kubeVersion.startsWith(`v${KUBE_MINOR}.`)) {
    return `stamp ${tools.stampFile} is for recipe ${stamp.recipe} / ${stamp.kubeVersion}, expected recipe ${KUBE_BUILD_RECIPE} / v${KUBE_MINOR}.x`;
  }
  return undefined;
}

export function requireKubeTools(): KubeTools {
  const tools = kubeToolPaths();
  const problem = kubeToolsProblem(tools);
  if (problem) {
    throw new Error(`Kubernetes test binaries not usable (${problem}). Run: ${KUBE_SETUP_COMMAND}`);
  }
  return tools;
}
