// Human-readable and JSON forms of a FolderStatus, used by `conveyor status` and "Show Workspace Status".
import * as path from 'node:path';
import { formatProblem } from '../core/config/configProblem';
import type { FolderStatus } from './folderStatus';

export function folderStatusText(status: FolderStatus): string {
  const lines: string[] = [];
  const out = (text = '') => lines.push(text);
  const { git, config, board, pipeline, image, deploy, ci, monitor } = status;

  out(`Conveyor — ${status.name} (${status.folder})`);
  out(
    git.isRepository
      ? `git: ${git.branch ? `branch ${git.branch}` : 'detached HEAD'}${git.head ? ` at ${git.head.slice(0, 7)}` : ', no commits yet'}`
      : 'git: not a git repository (runs and releases will not be tied to commits)',
  );
  if (!config.found) out('config: no conveyor.yml, using detection and defaults');
  else if (config.problems.length === 0) out('config: conveyor.yml is valid');
  else {
    out(`config: conveyor.yml has ${config.problems.length} problem(s); defaults are used for those parts`);
    for (const problem of config.problems) out(`  ${formatProblem(path.relative(status.folder, config.file), problem)}`);
  }

  out();
  out(
    `Plan: ${board.provider} board${board.provider === 'local' ? ` (${board.file}${board.exists ? `, ${board.items.length} items` : ', not created yet'})` : ''}`,
  );
  if (board.error) out(`  ${board.file}:${board.error.line}: ${board.error.message}`);

  out(
    `Build & Test: ${pipeline.stages.length} stage(s) ${pipeline.source === 'conveyor.yml' ? 'from conveyor.yml' : pipeline.source === 'detected' ? 'detected' : '— none found'}${pipeline.security ? ', plus the built-in security stage' : ''}`,
  );
  for (const stage of pipeline.stages)
    out(`  ${stage.name.padEnd(16)} ${stage.run}${stage.source === 'conveyor.yml' ? '' : `   (${stage.source})`}`);

  out(
    `CI: ${ci.githubWorkflows.length ? `GitHub Actions (${ci.githubWorkflows.join(', ')})` : 'no GitHub workflows'}${ci.githubRepository ? ` on ${ci.githubRepository.owner}/${ci.githubRepository.repo}` : ''}; ${ci.jenkinsUrl ? `Jenkins at ${ci.jenkinsUrl}` : ci.jenkinsfile ? 'Jenkinsfile present' : 'no Jenkins'}`,
  );

  out(
    `Release: ${image ? `image ${image.registry}/${image.name} from ${image.dockerfile} (${image.source})` : 'no Dockerfile or image configured'}`,
  );
  if (status.package) out(`  npm package ${status.package.name} to ${status.package.registry} (${status.package.registrySource})`);

  out(
    `Deploy: ${deploy.environments.length ? deploy.environments.map((e) => `${e.name}${e.namespace ? ` (${e.namespace})` : ''}${e.confirm ? ' [confirm]' : ''}`).join(', ') : 'no environments'}`,
  );
  for (const m of deploy.manifests) out(`  ${m.kind}/${m.name}   ${m.file}`);

  const errors = monitor.sentry
    ? `Sentry ${monitor.sentry.org ?? ''}${monitor.sentry.project ? '/' + monitor.sentry.project : ''} at ${monitor.sentry.url ?? 'https://sentry.io'}`
    : `local receiver on 127.0.0.1:${monitor.receiverPort}`;
  out(`Monitor: errors from ${errors}${monitor.sentrySdks.length ? ` (app uses ${monitor.sentrySdks.join(', ')})` : ''}`);
  out(`  ${monitor.uptimeChecks.length} uptime check(s)${monitor.uptimeChecks.map((c) => `\n    ${c.name}: ${c.url}`).join('')}`);
  out(
    `  ${monitor.goals.length} goal(s)${monitor.goals.map((g) => `\n    ${g.name}: ${g.source}${g.target !== undefined ? `, target ${g.target}` : ''}`).join('')}`,
  );
  return lines.join('\n') + '\n';
}

/** The stable, documented JSON form (`conveyor status --json`). */
export function folderStatusJson(status: FolderStatus): object {
  return {
    folder: status.folder,
    git: status.git,
    config: { file: status.config.file, found: status.config.found, problems: status.config.problems },
    board: status.board,
    pipeline: status.pipeline,
    image: status.image ?? null,
    package: status.package ?? null,
    deploy: status.deploy,
    ci: status.ci,
    monitor: status.monitor,
  };
}
