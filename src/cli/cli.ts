// `conveyor`: the same core as the extension, headless (for terminals and CI).
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeFolder } from '../loop/folderStatus';
import { folderStatusJson, folderStatusText } from '../loop/folderStatusText';
import { pipelineRunCommand } from './pipelineCli';
import { releaseCommand, releaseListCommand } from './releaseCli';
import { version } from '../../package.json';
import { messageOf } from '../core/errors';

const USAGE = `Usage: conveyor <command> [options]

Commands:
  status [folder] [--json]   What Conveyor detects and configures for a folder (default: current folder).
                             Exits 1 when conveyor.yml has problems.
  pipeline run [folder] [--stage NAME]... [--json]
                             Run the pipeline's stages in order (or only the named ones); the first
                             failure stops the belt. Exits 0 when every stage passed, 1 otherwise,
                             130 when interrupted. A clean, fully passing commit is marked ready.
  release [folder] [--bump major|minor|patch|X.Y.Z] [--push] [--dry-run] [--yes] [--override REASON] [--registry URL] [--json]
                             Cut a release of a commit the pipeline marked ready: version file and
                             CHANGELOG committed, image built and pushed, npm package published (token:
                             NPM_TOKEN or .npmrc), annotated tag with the record (version, commit, digest,
                             integrity); --push also pushes the commit and tag to origin. NPM_TOKEN is only
                             sent to the host of NPM_TOKEN_REGISTRY, else of --registry, else to none.
  release list [folder] [--registry URL] [--json]
                             Releases from the tags, each checked against the registry's digest and the
                             npm registry's integrity.
  deploy <environment> [folder] [--release vX.Y.Z] [--kubeconfig FILE] [--yes] [--json]
                             Deploy a release (default: the newest ready one) by image digest to an
                             environment of conveyor.yml (or a kube context), follow the rollout and
                             print why pods fail. Exits 0 when rolled out, 1 on failure. Environments
                             with confirm: true ask on a terminal and need --yes elsewhere.
  ship [folder] [--to ENV] [--yes] [--push] [--kubeconfig FILE] [--registry URL] [--json]
                             The belt: pipeline → release → deploy to each environment of delivery in
                             conveyor.yml → verify (uptime checks, new errors in the release) → promote;
                             a failed verification rolls that environment back. Environments that confirm
                             ask on a terminal; elsewhere the belt stops before them unless --yes.
                             Exits 0 shipped (or verified up to where it stopped), 1 failed or rolled
                             back, 2 usage, 130 stopped. --push pushes the release commit and tag.
  ci export [folder] [--force]
                             Write a GitHub Actions workflow and a Jenkinsfile that run the pipeline
                             through this CLI on every push, and ship on the default branch when delivery
                             is configured; the CLI itself goes to .conveyor/bin/conveyor.js.
  hook install|remove|status [folder]
                             A pre-push git hook that runs the pipeline before every push (honours
                             core.hooksPath; a hook already there is kept and run first).
  trace <KEY|sha|vX.Y.Z|error-id> [folder] [--json]
                             The loop from one work item, commit, release or error: its commits, the
                             pipeline runs, the release, the environments running it (from the belt's
                             records) and the errors first seen in it, with what the records miss.
                             Exits 0 when something is known of it, 1 when nothing is.
  metrics [folder] [--json]  DORA's four keys per environment from the local records (deployment
                             frequency, lead time for changes, change failure rate, time to restore),
                             the last 30 days against the 30 before. Exits 1 with no deployment on record.

Options:
  -h, --help                 Show this help.
  -v, --version              Show the version.
`;

export async function main(argv: string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        stage: { type: 'string', multiple: true },
        bump: { type: 'string' },
        push: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        override: { type: 'string' },
        release: { type: 'string' },
        kubeconfig: { type: 'string' },
        registry: { type: 'string' },
        to: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    process.stderr.write(`conveyor: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    write(`${version}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    write(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === 'status') {
    const folder = path.resolve(rest[0] ?? '.');
    if (!(await isDirectory(folder))) {
      process.stderr.write(`conveyor: ${folder} is not a folder\n`);
      return 2;
    }
    const status = await describeFolder(folder);
    write(values.json ? `${JSON.stringify(folderStatusJson(status), null, 2)}\n` : folderStatusText(status));
    return status.config.problems.some((p) => p.severity === 'error') ? 1 : 0;
  }
  if (command === 'pipeline') {
    const [action, target] = rest;
    if (action !== 'run') {
      process.stderr.write(`conveyor: unknown pipeline action "${action ?? ''}" (expected: run)\n\n${USAGE}`);
      return 2;
    }
    const folder = path.resolve(target ?? '.');
    if (!(await isDirectory(folder))) {
      process.stderr.write(`conveyor: ${folder} is not a folder\n`);
      return 2;
    }
    const interrupt = new AbortController();
    const onSigint = () => interrupt.abort();
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigint);
    try {
      return await pipelineRunCommand({
        folder,
        stages: values.stage ?? [],
        json: values.json ?? false,
        tty: process.stdout.isTTY === true,
        write,
        signal: interrupt.signal,
      });
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  }
  if (command === 'release') {
    const listing = rest[0] === 'list';
    const folder = path.resolve((listing ? rest[1] : rest[0]) ?? '.');
    if (!(await isDirectory(folder))) {
      process.stderr.write(`conveyor: ${folder} is not a folder\n`);
      return 2;
    }
    if (listing) return releaseListCommand(folder, values.json ?? false, write, { registry: values.registry });
    const interrupt = new AbortController();
    process.once('SIGINT', () => interrupt.abort());
    return releaseCommand({
      folder,
      bump: values.bump,
      push: values.push ?? false,
      override: values.override,
      dryRun: values['dry-run'] ?? false,
      yes: values.yes ?? false,
      json: values.json ?? false,
      tty: process.stdout.isTTY === true && process.stdin.isTTY === true,
      registry: values.registry,
      write,
      signal: interrupt.signal,
    });
  }
  if (command === 'deploy') {
    const [environment, target] = rest;
    const folder = path.resolve(target ?? '.');
    if (!(await isDirectory(folder))) {
      process.stderr.write(`conveyor: ${folder} is not a folder\n`);
      return 2;
    }
    const interrupt = new AbortController();
    process.once('SIGINT', () => interrupt.abort());
    // client-node is large: only `conveyor deploy` pays for loading it.
    const { deployCommand } = await import('./deployCli');
    return deployCommand({
      folder,
      environment,
      release: values.release,
      kubeconfig: values.kubeconfig,
      yes: values.yes ?? false,
      json: values.json ?? false,
      tty: process.stdout.isTTY === true && process.stdin.isTTY === true,
      write,
      signal: interrupt.signal,
    });
  }
  if (command === 'ci' && rest[0] === 'export') {
    const folder = path.resolve(rest[1] ?? '.');
    if (!(await isDirectory(folder))) {
      process.stderr.write(`conveyor: ${folder} is not a folder\n`);
      return 2;
    }
    const { exportCiCommand } = await import('./ciExportCli');
    return exportCiCommand(folder, { force: values.force ?? false, cliBundle: __filename, write });
  }
  if (command === 'hook') {
    const [action, target] = rest;
    const folder = path.resolve(target ?? '.');
    if (!['install', 'remove', 'status'].includes(action ?? '') || !(await isDirectory(folder))) {
      process.stderr.write(
        `conveyor: usage: conveyor hook install|remove|status [folder]${action && !(await isDirectory(folder)) ? ` (${folder} is not a folder)` : ''}\n`,
      );
      return 2;
    }
    const hooks = await import('../loop/hooks/prePushHook');
    try {
      const state =
        action === 'install'
          ? await hooks.installPrePushHook(folder, { node: process.execPath, script: __filename })
          : action === 'remove'
            ? await hooks.removePrePushHook(folder)
            : await hooks.prePushHookState(folder);
      const kept = state.chained ? ` (runs the hook that was there first: ${hooks.CHAINED_HOOK})` : '';
      write(
        values.json
          ? `${JSON.stringify(state)}\n`
          : state.kind === 'conveyor'
            ? `pre-push hook installed at ${state.file}${kept}\n`
            : state.kind === 'other'
              ? `${state.file} is another tool's hook\n`
              : `no Conveyor pre-push hook in ${path.dirname(state.file)}\n`,
      );
      return 0;
    } catch (error) {
      process.stderr.write(`conveyor: ${messageOf(error)}\n`);
      return 1;
    }
  }
  if (command === 'trace') {
    const [argument, target] = rest;
    const folder = path.resolve(target ?? '.');
    if (!argument || !(await isDirectory(folder))) {
      process.stderr.write(
        `conveyor: usage: conveyor trace <KEY|sha|vX.Y.Z|error-id> [folder] [--json]${argument ? ` (${folder} is not a folder)` : ''}\n`,
      );
      return 2;
    }
    const { traceCommand } = await import('./traceCli');
    return traceCommand(folder, argument, values.json ?? false, write);
  }
  if (command === 'metrics') {
    const folder = path.resolve(rest[0] ?? '.');
    if (!(await isDirectory(folder))) {
      process.stderr.write(`conveyor: ${folder} is not a folder\n`);
      return 2;
    }
    const { metricsCommand } = await import('./metricsCli');
    return metricsCommand(folder, values.json ?? false, write);
  }
  if (command === 'ship') {
    const folder = path.resolve(rest[0] ?? '.');
    if (!(await isDirectory(folder))) {
      process.stderr.write(`conveyor: ${folder} is not a folder\n`);
      return 2;
    }
    const interrupt = new AbortController();
    const onInterrupt = () => interrupt.abort();
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onInterrupt);
    try {
      const { shipCommand } = await import('./shipCli');
      return await shipCommand({
        folder,
        to: values.to,
        yes: values.yes ?? false,
        push: values.push ?? false,
        json: values.json ?? false,
        kubeconfig: values.kubeconfig,
        registry: values.registry,
        tty: process.stdout.isTTY === true && process.stdin.isTTY === true,
        write,
        signal: interrupt.signal,
      });
    } finally {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
    }
  }
  process.stderr.write(`conveyor: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

async function isDirectory(folder: string): Promise<boolean> {
  return fs.stat(folder).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`conveyor: ${messageOf(error)}\n`);
      process.exitCode = 1;
    },
  );
}
