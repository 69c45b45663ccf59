// bench/release: (1) pushing the same ~50 MB image by Conveyor (dockerode) and by the docker CLI, each
// into a fresh registry so no layer is already there, alternating: median wall time and ratio (issue 19: keep
// ≤ 1.05); (2) packing a 10,000-file build context by Conveyor (tar-stream + .dockerignore) against `tar`.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { ensureBaseImage, startDockerEngine, startRegistry } from '../scripts/docker/dockerHost';
import { packBuildContext } from '../src/release/image/buildContext';
import { buildImage, pushImage } from '../src/release/image/imageEngine';

// Five: both sides wait on the same engine, so the ratio is about 1 and the spread of three runs (±5%) was all it showed.
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONTEXT_RUNS = Number(process.env.BENCH_RUNS ?? 9);
const DOCKER_CLI = '/usr/bin/docker';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', env });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
  });
}

async function benchPush(): Promise<void> {
  const engine = await startDockerEngine();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-release-'));
  try {
    await ensureBaseImage(engine);
    const docker = new Docker({ socketPath: engine.socket });
    writeFileSync(path.join(scratch, 'Dockerfile'), 'FROM conveyor-base:busybox\nRUN dd if=/dev/urandom of=/payload bs=1048576 count=50\n');
    const context = await packBuildContext(scratch, '.', 'Dockerfile');
    const { imageId } = await buildImage(docker, { context: context.stream, dockerfile: context.dockerfile, tags: ['bench/payload:1'] });
    const conveyor: number[] = [];
    const cli: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      for (const side of ['conveyor', 'cli'] as const) {
        const registry = await startRegistry();
        const repository = `${registry.host}/payload`;
        await docker.getImage(imageId).tag({ repo: repository, tag: '1' });
        const ms = await timed(() =>
          side === 'conveyor'
            ? pushImage(docker, { repository, tag: '1' })
            : run(DOCKER_CLI, ['-H', engine.dockerHost, 'push', '--quiet', `${repository}:1`], { ...process.env, DOCKER_CONFIG: scratch }),
        );
        (side === 'conveyor' ? conveyor : cli).push(ms);
        await registry.stop();
      }
    }
    const c = median(conveyor);
    const d = median(cli);
    console.log(`image push (~52 MB, fresh registry each time, median of ${RUNS} alternating runs)`);
    console.log(`  docker CLI push : ${d.toFixed(0)} ms`);
    console.log(`  conveyor push   : ${c.toFixed(0)} ms`);
    console.log(`  ratio           : ${(c / d).toFixed(3)}  (keep ≤ 1.05)`);
  } finally {
    await engine.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function benchContext(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-context-'));
  try {
    for (let d = 0; d < 100; d++) {
      mkdirSync(path.join(dir, 'src', `module${d}`), { recursive: true });
      for (let f = 0; f < 100; f++)
        writeFileSync(path.join(dir, 'src', `module${d}`, `file${f}.js`), `export const value${f} = ${d * 100 + f};\n`.repeat(20));
    }
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(path.join(dir, '.dockerignore'), 'node_modules\n*.log\n');
    const conveyor: number[] = [];
    const tar: number[] = [];
    const pack = async () => {
      const { stream } = await packBuildContext(dir, '.', 'Dockerfile');
      for await (const chunk of stream) void chunk;
    };
    // One of each first (file cache, the tar lookup), then more runs than the push: each takes ~0.1 s.
    await run('/bin/sh', ['-c', `tar -cf - -C ${dir} . | cat > /dev/null`]);
    await pack();
    for (let i = 0; i < CONTEXT_RUNS; i++) {
      tar.push(await timed(() => run('/bin/sh', ['-c', `tar -cf - -C ${dir} . | cat > /dev/null`])));
      conveyor.push(await timed(pack));
    }
    console.log(`build context packing (10,000 files of ~0.6 KB, median of ${CONTEXT_RUNS} after a warm-up)`);
    console.log(`  tar -cf  : ${median(tar).toFixed(0)} ms`);
    console.log(`  conveyor : ${median(conveyor).toFixed(0)} ms`);
    console.log(`  ratio    : ${(median(conveyor) / median(tar)).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await benchPush();
  await benchContext();
}

if (process.env.BENCH_ONLY === 'context') void benchContext();
else void main();
