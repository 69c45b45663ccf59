// bench/belt: the belt's own overhead. One `conveyor ship` (pipeline → release → deploy to staging, bake 0)
// against the same three steps run back to back through their own commands (`conveyor pipeline run`,
// `conveyor release --yes`, `conveyor deploy staging --yes`), alternating, each on a new feat commit, against
// the real Docker engine and registry and the project's Kubernetes control plane. Goal: ratio ≤ 1.05.
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureBaseImage, startDockerEngine, startRegistry } from '../scripts/docker/dockerHost';
import { api } from '../scripts/kube/api';
import { startKubeCluster } from '../test/support/kubeCluster';
import { sampleWorkspace } from '../test/support/sampleWorkspace';
import { messageOf } from '../src/core/errors';

const RUNS = 4;
const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'ignore' });
  const engine = await startDockerEngine();
  const registry = await startRegistry();
  const cluster = await startKubeCluster();
  try {
    await ensureBaseImage(engine);
    await api(
      { server: cluster.server, token: cluster.token, ca: cluster.caData },
      'POST',
      '/api/v1/namespaces',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-belt' } },
      { allow: [409] },
    );
    const ws = sampleWorkspace(
      {
        // An app (private): its releases push an image only, as the demo's do; a package would also need an npm registry.
        'package.json': '{\n  "name": "bench",\n  "version": "0.1.0",\n  "private": true\n}\n',
        Dockerfile: 'FROM conveyor-base:busybox\nCOPY src /app\n',
        'src/app.js': '0\n',
        'k8s/app.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bench}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: bench}}\n  template:\n    metadata: {labels: {app: bench}}\n    spec:\n      containers:\n        - {name: bench, image: "${registry.host}/bench:latest"}\n`,
        'conveyor.yml': `pipeline:\n  security: false\n  stages:\n    - { name: test, run: "true" }\nimage:\n  name: bench\n  registry: ${registry.host}\nenvironments:\n  staging: { context: conveyor-admin, namespace: bench-belt, manifests: k8s }\ndelivery:\n  environments:\n    - { name: staging, verify: { bake: 0 } }\n`,
      },
      { git: true, name: 'bench' },
    );
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@conveyor.invalid', ...args], { cwd: ws.dir, stdio: 'pipe' });
    const env = {
      ...process.env,
      DOCKER_HOST: engine.dockerHost,
      GIT_AUTHOR_NAME: 'Bench',
      GIT_AUTHOR_EMAIL: 'bench@conveyor.invalid',
      GIT_COMMITTER_NAME: 'Bench',
      GIT_COMMITTER_EMAIL: 'bench@conveyor.invalid',
    };
    const conveyor = (...args: string[]) => {
      const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ws.dir, env, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`conveyor ${args.join(' ')} exited ${result.status}: ${result.stderr}${result.stdout}`);
    };
    let n = 0;
    const change = () => {
      ws.write('src/app.js', `${++n}\n`);
      git('commit', '-qam', `feat: change ${n}`);
    };
    const timed = (work: () => void) => {
      change();
      const started = performance.now();
      work();
      return performance.now() - started;
    };
    const belt: number[] = [];
    const direct: number[] = [];
    const kubeconfig = ['--kubeconfig', cluster.kubeconfig];
    for (let i = 0; i < RUNS; i++) {
      direct.push(
        timed(() => {
          conveyor('pipeline', 'run', ws.dir);
          conveyor('release', ws.dir, '--yes');
          conveyor('deploy', 'staging', ws.dir, '--yes', ...kubeconfig);
        }),
      );
      belt.push(timed(() => conveyor('ship', ws.dir, '--yes', ...kubeconfig)));
    }
    console.log('belt: pipeline → release → deploy to staging (bake 0), median of', RUNS);
    console.log(`  conveyor ship          : ${median(belt).toFixed(0)} ms  (${belt.map((t) => t.toFixed(0)).join(', ')})`);
    console.log(`  the same three commands: ${median(direct).toFixed(0)} ms  (${direct.map((t) => t.toFixed(0)).join(', ')})`);
    console.log(`  ratio                  : ${(median(belt) / median(direct)).toFixed(2)} (goal ≤ 1.05)`);
    ws.remove();
  } finally {
    await cluster.stop();
    await registry.stop();
    await engine.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench/belt: ${messageOf(error)}`);
  process.exit(1);
});
