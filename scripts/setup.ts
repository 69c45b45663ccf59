// The one setup step every entry point runs first: `node --import tsx scripts/setup.ts PHASE…` installs what
// those phases use and nothing more, so `npm run test:integration`, `test:e2e`, `bench` and `demo` each work
// alone on a fresh machine, and no phase relies on an earlier one having installed something. Idempotent:
// on a machine that has everything it costs a few dpkg-queries and file checks.
//   unit         nothing beyond npm's dependencies (git is the machine's)
//   integration  Docker engine + registry, the Kubernetes control plane, Chromium (Lighthouse goals),
//                Sentry's Python, Ruby and Go SDKs (the error receiver against other languages' real SDKs),
//                cargo (unless one is on PATH, rustup's included), rake, minitest and pytest (other languages' pipelines)
//   e2e, demo    the same plus the VS Code host (Node 24, code-server); CONVEYOR_DEMO_KUBE=0 skips Kubernetes
//   bench        Docker, Kubernetes, Chromium (kanban render), the VS Code host (activation in the real host)
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { DOCKER_DEBIAN_PACKAGES, missingDockerTools } from './docker/tools';
import { ensureKubeTools } from './kube/setup';
import { GO_PACKAGES, kubeToolsProblem } from './kube/tools';
import { installDebianPackages } from './setup/debian';
import { ensureVscodeHost } from './vscode-host/setup';
import { VSCODE_HOST_DEBIAN_PACKAGES } from './vscode-host/tools';
import { messageOf } from '../src/core/errors';

type Tool = 'docker' | 'kube' | 'chromium' | 'vscodeHost' | 'otherSentrySdks' | 'otherToolchains';

const PHASES: Record<string, readonly Tool[]> = {
  unit: [],
  integration: ['docker', 'kube', 'chromium', 'otherSentrySdks', 'otherToolchains'],
  e2e: ['docker', 'kube', 'chromium', 'vscodeHost'],
  demo: ['docker', 'kube', 'chromium', 'vscodeHost'],
  bench: ['docker', 'kube', 'chromium', 'vscodeHost'],
};

const MAVEN_DEBIAN_PACKAGES = [
  'maven',
  'default-jdk-headless',
  'libmaven-compiler-plugin-java',
  'libmaven-resources-plugin-java',
  'libsurefire-java',
  'junit5',
];

function debianPackagesFor(tools: ReadonlySet<Tool>): string[] {
  const packages: string[] = [];
  if (tools.has('docker')) packages.push(...DOCKER_DEBIAN_PACKAGES);
  if (tools.has('chromium')) packages.push('chromium');
  // The receiver's tests against other languages' real SDKs: Sentry's Python, Ruby and Go SDKs, Debian's toolchains.
  if (tools.has('otherSentrySdks'))
    packages.push('python3-sentry-sdk', 'ruby', 'ruby-sentry-ruby', 'golang-1.19-go', 'golang-github-getsentry-sentry-go-dev');
  // The pipeline's tests on Rust, Ruby (minitest, RuboCop), Python and Java projects: any cargo on PATH will do, else
  // Debian's (rustc 1.63); Maven with the compiler, resources and Surefire plugins and JUnit 5 that Debian packages into
  // /usr/share/maven-repo, which the Maven test reads offline.
  if (tools.has('otherToolchains'))
    packages.push(
      'ruby',
      'rake',
      'ruby-minitest',
      'rubocop',
      'python3-pytest',
      ...(onPath('cargo') ? [] : ['cargo']),
      ...MAVEN_DEBIAN_PACKAGES,
    );
  if (tools.has('vscodeHost')) packages.push(...VSCODE_HOST_DEBIAN_PACKAGES);
  // Go and the build tools only when the control plane still has to be built.
  if (tools.has('kube') && kubeToolsProblem()) packages.push(...GO_PACKAGES);
  return packages;
}

/** Whether `name` is an executable in one of PATH's folders. */
function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function main(phases: string[]): void {
  const unknown = phases.filter((phase) => !(phase in PHASES));
  if (phases.length === 0 || unknown.length > 0) {
    console.error(
      `usage: node --import tsx scripts/setup.ts ${Object.keys(PHASES).join('|')}…${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`,
    );
    process.exit(2);
  }
  const started = performance.now();
  const tools = new Set(phases.flatMap((phase) => PHASES[phase]));
  // The demo's own switch: without its cluster it needs no Kubernetes build.
  if (phases.every((phase) => phase === 'demo') && process.env.CONVEYOR_DEMO_KUBE === '0') tools.delete('kube');
  const installed = installDebianPackages(debianPackagesFor(tools));
  if (tools.has('docker')) {
    const missing = missingDockerTools();
    if (missing.length > 0) throw new Error(`the Docker packages are installed but ${missing.join(', ')} is missing`);
  }
  if (tools.has('vscodeHost')) ensureVscodeHost();
  if (tools.has('kube')) ensureKubeTools();
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  console.log(`[setup] ${phases.join(', ')}: ready in ${seconds} s${installed.length ? ` (installed ${installed.join(' ')})` : ''}`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(`[setup] failed: ${messageOf(error)}`);
  process.exit(1);
}
