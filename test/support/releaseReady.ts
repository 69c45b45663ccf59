// What release tests need of a sample repository: HEAD marked ready the way a user gets it, and the git state
// a failed release must leave as it found it.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describeFolder } from '../../src/loop/folderStatus';
import { pipelineStateDir, RunHistory } from '../../src/pipeline/run/runHistory';
import { runPipeline } from '../../src/pipeline/run/runPipeline';

/** Makes the HEAD commit ready the way a user does: a clean, fully passing pipeline run. */
export async function passPipeline(folder: string): Promise<void> {
  const status = await describeFolder(folder);
  const run = await runPipeline({
    folder,
    definition: status.pipeline,
    history: new RunHistory(pipelineStateDir(folder, status.git)),
    trigger: 'cli',
  });
  assert.equal(run.readyForRelease, true, run.notReadyReason);
}

/** HEAD, the tags, the working tree's changes and package.json's version. */
export function releaseGitState(folder: string) {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: folder, encoding: 'utf8' }).trim();
  return {
    head: git('rev-parse', 'HEAD'),
    tags: git('tag', '--list'),
    status: git('status', '--porcelain'),
    version: (JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { version: string }).version,
  };
}

/**
 * The files of a releasable app (private package.json, a one-stage pipeline, an image `name` in `registryHost`),
 * for `sampleWorkspace(…, { git: true })`; `withCommitter` then gives the repository a committer.
 */
export function imageProjectFiles(
  registryHost: string,
  name: string,
  dockerfile = 'FROM conveyor-base:busybox\nCOPY src /app\n',
): Record<string, string> {
  return {
    'package.json': '{\n  "name": "shop",\n  "version": "1.3.0",\n  "private": true\n}\n',
    Dockerfile: dockerfile,
    '.gitignore': '.conveyor/\n',
    'conveyor.yml': `pipeline:\n  security: false\n  stages:\n    - { name: test, run: "true" }\nimage:\n  name: ${name}\n  registry: ${registryHost}\n`,
    'src/app.js': `console.log(${JSON.stringify(name)});\n`,
  };
}

export function withCommitter<T extends { dir: string }>(workspace: T): T {
  execFileSync('git', ['-C', workspace.dir, 'config', 'user.name', 'Release Tester']);
  execFileSync('git', ['-C', workspace.dir, 'config', 'user.email', 'release@conveyor.invalid']);
  return workspace;
}
