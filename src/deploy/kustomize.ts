// An environment's `kustomize` directory rendered to plain objects, the way `kubectl apply -k` would: with
// a standalone `kustomize build`, else `kubectl kustomize` (built into kubectl), whichever is on PATH. The
// result then goes through the same digest pinning, dry run and apply as a manifests folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findExecutable } from '../core/findExecutable';
import { isFile } from '../core/fsUtil';
import { runProcess } from '../core/processRunner';
import { DeployError } from './deployError';
import { parseManifests } from './renderManifests';
import type { ManifestDocument } from './renderManifests';

/** kustomize's own names for the file that makes a directory a kustomization. */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const DEFAULT_TIMEOUT_MS = 60_000;

export interface KustomizeOptions {
  /** Where kustomize or kubectl are looked for (default: PATH). */
  toolsPath?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The command that renders a directory: kustomize when installed, else kubectl's built-in kustomize. */
export async function kustomizeCommand(directory: string, toolsPath?: string): Promise<{ command: string; args: string[] } | undefined> {
  const kustomize = await findExecutable('kustomize', toolsPath);
  if (kustomize) return { command: kustomize, args: ['build', directory] };
  const kubectl = await findExecutable('kubectl', toolsPath);
  if (kubectl) return { command: kubectl, args: ['kustomize', directory] };
  return undefined;
}

/**
 * The objects `kustomize build` makes of `kustomizeDir` (relative to the workspace folder). Problems name the
 * kustomization file: the rendered text has no lines of its own a user could open.
 */
export async function renderKustomization(
  workspaceFolder: string,
  kustomizeDir: string,
  options: KustomizeOptions = {},
): Promise<ManifestDocument[]> {
  const directory = path.resolve(workspaceFolder, kustomizeDir);
  const kustomization = await findKustomizationFile(directory, kustomizeDir);
  const relativeFile = path.relative(workspaceFolder, kustomization).split(path.sep).join('/');
  const command = await kustomizeCommand(directory, options.toolsPath);
  if (!command) {
    throw new DeployError(
      'unsupported',
      `Rendering ${kustomizeDir} needs kustomize or kubectl on PATH, and neither is there: install kubectl (it has kustomize built in) or kustomize, then deploy again. Nothing was applied.`,
    );
  }
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const result = await runProcess(
    { ...command, cwd: directory },
    {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal: options.signal,
      onOutput: (chunk, stream) => (stream === 'stdout' ? stdout : stderr).push(chunk),
    },
  );
  const tool = `${path.basename(command.command)} ${command.args[0]}`;
  if (result.timedOut) {
    throw new DeployError(
      'timeout',
      `${tool} ${kustomizeDir} did not finish in ${(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s (a remote base that cannot be reached?). Nothing was applied.`,
    );
  }
  // Stopped by the user: an abort, as everywhere else a deploy is stopped, not a failure to report.
  if (result.cancelled) throw new DOMException('Stopped.', 'AbortError');
  if (result.spawnError || result.exitCode !== 0) {
    throw new DeployError(
      'invalid-manifest',
      `${relativeFile}: ${tool} failed: ${result.spawnError ?? firstErrorLine(Buffer.concat(stderr).toString('utf8')) ?? `exit code ${result.exitCode}`}. Nothing was applied.`,
      { file: relativeFile, line: 1 },
    );
  }
  const documents = parseManifests(Buffer.concat(stdout).toString('utf8'), `${relativeFile} (rendered)`);
  if (documents.length === 0) {
    throw new DeployError('invalid-manifest', `${relativeFile}: ${tool} rendered no Kubernetes objects. Nothing was applied.`, {
      file: relativeFile,
      line: 1,
    });
  }
  return documents;
}

async function findKustomizationFile(directory: string, kustomizeDir: string): Promise<string> {
  for (const name of KUSTOMIZATION_FILES) {
    const file = path.join(directory, name);
    if (await isFile(file)) return file;
  }
  throw new DeployError(
    'not-found',
    `The kustomize directory ${kustomizeDir} ${
      (await fs.stat(directory).then(
        () => true,
        () => false,
      ))
        ? 'has no kustomization.yaml'
        : 'does not exist'
    }.`,
  );
}

/** kustomize prints `Error: <what>` last, after usage text on some versions. */
function firstErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const error = lines.find((line) => line.startsWith('Error:')) ?? lines[0];
  return error?.replace(/^Error:\s*/, '').replace(/\.$/, '');
}
