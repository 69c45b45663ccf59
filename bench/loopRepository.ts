// A real repository with a long loop history for bench/trace and bench/metrics, built once per run: commits
// and annotated release tags (with Conveyor's release record) written by git fast-import, the last 30
// pipeline runs (RunHistory) and belt runs made by the belt itself (scriptedBeltRun, kept by BeltHistory).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readGitInfo } from '../src/code/gitInfo';
import { BeltHistory } from '../src/loop/belt/beltHistory';
import { pipelineStateDir, RunHistory } from '../src/pipeline/run/runHistory';
import { formatTagMessage } from '../src/release/releaseRecord';
import { scriptedBeltRun, type ScriptedEnvironment } from '../test/support/beltScript';
import { aPipelineRun, aReleaseRecord } from '../test/support/builders';
import { sampleWorkspace, type SampleWorkspace } from '../test/support/sampleWorkspace';

const DAY = 86_400_000;
const IMAGE = '127.0.0.1:5000/shop';

export interface LoopRepositoryShape {
  commits: number;
  /** One release every commits/releases commits, tagged v1.<n>.0. */
  releases: number;
  /** Belt runs spread over the last 60 days, each carrying the release due at its time. */
  ships: number;
  environments: ScriptedEnvironment[];
  /** Every commit's subject names this work item. */
  item: string;
}

export async function loopRepository(shape: LoopRepositoryShape): Promise<SampleWorkspace> {
  const ws = sampleWorkspace({}, { git: true, name: 'shop' });
  const now = Date.now();
  const commitAt = (i: number) => Math.floor((now - 60 * DAY + (i * 60 * DAY) / shape.commits) / 1000);
  const marks = path.join(ws.dir, '..', 'marks');
  const commits = Array.from({ length: shape.commits }, (_, i) => {
    const message = `feat: ${shape.item} change ${i}\n`;
    const content = `${i}\n`;
    return [
      'commit refs/heads/main',
      `mark :${i + 1}`,
      `author Bench <bench@conveyor.invalid> ${commitAt(i)} +0000`,
      `committer Bench <bench@conveyor.invalid> ${commitAt(i)} +0000`,
      `data ${Buffer.byteLength(message)}`,
      message,
      ...(i === 0 ? ['from refs/heads/main^0'] : []),
      `M 644 inline src/change.txt`,
      `data ${Buffer.byteLength(content)}`,
      content,
    ].join('\n');
  });
  fastImport(ws.dir, `${commits.join('\n')}\n`, [`--export-marks=${marks}`]);
  const shaOf = new Map(
    readFileSync(marks, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
  execFileSync('git', ['reset', '-q', '--hard', 'main'], { cwd: ws.dir });

  const every = shape.commits / shape.releases;
  const released = Array.from({ length: shape.releases }, (_, n) => {
    const index = (n + 1) * every - 1;
    return { version: `1.${n}.0`, commit: shaOf.get(`:${index + 1}`)!, at: commitAt(index) };
  });
  const tags = released.map(({ version, commit, at }) => {
    const message = formatTagMessage(
      aReleaseRecord({
        version,
        commit,
        testedCommit: commit,
        readyRun: `run-${version}`,
        createdAt: new Date(at * 1000).toISOString(),
        image: { repository: IMAGE, tags: [version], digest: `sha256:${'e'.repeat(64)}` },
      }),
      `## ${version}`,
    );
    return [
      `tag v${version}`,
      `from ${commit}`,
      `tagger Bench <bench@conveyor.invalid> ${at} +0000`,
      `data ${Buffer.byteLength(message)}`,
      message,
    ].join('\n');
  });
  fastImport(ws.dir, `${tags.join('\n')}\n`, []);

  const stateDir = pipelineStateDir(ws.dir, await readGitInfo(ws.dir));
  const runs = new RunHistory(stateDir);
  for (const r of released.slice(-30))
    await runs.record(
      aPipelineRun({
        id: `run-${r.version}`,
        folder: ws.dir,
        commit: r.commit,
        result: 'passed',
        readyForRelease: true,
        startedAt: new Date(r.at * 1000).toISOString(),
      }),
    );
  const belt = new BeltHistory(stateDir);
  for (let s = 0; s < shape.ships; s++) {
    const at = now - 60 * DAY + ((s + 1) * 60 * DAY) / (shape.ships + 1);
    const due = released.filter((r) => r.at * 1000 <= at).at(-1) ?? released[0];
    await belt.record(
      await scriptedBeltRun({
        id: `belt-${s}`,
        at: new Date(at).toISOString(),
        release: { version: `v${due.version}`, commit: due.commit, image: IMAGE, digest: `sha256:${'e'.repeat(64)}` },
        // Every seventh run fails verification in the last environment and is rolled back.
        environments: shape.environments.map((e, i) =>
          s % 7 === 6 && i === shape.environments.length - 1 ? { ...e, outcome: 'fails-verification' as const } : e,
        ),
      }),
    );
  }
  return ws;
}

function fastImport(dir: string, stream: string, args: string[]): void {
  execFileSync('git', ['fast-import', '--quiet', ...args], { cwd: dir, input: stream });
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs `work`, adding its wall time in ms to `times`. */
export async function timed<T>(times: number[], work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  times.push(performance.now() - started);
  return result;
}

/** `1684 ms  (1928, 1684, …)`: the median, then every run. */
export function timesText(times: number[]): string {
  return `${median(times).toFixed(0)} ms  (${times.map((t) => t.toFixed(0)).join(', ')})`;
}
