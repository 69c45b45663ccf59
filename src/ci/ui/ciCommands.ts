import * as path from 'node:path';
import * as vscode from 'vscode';
import * as YAML from 'yaml';
import type { RefOf } from '../../core/viewNode';
import { readTextIfExists } from '../../core/fsUtil';
import { registerConveyorCommand } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { CiLogDocuments } from './ciLogDocuments';
import { ciEngine } from './ciEngineLoader';
import type { CiService } from './ciService';
import { messageOf } from '../../core/errors';

/** The CI rows a command can act on. */
type CiRef = RefOf<'ci-run' | 'ci-job' | 'jenkins-job' | 'jenkins-build'>;

export function registerCiCommands(model: WorkspaceModel, service: CiService, log: vscode.LogOutputChannel): vscode.Disposable {
  const host = { model, log };
  const logs = new CiLogDocuments();
  const githubOf = (folder: string | undefined) => {
    const github = folder === undefined ? undefined : service.github(folder);
    if (!github)
      void vscode.window.showInformationMessage(
        'No GitHub repository for this folder: set ci.github in conveyor.yml or add a GitHub origin remote.',
      );
    return github;
  };
  const rerun = async (ref: RefOf<'ci-run'> | undefined, failedOnly: boolean): Promise<void> => {
    const github = githubOf(ref?.folder);
    if (!github || !ref) return;
    await github.client.rerun(github.owner, github.repo, ref.runId, { failedOnly });
    service.watch(ref.folder, ref.runId);
    await service.refresh(ref.folder);
  };
  const github = { signIn: 'conveyor.ci.signInGitHub' };
  return vscode.Disposable.from(
    logs,
    registerConveyorCommand(host, 'conveyor.ci.refresh', () => service.refresh()),
    registerConveyorCommand(host, 'conveyor.ci.signInGitHub', () => service.signInGitHub()),
    registerConveyorCommand(
      host,
      'conveyor.ci.signInJenkins',
      async ({ status }) => {
        if (!status.ci.jenkinsUrl) return void vscode.window.showInformationMessage('Set ci.jenkins.url in conveyor.yml first.');
        await service.signInJenkins(status.ci.jenkinsUrl);
      },
      { folder: { placeHolder: 'Sign in to the Jenkins of which folder?' } },
    ),
    registerConveyorCommand(
      host,
      'conveyor.ci.showJobLog',
      async (_call, folder: string, runId: string, jobId: string) => {
        const github = githubOf(folder);
        if (!github) return;
        const text = await vscode.window.withProgress({ location: { viewId: 'conveyor.ci' }, title: 'Downloading the job log' }, () =>
          github.client.jobLog(github.owner, github.repo, jobId),
        );
        const run = service.viewState(folder).github?.runs.find((r) => r.id === runId);
        const job = service
          .viewState(folder)
          .github?.jobs.get(runId)
          ?.find((j) => j.id === jobId);
        const parsed = ciEngine().parseActionsLog(text, job?.steps ?? []);
        await logs.open(
          `${github.repo}-${run?.name ?? 'run'}-${job?.name ?? jobId}`,
          { text: parsed.lines.join('\n'), sections: parsed.sections },
          { revealLine: parsed.errorLines[0] },
        );
        if (run && (run.state === 'running' || run.state === 'queued')) service.watch(folder, runId);
      },
      { failure: 'Could not open the job log', ...github },
    ),
    registerConveyorCommand(
      host,
      'conveyor.ci.openInBrowser',
      async ({ ref }) => {
        const url = urlOf(service, ref);
        if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
      },
      { refs: ['ci-run', 'ci-job', 'jenkins-job', 'jenkins-build'] },
    ),
    registerConveyorCommand(host, 'conveyor.ci.rerun', ({ ref }) => rerun(ref, false), {
      refs: ['ci-run'],
      failure: 'Could not re-run',
      ...github,
    }),
    registerConveyorCommand(host, 'conveyor.ci.rerunFailed', ({ ref }) => rerun(ref, true), {
      refs: ['ci-run'],
      failure: 'Could not re-run',
      ...github,
    }),
    registerConveyorCommand(
      host,
      'conveyor.ci.cancel',
      async ({ ref }) => {
        const github = githubOf(ref?.folder);
        if (!github || !ref) return;
        await github.client.cancel(github.owner, github.repo, ref.runId);
        await service.refresh(ref.folder);
      },
      { refs: ['ci-run'], failure: 'Could not cancel the run', ...github },
    ),
    registerConveyorCommand(
      host,
      'conveyor.ci.dispatch',
      async ({ status, ref, failed }) => {
        const github = githubOf(status.folder);
        if (!github) return;
        const workflow =
          ref?.workflow ??
          (await vscode.window.showQuickPick(status.ci.githubWorkflows, { placeHolder: 'Run which workflow (workflow_dispatch)?' }));
        if (!workflow) return;
        const inputs = await askInputs(path.join(status.folder, '.github', 'workflows', workflow));
        if (!inputs) return;
        const branch = status.git.branch ?? 'main';
        await github.client.dispatch(github.owner, github.repo, workflow, branch, inputs).then(
          () => {
            void vscode.window.showInformationMessage(`Started ${workflow} on ${branch}.`);
            void service.refresh(status.folder);
          },
          failed(`Could not start ${workflow}`),
        );
      },
      { folder: { placeHolder: 'Run a workflow of which folder?' }, refs: ['ci-workflow'], ...github },
    ),
    registerConveyorCommand(
      host,
      'conveyor.ci.jenkinsBuild',
      async ({ ref, failed }) => {
        const jenkins = ref && service.jenkins(ref.folder);
        if (!ref || !jenkins) return;
        const text = await vscode.window.showInputBox({
          title: `Build ${ref.job}`,
          prompt: 'Parameters as NAME=value, separated by spaces (empty for none)',
          ignoreFocusOut: true,
        });
        if (text === undefined) return;
        const parameters = Object.fromEntries(
          text
            .split(/\s+/)
            .filter(Boolean)
            .map((pair) => [pair.split('=')[0], pair.split('=').slice(1).join('=')]),
        );
        try {
          const { queueItemUrl } = await jenkins.client.build(ref.job, Object.keys(parameters).length ? parameters : undefined);
          void vscode.window.showInformationMessage(`Queued ${ref.job}; the console opens when the build starts.`);
          for (let attempt = 0; attempt < 60; attempt++) {
            const build = await jenkins.client.queueItemBuild(queueItemUrl);
            if (build) return void vscode.commands.executeCommand('conveyor.ci.followJenkinsLog', ref.folder, ref.job, build.number);
            await new Promise((r) => setTimeout(r, 2000));
          }
        } catch (error) {
          failed(`Could not build ${ref.job}`)(error);
        }
      },
      { refs: ['jenkins-job'], signIn: 'conveyor.ci.signInJenkins' },
    ),
    registerConveyorCommand(host, 'conveyor.ci.followJenkinsLog', (_call, folder: string, jobFullName: string, buildNumber: number) => {
      const jenkins = service.jenkins(folder);
      if (!jenkins) return;
      const writer = new vscode.EventEmitter<string>();
      const abort = new AbortController();
      const pty: vscode.Pseudoterminal = {
        onDidWrite: writer.event,
        open: () => {
          jenkins.client
            .followLog(jobFullName, buildNumber, (chunk) => writer.fire(chunk.replace(/\r?\n/g, '\r\n')), { signal: abort.signal })
            .then(
              () => !abort.signal.aborted && writer.fire('\r\n\x1b[2m[end of console]\x1b[0m\r\n'),
              (error: unknown) => !abort.signal.aborted && writer.fire(`\r\n\x1b[31m${messageOf(error)}\x1b[0m\r\n`),
            );
        },
        close: () => {
          abort.abort();
          writer.dispose();
        },
      };
      vscode.window
        .createTerminal({ name: `Jenkins: ${jobFullName} #${buildNumber}`, pty, iconPath: new vscode.ThemeIcon('server-process') })
        .show();
    }),
  );
}

function urlOf(service: CiService, ref: CiRef | undefined): string | undefined {
  if (!ref) return undefined;
  const state = service.viewState(ref.folder);
  switch (ref.kind) {
    case 'ci-run':
      return state.github?.runs.find((r) => r.id === ref.runId)?.url;
    case 'ci-job':
      return (
        state.github?.jobs.get(ref.runId)?.find((j) => j.id === ref.jobId)?.url ?? state.github?.runs.find((r) => r.id === ref.runId)?.url
      );
    case 'jenkins-build':
      return (
        state.jenkins?.builds.get(ref.job)?.find((b) => b.number === ref.build)?.url ??
        findJenkinsJob(state.jenkins?.jobs ?? [], ref.job)?.url
      );
    case 'jenkins-job':
      return findJenkinsJob(state.jenkins?.jobs ?? [], ref.job)?.url;
  }
}

function findJenkinsJob<T extends { fullName: string; children?: T[] }>(jobs: T[], fullName: string): T | undefined {
  for (const job of jobs) {
    if (job.fullName === fullName) return job;
    const inner = findJenkinsJob(job.children ?? [], fullName);
    if (inner) return inner;
  }
  return undefined;
}

/** Asks for a workflow's `workflow_dispatch` inputs as declared in its file; undefined when cancelled. */
async function askInputs(workflowFile: string): Promise<Record<string, string> | undefined> {
  const text = await readTextIfExists(workflowFile);
  let declared: Record<string, { description?: string; default?: unknown; type?: string; options?: unknown[]; required?: boolean }> = {};
  try {
    const parsed = YAML.parse(text ?? '') as {
      on?: { workflow_dispatch?: { inputs?: typeof declared } };
      true?: { workflow_dispatch?: { inputs?: typeof declared } };
    } | null;
    // YAML 1.1 readers turn the key `on` into true; the yaml package (1.2) keeps it, but be lenient.
    declared = parsed?.on?.workflow_dispatch?.inputs ?? parsed?.true?.workflow_dispatch?.inputs ?? {};
  } catch {
    declared = {};
  }
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const title = `${name}${spec.required ? ' (required)' : ''}`;
    let value: string | undefined;
    if (spec.type === 'choice' || spec.type === 'boolean') {
      const options = spec.type === 'boolean' ? ['true', 'false'] : (spec.options ?? []).map(String);
      value = await vscode.window.showQuickPick(options, { title, placeHolder: spec.description });
    } else {
      value = await vscode.window.showInputBox({ title, prompt: spec.description, value: defaultText(spec.default), ignoreFocusOut: true });
    }
    if (value === undefined) return undefined;
    inputs[name] = value;
  }
  return inputs;
}

function defaultText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return `${value}`;
  return value === undefined || value === null ? '' : JSON.stringify(value);
}
