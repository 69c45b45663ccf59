import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../folderStatus';

/** A hosted Sentry project, when one is configured (the local receiver needs no row to exist). */
export function errorNodes(status: FolderStatus): ViewNode[] {
  const { sentry } = status.monitor;
  if (!sentry) return [];
  return [{
    id: `${status.folder}/errors/sentry`,
    label: `Sentry ${[sentry.org, sentry.project].filter(Boolean).join('/')}`,
    description: sentry.url ?? 'https://sentry.io',
    icon: 'bug',
    file: status.config.file,
  }];
}

export function uptimeNodes(status: FolderStatus): ViewNode[] {
  return status.monitor.uptimeChecks.map((check) => ({
    id: `${status.folder}/uptime/${check.name}`,
    label: check.name,
    description: check.url,
    tooltip: `${check.url}\nEvery ${check.interval ?? 60}s, timeout ${check.timeout ?? 10}s, expects ${check.expectStatus ?? '2xx'}${check.keyword ? `, keyword "${check.keyword}"` : ''}\nNot probed yet`,
    icon: 'pulse',
    file: status.config.file,
  }));
}

export function goalNodes(status: FolderStatus): ViewNode[] {
  return status.monitor.goals.map((goal) => ({
    id: `${status.folder}/goals/${goal.name}`,
    label: goal.name,
    description: `${goal.source}${goal.target !== undefined ? ` · target ${goal.direction === 'down' ? '≤' : '≥'} ${goal.target}` : ''}`,
    tooltip: `${goal.name}: measured by ${goal.source}${goal.url ? ` from ${goal.url}` : ''}\nNot measured yet`,
    icon: 'graph-line',
    file: status.config.file,
  }));
}
