// Real sample workspaces on disk for integration and e2e tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SampleWorkspace {
  dir: string;
  write(relative: string, content: string): string;
  remove(): void;
}

/** A temporary folder with the given files; `git: true` makes it a repository with one commit. */
export function sampleWorkspace(files: Record<string, string> = {}, options: { git?: boolean; name?: string } = {}): SampleWorkspace {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'conveyor-ws-'));
  const dir = path.join(parent, options.name ?? 'workspace');
  mkdirSync(dir);
  const write = (relative: string, content: string) => {
    const file = path.join(dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  };
  for (const [relative, content] of Object.entries(files)) write(relative, content);
  if (options.git) {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.name=Conveyor Test', '-c', 'user.email=test@conveyor.invalid', 'commit', '-q', '--allow-empty', '-m', 'chore: start');
    if (Object.keys(files).length > 0) {
      git('add', '-A');
      git('-c', 'user.name=Conveyor Test', '-c', 'user.email=test@conveyor.invalid', 'commit', '-q', '-m', 'feat: sample project');
    }
  }
  return { dir, write, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

/** An npm project with lint/build/test scripts, a Dockerfile and a k8s/ manifest. */
export const NODE_SERVICE_FILES: Record<string, string> = {
  'package.json': JSON.stringify(
    {
      name: 'demo-service',
      version: '1.0.0',
      scripts: { lint: 'eslint .', build: 'tsc -p .', test: 'mocha', 'test:e2e': 'playwright test', start: 'node server.js' },
      dependencies: { '@sentry/node': '^8.0.0' },
    },
    null,
    2,
  ),
  Dockerfile: 'FROM busybox\nCOPY . /app\nCMD ["sh"]\n',
  'k8s/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: demo-service',
    'spec:',
    '  replicas: 1',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: demo-service',
    '',
  ].join('\n'),
};

/** For a describe block: a sampleWorkspace factory whose folders are removed after the block. */
export function sampleWorkspaces(): (...args: Parameters<typeof sampleWorkspace>) => SampleWorkspace {
  const made: SampleWorkspace[] = [];
  after(() => made.forEach((ws) => ws.remove()));
  return (...args) => {
    const ws = sampleWorkspace(...args);
    made.push(ws);
    return ws;
  };
}
