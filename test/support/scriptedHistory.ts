// A real repository with a scripted loop history, written by the stages' own writers: commits naming work
// items at set dates, pipeline runs (RunHistory), release tags with their records (createReleaseTag), the
// belt's records (runBelt through scriptedBeltRun, kept by BeltHistory), and the local error store's issues
// from Sentry events (eventFromJson, ErrorStore). Used by the trace's integration and CLI tests.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { readGitInfo } from '../../src/code/gitInfo';
import { BeltHistory } from '../../src/loop/belt/beltHistory';
import { eventFromJson } from '../../src/monitor/errors/envelope';
import { ErrorStore } from '../../src/monitor/errors/errorStore';
import { pipelineStateDir, RunHistory } from '../../src/pipeline/run/runHistory';
import { createReleaseTag } from '../../src/release/gitRelease';
import { aPipelineRun, aReleaseRecord } from './builders';
import { scriptedBeltRun, type ScriptedEnvironment } from './beltScript';
import { sampleWorkspace, type SampleWorkspace } from './sampleWorkspace';

export const DAY = 86_400_000;
export const IMAGE = '127.0.0.1:5000/shop';
export const digestOf = (version: string) => `sha256:${version.replace(/\D/g, '').padEnd(64, 'e')}`;

export interface ScriptedHistory {
  ws: SampleWorkspace;
  stateDir: string;
  /** Whole minutes, so every time below is exact. */
  base: number;
  at(daysBefore: number): string;
  commit(subject: string, daysBefore: number): string;
  release(version: string, commit: string, readyRun: string): Promise<void>;
  run(id: string, commit: string): Promise<void>;
  /** A commit the pipeline then passed (run `runId`) and that was released as `version`; returns its sha. */
  releasedCommit(subject: string, daysBefore: number, runId: string, version: string): Promise<string>;
  ship(id: string, daysBefore: number, version: string, commit: string, environments: ScriptedEnvironment[]): Promise<void>;
  error(type: string, value: string, release: string, daysBefore: number): Promise<void>;
  git(...args: string[]): string;
}

export async function scriptedHistory(name = 'shop'): Promise<ScriptedHistory> {
  const ws = sampleWorkspace({ 'package.json': `{ "name": "${name}", "version": "0.1.0" }\n` }, { git: true, name });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, encoding: 'utf8', stdio: 'pipe' }).trim();
  git('config', 'user.name', 'Trace Tester');
  git('config', 'user.email', 'trace@conveyor.invalid');
  const stateDir = pipelineStateDir(ws.dir, await readGitInfo(ws.dir));
  const base = Math.floor(Date.now() / 60_000) * 60_000;
  const at = (daysBefore: number) => new Date(base - daysBefore * DAY).toISOString();
  const runs = new RunHistory(stateDir);
  const belt = new BeltHistory(stateDir);
  const errors = new ErrorStore({ directory: path.join(stateDir, 'errors'), saveDelayMs: 0 });
  let file = 0;
  const history: ScriptedHistory = {
    ws,
    stateDir,
    base,
    at,
    git,
    commit(subject, daysBefore) {
      ws.write(`src/change-${++file}.js`, `// ${subject}\n`);
      git('add', '-A');
      execFileSync('git', ['commit', '-q', '-m', subject], {
        cwd: ws.dir,
        stdio: 'pipe',
        env: { ...process.env, GIT_AUTHOR_DATE: at(daysBefore), GIT_COMMITTER_DATE: at(daysBefore) },
      });
      return git('rev-parse', 'HEAD');
    },
    release: (version, commit, readyRun) =>
      createReleaseTag(
        ws.dir,
        aReleaseRecord({ version, commit, readyRun, image: { repository: IMAGE, tags: [version], digest: digestOf(version) } }),
        `## ${version}`,
      ),
    run: (id, commit) =>
      runs.record(
        aPipelineRun({ id, folder: ws.dir, commit, result: 'passed', readyForRelease: true, startedAt: new Date(base).toISOString() }),
      ),
    async releasedCommit(subject, daysBefore, runId, version) {
      const sha = history.commit(subject, daysBefore);
      await history.run(runId, sha);
      await history.release(version, sha, runId);
      return sha;
    },
    ship: async (id, daysBefore, version, commit, environments) =>
      belt.record(
        await scriptedBeltRun({
          id,
          at: at(daysBefore),
          release: { version: `v${version}`, commit, image: IMAGE, digest: digestOf(version) },
          environments,
        }),
      ),
    async error(type, value, release, daysBefore) {
      errors.record([
        eventFromJson({
          event_id: `${type}${daysBefore}`.padEnd(32, '0'),
          timestamp: at(daysBefore),
          release,
          environment: 'production',
          exception: { values: [{ type, value, stacktrace: { frames: [{ filename: '/app/src/cart.js', lineno: 12, in_app: true }] } }] },
        }),
      ]);
      await errors.flush();
    },
  };
  return history;
}
