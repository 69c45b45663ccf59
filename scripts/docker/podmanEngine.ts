// A private Podman for tests: Debian's podman serving its Docker-compatible API (`podman system service`) on
// a socket in a temporary folder, with its own storage, run folder and configuration there, so it neither
// needs nor changes /var/lib/containers or /etc/containers. Conveyor talks to it exactly as to dockerd:
// DOCKER_HOST=unix://…/podman.sock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { logTail, processesMentioning, signal, startInBackground, stopProcess, waitUntilReady } from './background';
import type { BackgroundProcess } from './background';
import type { DockerEngine } from './dockerEngine';
import { ping, unmountUnder } from './dockerEngine';
import { DOCKER_TOOLS, requireDockerTools } from './tools';

export interface PodmanOptions {
  /**
   * Registries (host[:port]) reached over plain HTTP. Docker allows 127.0.0.0/8 so without being told;
   * Podman, like every containers/image tool, wants them named `insecure` in registries.conf.
   */
  insecureRegistries?: string[];
}

const READY_TIMEOUT_MS = 60_000;
const DAEMON_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
/** What a podman service starts for a build's RUN steps, which may outlive it when it is killed. */
const PODMAN_PROGRAMS = ['podman', 'conmon', 'crun', 'runc', 'catatonit'];

export async function startPodmanEngine(options: PodmanOptions = {}): Promise<DockerEngine> {
  requireDockerTools();
  const dir = mkdtempSync('/tmp/cnv-podman-');
  try {
    const env = writeConfiguration(dir, options);
    const socket = path.join(dir, 'podman.sock');
    const service = startInBackground('podman system service', DOCKER_TOOLS.podman, ['system', 'service', '--time=0', `unix://${socket}`], {
      cwd: dir,
      logFile: path.join(dir, 'podman-service.log'),
      env,
    });
    try {
      // /info opens the storage, so a driver the machine cannot use fails here rather than in the first build.
      await waitUntilReady(service, () => ping(socket, '/info'), READY_TIMEOUT_MS);
    } catch (error) {
      await stopProcess(service);
      throw new Error(`podman system service did not become ready: ${(error as Error).message}\n${logTail(service.logFile)}`, {
        cause: error,
      });
    }
    return handle(dir, socket, service);
  } catch (error) {
    cleanUp(dir);
    throw error;
  }
}

/** storage.conf, containers.conf and registries.conf of this engine only, named through the environment. */
function writeConfiguration(dir: string, options: PodmanOptions): NodeJS.ProcessEnv {
  const file = (name: string, lines: string[]) => {
    writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`);
    return path.join(dir, name);
  };
  const storage = file('storage.conf', ['[storage]', 'driver = "overlay"', `runroot = "${dir}/run"`, `graphroot = "${dir}/storage"`]);
  const containers = file('containers.conf', [
    '[engine]',
    // No systemd or journald in a test machine's container.
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${dir}/events.log"`,
    `tmp_dir = "${dir}/tmp"`,
    '[network]',
    `network_config_dir = "${dir}/networks"`,
  ]);
  const registries = file('registries.conf', [
    // FROM names without a registry mean Docker Hub, as with Docker (and the compatible API enforces it).
    'unqualified-search-registries = ["docker.io"]',
    ...(options.insecureRegistries ?? []).flatMap((host) => ['', '[[registry]]', `location = "${host}"`, 'insecure = true']),
  ]);
  return {
    ...process.env,
    PATH: DAEMON_PATH,
    CONTAINERS_STORAGE_CONF: storage,
    CONTAINERS_CONF: containers,
    CONTAINERS_REGISTRIES_CONF: registries,
    // No user auth file or XDG state from the machine's own podman.
    REGISTRY_AUTH_FILE: path.join(dir, 'auth.json'),
    XDG_RUNTIME_DIR: path.join(dir, 'xdg'),
  };
}

function handle(dir: string, socket: string, service: BackgroundProcess): DockerEngine {
  let stopping: Promise<void> | undefined;
  return {
    socket,
    dockerHost: `unix://${socket}`,
    dir,
    storageDriver: 'overlay2',
    stop: () => (stopping ??= stopProcess(service).then(() => cleanUp(dir))),
  };
}

function cleanUp(dir: string): void {
  for (const pid of processesMentioning(dir, PODMAN_PROGRAMS)) signal(pid, 'SIGKILL');
  unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
