import * as path from 'node:path';
import * as vscode from 'vscode';
import * as YAML from 'yaml';
import type { ViewNode } from '../../core/viewNode';
import { readTextIfExists } from '../../core/fsUtil';
import { pickFolder } from '../../ui/folderPicker';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { CiLogDocuments } from './ciLogDocuments';
import { ciEngine } from './ciEngineLoader';
import type { CiService } from './ciService';
import { messageOf } from '../../core/errors';

/** Where a CI view row points: parsed from its id (`<folder>/ci/github/run/<id>/job/<id>` …). */
interface CiTarget {
  folder: string;
  runId?: string;
  jobId?: string;
  workflow?: string;
  jenkinsJob?: string;
  build?: number;
}

export function registerCiCommands(model: WorkspaceModel, service: CiService, log: vscode.LogOutputChannel): vscode.Disposable {
  const logs = new CiLogDocuments();
  const fail = (what: string) => (error: unknown) => {
    const message = messageOf(error);
    log.error(`${what}: ${message}`);
    void vscode.window.showErrorMessage(`${what}: ${message}`);
  };
  const githubOf = (target: CiTarget | undefined) => {
    const github = target && service.github(target.folder);
    if (!github) void vscode.window.showInformationMessage('No GitHub repository for this folder: set ci.github in conveyor.yml or add a GitHub origin remote.');
    return github;
  };
  return vscode.Disposable.from(
    logs,
    vscode.commands.registerCommand('conveyor.ci.refresh', () => service.refresh()),
    vscode.commands.registerCommand('conveyor.ci.signInGitHub', () => service.signInGitHub()),
    vscode.commands.registerCommand('conveyor.ci.signInJenkins', async (arg?: unknown) => {
      const status = await pickFolder(model, targetOf(arg)?.folder ?? (typeof arg === 'string' ? arg : undefined), 'Sign in to the Jenkins of which folder?');
      if (!status?.ci.jenkinsUrl) return void vscode.window.showInformationMessage('Set ci.jenkins.url in conveyor.yml first.');
      await service.signInJenkins(status.ci.jenkinsUrl);
    }),
    vscode.commands.registerCommand('conveyor.ci.showJobLog', async (folder: string, runId: string, jobId: string) => {
      const github = githubOf({ folder });
      if (!github) return;
      try {
        const text = await vscode.window.withProgress({ location: { viewId: 'conveyor.ci' }, title: 'Downloading the job log' }, () => github.client.jobLog(github.owner, github.repo, jobId));
        const run = service.viewState(folder).github?.runs.find((r) => r.id === runId);
        const job = service.viewState(folder).github?.jobs.get(runId)?.find((j) => j.id === jobId);
        const parsed = ciEngine().parseActionsLog(text, job?.steps ?? []);
        await logs.open(`${github.repo}-${run?.name ?? 'run'}-${job?.name ?? jobId}`, { text: parsed.lines.join('\n'), sections: parsed.sections }, { revealLine: parsed.errorLines[0] });
        if (run && (run.state === 'running' || run.state === 'queued')) service.watch(folder, runId);
      } catch (error) {
        fail('Could not open the job log')(error);
      }
    }),
    vscode.commands.registerCommand('conveyor.ci.openInBrowser', async (node?: ViewNode) => {
      const url = urlOf(service, targetOf(node));
      if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
    }),
    vscode.commands.registerCommand('conveyor.ci.rerun', (node?: ViewNode) => rerun(node, false)),
    vscode.commands.registerCommand('conveyor.ci.rerunFailed', (node?: ViewNode) => rerun(node, true)),
    vscode.commands.registerCommand('conveyor.ci.cancel', async (node?: ViewNode) => {
      const target = targetOf(node);
      const github = githubOf(target);
      if (!github || !target?.runId) return;
      await github.client.cancel(github.owner, github.repo, target.runId).then(() => service.refresh(target.folder), fail('Could not cancel the run'));
    }),
    vscode.commands.registerCommand('conveyor.ci.dispatch', async (arg?: unknown) => {
      const target = targetOf(arg);
      const status = await pickFolder(model, target?.folder ?? (typeof arg === 'string' ? arg : undefined), 'Run a workflow of which folder?');
      const github = status && githubOf({ folder: status.folder });
      if (!status || !github) return;
      const workflow = target?.workflow ?? (await vscode.window.showQuickPick(status.ci.githubWorkflows, { placeHolder: 'Run which workflow (workflow_dispatch)?' }));
      if (!workflow) return;
      const inputs = await askInputs(path.join(status.folder, '.github', 'workflows', workflow));
      if (!inputs) return;
      const ref = status.git.branch ?? 'main';
      await github.client.dispatch(github.owner, github.repo, workflow, ref, inputs).then(
        () => {
          void vscode.window.showInformationMessage(`Started ${workflow} on ${ref}.`);
          void service.refresh(status.folder);
        },
        fail(`Could not start ${workflow}`),
      );
    }),
    vscode.commands.registerCommand('conveyor.ci.jenkinsBuild', async (node?: ViewNode) => {
      const target = targetOf(node);
      const jenkins = target && service.jenkins(target.folder);
      if (!target?.jenkinsJob || !jenkins) return;
      const text = await vscode.window.showInputBox({ title: `Build ${target.jenkinsJob}`, prompt: 'Parameters as NAME=value, separated by spaces (empty for none)', ignoreFocusOut: true });
      if (text === undefined) return;
      const parameters = Object.fromEntries(text.split(/\s+/).filter(Boolean).map((pair) => [pair.split('=')[0], pair.split('=').slice(1).join('=')]));
      try {
        const { queueItemUrl } = await jenkins.client.build(target.jenkinsJob, Object.keys(parameters).length ? parameters : undefined);
        void vscode.window.showInformationMessage(`Queued ${target.jenkinsJob}; the console opens when the build starts.`);
        for (let attempt = 0; attempt < 60; attempt++) {
          const build = await jenkins.client.queueItemBuild(queueItemUrl);
          if (build) return void vscode.commands.executeCommand('conveyor.ci.followJenkinsLog', target.folder, target.jenkinsJob, build.number);
          await new Promise((r) => setTimeout(r, 2000));
        }
      } catch (error) {
        fail(`Could not build ${target.jenkinsJob}`)(error);
      }
    }),
    vscode.commands.registerCommand('conveyor.ci.followJenkinsLog', (folder: string, jobFullName: string, buildNumber: number) => {
      const jenkins = service.jenkins(folder);
      if (!jenkins) return;
      const writer = new vscode.EventEmitter<string>();
      const abort = new AbortController();
      const pty: vscode.Pseudoterminal = {
        onDidWrite: writer.event,
        open: () => {
          jenkins.client.followLog(jobFullName, buildNumber, (chunk) => writer.fire(chunk.replace(/\r?\n/g, '\r\n')), { signal: abort.signal }).then(
            () => !abort.signal.aborted && writer.fire('\r\n\x1b[2m[end of console]\x1b[0m\r\n'),
            (error: unknown) => !abort.signal.aborted && writer.fire(`\r\n\x1b[31m${messageOf(error)}\x1b[0m\r\n`),
          );
        },
        close: () => {
          abort.abort();
          writer.dispose();
        },
      };
      vscode.window.createTerminal({ name: `Jenkins: ${jobFullName} #${buildNumber}`, pty, iconPath: new vscode.ThemeIcon('server-process') }).show();
    }),
  );

  async function rerun(node: ViewNode | undefined, failedOnly: boolean): Promise<void> {
    const target = targetOf(node);
    const github = githubOf(target);
    if (!github || !target?.runId) return;
    await github.client.rerun(github.owner, github.repo, target.runId, { failedOnly }).then(() => {
      service.watch(target.folder, target.runId);
      return service.refresh(target.folder);
    }, fail('Could not re-run'));
  }
}

function targetOf(arg: unknown): CiTarget | undefined {
  const id = (arg as ViewNode | undefined)?.id;
  if (typeof id !== 'string') return undefined;
  const at = id.lastIndexOf('/ci/');
  if (at === -1) return undefined;
  const folder = id.slice(0, at);
  const rest = id.slice(at + 4);
  const run = /^github\/run\/([^/]+)(?:\/job\/([^/]+))?/.exec(rest);
  if (run) return { folder, runId: run[1], jobId: run[2] };
  const workflow = /^github\/workflow\/(.+)$/.exec(rest);
  if (workflow) return { folder, workflow: workflow[1] };
  const jenkins = /^jenkins\/job\/(.+?)(?:\/build\/(\d+))?$/.exec(rest);
  if (jenkins) return { folder, jenkinsJob: jenkins[1], build: jenkins[2] ? Number(jenkins[2]) : undefined };
  return { folder };
}

function urlOf(service: CiService, target: CiTarget | undefined): string | undefined {
  if (!target) return undefined;
  const state = service.viewState(target.folder);
  if (target.runId) {
    const job = target.jobId ? state.github?.jobs.get(target.runId)?.find((j) => j.id === target.jobId) : undefined;
    return job?.url ?? state.github?.runs.find((r) => r.id === target.runId)?.url;
  }
  if (target.jenkinsJob) {
    const build = target.build !== undefined ? state.jenkins?.builds.get(target.jenkinsJob)?.find((b) => b.number === target.build) : undefined;
    return build?.url ?? findJenkinsJob(state.jenkins?.jobs ?? [], target.jenkinsJob)?.url;
  }
  return undefined;
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
    const parsed = YAML.parse(text ?? '') as { on?: { workflow_dispatch?: { inputs?: typeof declared } }; true?: { workflow_dispatch?: { inputs?: typeof declared } } } | null;
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
      value = (await vscode.window.showQuickPick(options, { title, placeHolder: spec.description }));
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
