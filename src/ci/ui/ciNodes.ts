import * as path from 'node:path';
import type { ViewNode, ViewRef } from '../../core/viewNode';
import type { FolderStatus } from '../../loop/folderStatus';
import { formatDuration } from '../../core/formatDuration';
import type { CiJob, CiRun, CiState, CiViewState, JenkinsJobRow } from '../ciModel';
import { withoutCredentials } from '../../core/http/urlCredentials';

export const STATE_ICONS: Record<CiState, string> = {
  queued: 'clock',
  running: 'sync~spin',
  passed: 'pass:testing.iconPassed',
  failed: 'error:testing.iconFailed',
  cancelled: 'circle-slash',
  skipped: 'debug-step-over',
  unknown: 'question',
};

const RUNS_SHOWN = 15;

export function ciNodes(status: FolderStatus, state: CiViewState = {}): ViewNode[] {
  const { ci } = status;
  const nodes: ViewNode[] = [];
  if (ci.githubWorkflows.length > 0 || state.github) nodes.push(githubNode(status, state.github));
  if (ci.jenkinsfile || ci.jenkinsUrl) nodes.push(jenkinsNode(status, state.jenkins));
  return nodes;
}

function githubNode(status: FolderStatus, github: CiViewState['github']): ViewNode {
  const repo = status.ci.githubRepository;
  const id = `${status.folder}/ci/github`;
  const children: ViewNode[] = [];
  if (!repo) {
    children.push({
      id: `${id}/no-repo`,
      label: 'No GitHub repository',
      description: 'set ci.github.owner/repo in conveyor.yml, or add a GitHub origin remote',
      icon: 'info',
      command: { command: 'conveyor.openConfig', title: 'Open conveyor.yml', arguments: [status.folder] },
    });
  }
  const ref: ViewRef = { kind: 'ci-provider', folder: status.folder, provider: 'github' };
  if (github?.error)
    children.push({
      id: `${id}/error`,
      label: github.error,
      tooltip: github.error,
      icon: 'warning',
      contextValue: 'ci.error.github',
      ref,
      command: { command: 'conveyor.ci.signInGitHub', title: 'Sign in to GitHub' },
    });
  for (const run of (github?.runs ?? []).slice(0, RUNS_SHOWN)) children.push(runNode(status.folder, run, github?.jobs.get(run.id)));
  if (github?.loading && !github.runs.length) children.push({ id: `${id}/loading`, label: 'Loading runs…', icon: 'loading~spin' });
  if (repo && github && !github.loading && !github.error && github.runs.length === 0) {
    children.push({ id: `${id}/empty`, label: `No runs for ${github.branch ?? 'this branch'} yet`, icon: 'info' });
  }
  for (const workflow of status.ci.githubWorkflows) {
    children.push({
      id: `${id}/workflow/${workflow}`,
      label: workflow,
      description: 'workflow file',
      icon: 'github-action',
      contextValue: 'ci.workflow',
      ref: { kind: 'ci-workflow', folder: status.folder, workflow },
      file: path.join(status.folder, '.github', 'workflows', workflow),
    });
  }
  return {
    id,
    label: 'GitHub Actions',
    description: repo ? `${repo.owner}/${repo.repo}${github?.branch ? ` · ${github.branch}` : ''}` : undefined,
    icon: 'github',
    expanded: true,
    contextValue: 'ci.provider.github',
    ref,
    children,
  };
}

function runNode(folder: string, run: CiRun, jobs: CiJob[] | undefined): ViewNode {
  const id = `${folder}/ci/github/run/${run.id}`;
  return {
    id,
    label: `${run.name} #${run.number}${run.attempt && run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}`,
    description: [
      run.state,
      run.branch,
      run.commit?.slice(0, 7),
      run.durationMs !== undefined ? formatDuration(run.durationMs) : undefined,
      run.event,
    ]
      .filter(Boolean)
      .join(' · '),
    tooltip: `${run.name} #${run.number}: ${run.rawStatus}\n${run.url}`,
    icon: STATE_ICONS[run.state],
    contextValue: `ci.run.github.${run.state === 'queued' || run.state === 'running' ? 'active' : 'done'}`,
    ref: { kind: 'ci-run', folder, runId: run.id },
    expanded: run.state === 'failed' || run.state === 'running' ? true : false,
    children: (jobs ?? []).map((job) => jobNode(folder, run, job)),
  };
}

function jobNode(folder: string, run: CiRun, job: CiJob): ViewNode {
  return {
    id: `${folder}/ci/github/run/${run.id}/job/${job.id}`,
    label: job.name,
    description: [job.state, job.durationMs !== undefined ? formatDuration(job.durationMs) : undefined].filter(Boolean).join(' · '),
    tooltip: `${job.name}: ${job.rawStatus}\nClick to open the log`,
    icon: STATE_ICONS[job.state],
    contextValue: 'ci.job.github',
    ref: { kind: 'ci-job', folder, runId: run.id, jobId: job.id },
    expanded: job.state === 'failed' ? true : false,
    command: { command: 'conveyor.ci.showJobLog', title: 'Show Log', arguments: [folder, run.id, job.id] },
    children: job.steps.map((step) => ({
      id: `${folder}/ci/github/run/${run.id}/job/${job.id}/step/${step.number}`,
      label: step.name,
      description: [step.state, step.durationMs !== undefined ? formatDuration(step.durationMs) : undefined].filter(Boolean).join(' · '),
      icon: STATE_ICONS[step.state],
    })),
  };
}

function jenkinsNode(status: FolderStatus, jenkins: CiViewState['jenkins']): ViewNode {
  const id = `${status.folder}/ci/jenkins`;
  const children: ViewNode[] = [];
  if (!status.ci.jenkinsUrl) {
    children.push({
      id: `${id}/no-url`,
      label: 'No Jenkins URL',
      description: 'set ci.jenkins.url in conveyor.yml',
      icon: 'info',
      command: { command: 'conveyor.openConfig', title: 'Open conveyor.yml', arguments: [status.folder] },
    });
  }
  const ref: ViewRef = { kind: 'ci-provider', folder: status.folder, provider: 'jenkins' };
  if (jenkins?.error)
    children.push({
      id: `${id}/error`,
      label: jenkins.error,
      tooltip: jenkins.error,
      icon: 'warning',
      ref,
      command: { command: 'conveyor.ci.signInJenkins', title: 'Sign in to Jenkins' },
    });
  if (jenkins?.loading && jenkins.jobs.length === 0) children.push({ id: `${id}/loading`, label: 'Loading jobs…', icon: 'loading~spin' });
  for (const job of jenkins?.jobs ?? []) children.push(jenkinsJobNode(status.folder, job, jenkins!.builds));
  if (jenkins && jenkins.queue.length > 0) {
    children.push({
      id: `${id}/queue`,
      label: 'Queue',
      description: `${jenkins.queue.length} waiting`,
      icon: 'list-ordered',
      children: jenkins.queue.map((item, i) => ({ id: `${id}/queue/${i}`, label: item.name, description: item.why, icon: 'clock' })),
    });
  }
  if (status.ci.jenkinsfile)
    children.push({ id: `${id}/jenkinsfile`, label: 'Jenkinsfile', icon: 'file-code', file: path.join(status.folder, 'Jenkinsfile') });
  return {
    id,
    label: 'Jenkins',
    description: withoutCredentials(status.ci.jenkinsUrl ?? ''),
    icon: 'server-process',
    ref,
    expanded: true,
    children,
  };
}

function jenkinsJobNode(folder: string, job: JenkinsJobRow, builds: ReadonlyMap<string, CiRun[]>): ViewNode {
  const id = `${folder}/ci/jenkins/job/${job.fullName}`;
  if (job.kind === 'folder') {
    return {
      id,
      label: job.name,
      icon: 'folder',
      expanded: false,
      children: (job.children ?? []).map((c) => jenkinsJobNode(folder, c, builds)),
    };
  }
  return {
    id,
    label: job.name,
    description: job.state,
    tooltip: `${job.fullName}\n${job.url}`,
    icon: STATE_ICONS[job.state],
    contextValue: 'ci.job.jenkins',
    ref: { kind: 'jenkins-job', folder, job: job.fullName },
    expanded: false,
    children: (builds.get(job.fullName) ?? []).map((build) => ({
      id: `${id}/build/${build.number}`,
      label: `#${build.number}`,
      description: [build.state, build.commit?.slice(0, 7), build.durationMs !== undefined ? formatDuration(build.durationMs) : undefined]
        .filter(Boolean)
        .join(' · '),
      tooltip: `${build.rawStatus}\n${build.url}`,
      icon: STATE_ICONS[build.state],
      contextValue: `ci.build.jenkins.${build.state === 'running' ? 'active' : 'done'}`,
      ref: { kind: 'jenkins-build', folder, job: job.fullName, build: build.number },
      command: { command: 'conveyor.ci.followJenkinsLog', title: 'Show Console', arguments: [folder, job.fullName, build.number] },
    })),
  };
}
