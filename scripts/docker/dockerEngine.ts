// A private Docker engine for tests: its own dockerd (and the containerd it starts) in a temporary folder,
// listening only on a socket there, touching no iptables, bridge or /var/lib/docker, so it neither needs
// nor disturbs another engine on the machine. Engines can be started one after another in one process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import * as path from 'node:path';
import { logTail, ProcessExitedError, processesMentioning, signal, startInBackground, stopProcess, waitUntilReady } from './background';
import type { BackgroundProcess } from './background';
import { DOCKER_TOOLS, requireDockerTools } from './tools';

export interface DockerEngine {
  /** Path of the engine's unix socket (for dockerode's `socketPath`). */
  socket: string;
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  dockerHost: string;
  dir: string;
  storageDriver: StorageDriver;
  stop(): Promise<void>;
}

type StorageDriver = 'overlay2' | 'vfs';

const READY_TIMEOUT_MS = 60_000;
/** Debian's own folders first: /usr/local/bin may hold other Docker or containerd builds. */
const DAEMON_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
/** The programs a dockerd starts, which may outlive it when it is killed. */
const ENGINE_PROGRAMS = ['dockerd', 'containerd', 'containerd-shim', 'containerd-shim-runc-v2', 'runc', 'docker-init', 'docker-proxy'];

export async function startDockerEngine(): Promise<DockerEngine> {
  requireDockerTools();
  // Short on purpose: unix socket paths (containerd's lives under exec/) are limited to 108 bytes.
  const dir = mkdtempSync('/tmp/cnv-docker-');
  try {
    // An empty config file, so /etc/docker/daemon.json (if any) does not leak in.
    writeFileSync(path.join(dir, 'daemon.json'), '{}\n');
    const { daemon, storageDriver } = await startWithFallback(dir);
    return engineHandle(dir, daemon, storageDriver);
  } catch (error) {
    cleanUp(dir);
    throw error;
  }
}

async function startWithFallback(dir: string): Promise<{ daemon: BackgroundProcess; storageDriver: StorageDriver }> {
  try {
    return { daemon: await startDaemon(dir, 'overlay2'), storageDriver: 'overlay2' };
  } catch (error) {
    // overlay2 needs a kernel and a backing file system that support it; vfs works everywhere, slower.
    if (!(error instanceof ProcessExitedError) || !/graphdriver|overlay|storage.driver/i.test(logTail(error.process.logFile, 5))) {
      throw error;
    }
    console.warn(`[docker] dockerd would not start with overlay2, retrying with vfs:\n${logTail(error.process.logFile, 5)}`);
    cleanUp(dir, { keepDir: true });
    return { daemon: await startDaemon(dir, 'vfs'), storageDriver: 'vfs' };
  }
}

async function startDaemon(dir: string, storageDriver: StorageDriver): Promise<BackgroundProcess> {
  const socket = path.join(dir, 'docker.sock');
  const args = [
    `--host=unix://${socket}`,
    `--config-file=${path.join(dir, 'daemon.json')}`,
    `--data-root=${path.join(dir, 'data')}`,
    `--exec-root=${path.join(dir, 'exec')}`,
    `--pidfile=${path.join(dir, 'dockerd.pid')}`,
    `--storage-driver=${storageDriver}`,
    // No network plumbing: tests run containers with NetworkMode none and must not touch the host's firewall.
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
    '--ip-forward=false',
    '--bridge=none',
    '--userland-proxy=false',
  ];
  const daemon = startInBackground(`dockerd (${storageDriver})`, DOCKER_TOOLS.dockerd, args, {
    cwd: dir,
    logFile: path.join(dir, `dockerd-${storageDriver}.log`),
    env: { ...process.env, PATH: DAEMON_PATH },
  });
  try {
    await waitUntilReady(daemon, () => ping(socket), READY_TIMEOUT_MS);
  } catch (error) {
    await stopProcess(daemon);
    throw error;
  }
  return daemon;
}

/** The engine answered 200 at `apiPath` (default `/_ping`) on its unix socket. */
export function ping(socket: string, apiPath = '/_ping'): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: apiPath, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function engineHandle(dir: string, daemon: BackgroundProcess, storageDriver: StorageDriver): DockerEngine {
  const socket = path.join(dir, 'docker.sock');
  let stopping: Promise<void> | undefined;
  return {
    socket,
    dockerHost: `unix://${socket}`,
    dir,
    storageDriver,
    stop: () => (stopping ??= stopProcess(daemon).then(() => cleanUp(dir))),
  };
}

/** What a killed dockerd leaves behind: its containerd and shims, mounts, then the folder itself. */
function cleanUp(dir: string, options: { keepDir?: boolean } = {}): void {
  for (const pid of processesMentioning(dir, ENGINE_PROGRAMS)) {
    signal(pid, 'SIGKILL');
  }
  unmountUnder(dir);
  for (const sub of options.keepDir ? ['data', 'exec'] : ['']) {
    rmSync(path.join(dir, sub), { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Unmounts whatever an engine left mounted below `dir` (overlay layers, shm). */
export function unmountUnder(dir: string): void {
  const mountPoints = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    // mountinfo escapes spaces and the like as octal.
    .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point.startsWith(`${dir}/`))
    // Deepest first: a parent cannot be unmounted while something is mounted below it.
    .sort((a, b) => b.length - a.length);
  for (const point of mountPoints) {
    try {
      execFileSync('umount', [point], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['-l', point], { stdio: 'ignore' });
    }
  }
}
