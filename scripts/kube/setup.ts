// Builds the Kubernetes control plane the integration and e2e tests run against. Nothing packaged runs on
// this machine, but Debian's own kubernetes source package (1.20.x) builds offline with Debian's Go 1.19:
// `apt-get source` through a PRIVATE apt configuration in the cache (the system's sources stay untouched),
// `make WHAT=…` with GOPROXY=off, and etcd unpacked (not installed, so it never starts as a service) from
// Debian's etcd-server. The binaries are cached outside the repository with a stamp; later runs reuse them.
// Idempotent: with a matching stamp it does nothing. scripts/setup.ts calls ensureKubeTools().
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { aptGet, installDebianPackages } from '../setup/debian';
import { GO_DIR, GO_PACKAGES, KUBE_BUILD_RECIPE, KUBE_COMMANDS, KUBE_MINOR, kubeToolPaths, kubeToolsProblem } from './tools';
import type { KubeBuildStamp } from './tools';

const tools = kubeToolPaths();
const timings: Record<string, number> = {};
const log = (message: string) => console.log(`[kube setup] ${message}`);

function timed<T>(name: string, work: () => T): T {
  const begin = performance.now();
  try {
    return work();
  } finally {
    timings[name] = Math.round((performance.now() - begin) / 100) / 10;
    log(`${name}: ${timings[name]} s`);
  }
}

const run = (command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  execFileSync(command, args, { stdio: 'inherit', ...options });
const aptEnv = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, DEBIAN_FRONTEND: 'noninteractive', ...extra });

/**
 * An apt configuration of our own whose only source is bookworm's deb-src: `apt-get source` needs Sources
 * indexes, and adding them to /etc/apt would change the machine for everyone else.
 */
function privateAptConfig(): string {
  const dir = path.join(tools.cache, 'apt');
  for (const sub of ['lists/partial', 'cache/archives/partial', 'sources.list.d']) {
    mkdirSync(path.join(dir, sub), { recursive: true });
  }
  writeFileSync(
    path.join(dir, 'sources.list'),
    'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main\n',
  );
  const config = path.join(dir, 'apt.conf');
  writeFileSync(
    config,
    [
      `Dir::Etc::SourceList "${dir}/sources.list";`,
      `Dir::Etc::SourceParts "${dir}/sources.list.d";`,
      `Dir::State::Lists "${dir}/lists";`,
      `Dir::Cache "${dir}/cache";`,
      // The cache is under root's home, which the _apt sandbox user cannot enter.
      'APT::Sandbox::User "root";',
      '',
    ].join('\n'),
  );
  return config;
}

/** `apt-get source kubernetes` into a fresh folder; returns the unpacked tree and the Debian version. */
function fetchSource(workDir: string): { srcDir: string; debianVersion: string } {
  const aptConfig = privateAptConfig();
  const env = aptEnv({ APT_CONFIG: aptConfig });
  timed('apt-get update (private deb-src)', () => run('apt-get', ['update', '-qq'], { env }));
  const sourceDir = path.join(workDir, 'source');
  rmSync(sourceDir, { recursive: true, force: true });
  mkdirSync(sourceDir, { recursive: true });
  timed('apt-get source kubernetes', () => run('apt-get', ['source', '-qq', 'kubernetes'], { cwd: sourceDir, env }));
  const dsc = readdirSync(sourceDir).find((name) => /^kubernetes_.*\.dsc$/.test(name));
  const tree = readdirSync(sourceDir, { withFileTypes: true }).find((entry) => entry.isDirectory() && entry.name.startsWith('kubernetes-'));
  if (!dsc || !tree) {
    throw new Error(`apt-get source kubernetes left no .dsc or source tree in ${sourceDir}: ${readdirSync(sourceDir).join(', ')}`);
  }
  return { srcDir: path.join(sourceDir, tree.name), debianVersion: dsc.replace(/^kubernetes_/, '').replace(/\.dsc$/, '') };
}

/** `1.20.5+really1.20.2-1.1` → `v1.20.2`: Debian rolled 1.20.5 back to 1.20.2's code ("really"). */
function upstreamVersion(debianVersion: string): string {
  const upstream = debianVersion.replace(/-[^-]*$/, '');
  const really = /really([0-9][0-9.]*)/.exec(upstream);
  return `v${really ? really[1] : upstream.replace(/\+.*$/, '')}`;
}

function build(srcDir: string, workDir: string, kubeVersion: string): string {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${GO_DIR}/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    // Everything is vendored in the source package; the network must not be needed.
    GOPROXY: 'off',
    GOFLAGS: '-mod=vendor',
    CGO_ENABLED: '0',
    GOCACHE: path.join(workDir, 'go-build'),
    GOPATH: path.join(workDir, 'gopath'),
    GOTOOLCHAIN: 'local',
    // There is no .git in a source package; without these the binaries would report v0.0.0.
    KUBE_GIT_VERSION: kubeVersion,
    KUBE_GIT_TREE_STATE: 'clean',
  };
  delete env.GOROOT;
  timed(`make ${KUBE_COMMANDS.join(', ')}`, () =>
    run('make', [`WHAT=${KUBE_COMMANDS.map((name) => `cmd/${name}`).join(' ')}`], { cwd: srcDir, env }),
  );
  for (const candidate of ['_output/local/bin/linux/amd64', '_output/bin', '_output/local/go/bin']) {
    const dir = path.join(srcDir, candidate);
    if (KUBE_COMMANDS.every((name) => existsSync(path.join(dir, name)))) {
      return dir;
    }
  }
  throw new Error(`make finished but the binaries are not under ${srcDir}/_output`);
}

/**
 * The source package vendors modern-go/reflect2 1.0.1, which reads Go runtime internals that Go 1.18 changed:
 * kubectl built with Debian's Go 1.19 then crashes in json-iterator ("unexpected signal") on `kubectl kustomize`.
 * Debian's own golang-github-modern-go-reflect2-dev is 1.0.2, the release that fixed it; it is unpacked (not
 * installed) over the vendored copy, and go.mod and vendor/modules.txt are told, as -mod=vendor checks them.
 */
function useDebianReflect2(srcDir: string, workDir: string): void {
  const debDir = path.join(workDir, 'reflect2-deb');
  rmSync(debDir, { recursive: true, force: true });
  mkdirSync(debDir, { recursive: true });
  aptGet(['download', '-qq', 'golang-github-modern-go-reflect2-dev'], debDir);
  const deb = readdirSync(debDir).find((name) => name.endsWith('.deb'));
  if (!deb) {
    throw new Error(`apt-get download golang-github-modern-go-reflect2-dev left no .deb in ${debDir}`);
  }
  const root = path.join(debDir, 'root');
  run('dpkg-deb', ['-x', path.join(debDir, deb), root]);
  const debianCopy = path.join(root, 'usr/share/gocode/src/github.com/modern-go/reflect2');
  const vendored = path.join(srcDir, 'vendor/github.com/modern-go/reflect2');
  if (!existsSync(debianCopy) || !existsSync(vendored)) {
    throw new Error(`reflect2 not where expected: ${debianCopy} (Debian) or ${vendored} (vendored)`);
  }
  rmSync(vendored, { recursive: true, force: true });
  cpSync(debianCopy, vendored, { recursive: true });
  for (const file of ['go.mod', 'vendor/modules.txt']) {
    const target = path.join(srcDir, file);
    const text = readFileSync(target, 'utf8');
    const updated = text.replace(/(github\.com\/modern-go\/reflect2 )v1\.0\.1/g, '$1v1.0.2');
    if (updated === text) {
      throw new Error(`${file} does not name github.com/modern-go/reflect2 v1.0.1; the kubernetes source changed`);
    }
    writeFileSync(target, updated);
  }
  log(`vendored reflect2 1.0.1 replaced by Debian's ${decodeURIComponent(deb)}`);
}

/** etcd from Debian's etcd-server, unpacked rather than installed so no etcd service starts on the machine. */
function fetchEtcd(workDir: string): { etcd: string; etcdDebianVersion: string } {
  const debDir = path.join(workDir, 'etcd-deb');
  rmSync(debDir, { recursive: true, force: true });
  mkdirSync(debDir, { recursive: true });
  timed('apt-get download etcd-server', () => aptGet(['download', '-qq', 'etcd-server'], debDir));
  const deb = readdirSync(debDir).find((name) => name.startsWith('etcd-server_') && name.endsWith('.deb'));
  if (!deb) {
    throw new Error(`apt-get download etcd-server left no .deb in ${debDir}`);
  }
  const root = path.join(debDir, 'root');
  run('dpkg-deb', ['-x', path.join(debDir, deb), root]);
  const etcd = path.join(root, 'usr/bin/etcd');
  if (!existsSync(etcd)) {
    throw new Error(`${deb} has no usr/bin/etcd`);
  }
  return { etcd, etcdDebianVersion: decodeURIComponent(deb.split('_')[1] ?? 'unknown') };
}

/** Two test runs at once must not build into the same folder. A lock older than its owner is taken over. */
function withLock(work: () => void): void {
  const lock = path.join(tools.cache, 'setup.lock');
  mkdirSync(tools.cache, { recursive: true });
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      writeFileSync(lock, String(process.pid));
      break;
    } catch {
      const owner = Number(readFileSync(lock, 'utf8').trim());
      if (!owner || !pidAlive(owner)) {
        log(`removing stale lock ${lock} (pid ${owner || '?'})`);
        rmSync(lock, { force: true });
        continue;
      }
      log(`another setup (pid ${owner}) is building; waiting`);
      execFileSync('sleep', ['10']);
    }
  }
  try {
    work();
  } finally {
    unlinkSync(lock);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Returns whether it built anything. */
function setUp(): boolean {
  const problem = kubeToolsProblem(tools);
  if (!problem) {
    return false;
  }
  log(`building the test control plane into ${tools.binDir} (${problem})`);
  timed('Debian build tools', () => installDebianPackages(GO_PACKAGES));
  const workDir = path.join(tools.cache, 'work');
  mkdirSync(workDir, { recursive: true });
  const { srcDir, debianVersion } = fetchSource(workDir);
  const kubeVersion = upstreamVersion(debianVersion);
  useDebianReflect2(srcDir, workDir);
  if (!kubeVersion.startsWith(`v${KUBE_MINOR}.`)) {
    throw new Error(`Debian's kubernetes source is ${debianVersion} (${kubeVersion}); the test cluster expects ${KUBE_MINOR}.x`);
  }
  log(`kubernetes ${debianVersion} → ${kubeVersion}; make takes minutes (≈4 on 2 idle cores, ≈1.4 GB memory)`);
  const buildStarted = performance.now();
  const outDir = build(srcDir, workDir, kubeVersion);
  const buildSeconds = Math.round((performance.now() - buildStarted) / 1000);
  const { etcd, etcdDebianVersion } = fetchEtcd(workDir);

  // Into a new folder first, then renamed: an interrupted copy never looks like a finished cache.
  const partial = `${tools.binDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const name of KUBE_COMMANDS) {
    copyFileSync(path.join(outDir, name), path.join(partial, name));
  }
  copyFileSync(etcd, path.join(partial, 'etcd'));
  const stamp: KubeBuildStamp = {
    recipe: KUBE_BUILD_RECIPE,
    debianVersion,
    kubeVersion,
    etcdDebianVersion,
    builtAt: new Date().toISOString(),
    buildSeconds,
  };
  writeFileSync(path.join(partial, 'build-stamp.json'), `${JSON.stringify(stamp, null, 2)}\n`);
  rmSync(tools.binDir, { recursive: true, force: true });
  renameSync(partial, tools.binDir);
  // The source tree and Go's build cache are >1 GB and not needed once the binaries are cached.
  rmSync(workDir, { recursive: true, force: true });
  return true;
}

/** Builds the control plane unless the cache already holds it; throws with what failed. */
export function ensureKubeTools(): void {
  const started = performance.now();
  try {
    let built = false;
    withLock(() => (built = setUp()));
    const stamp = JSON.parse(readFileSync(tools.stampFile, 'utf8')) as KubeBuildStamp;
    const total = Math.round((performance.now() - started) / 100) / 10;
    log(
      `${built ? 'built' : 'cached, nothing to do'}: kubernetes ${stamp.kubeVersion} (Debian ${stamp.debianVersion}, make took ${stamp.buildSeconds} s on ${stamp.builtAt}), etcd ${stamp.etcdDebianVersion} in ${tools.binDir} (${total} s this run${built ? `; steps (s): ${JSON.stringify(timings)}` : ''})`,
    );
  } catch (error) {
    throw new Error(`Kubernetes setup failed: ${(error as Error).message} (timings so far, s: ${JSON.stringify(timings)})`, {
      cause: error,
    });
  }
}
