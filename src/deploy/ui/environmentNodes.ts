import * as path from 'node:path';
import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../folderStatus';

/** Environments with their cluster target and the manifests they apply. */
export function environmentNodes(status: FolderStatus): ViewNode[] {
  const { environments, manifests } = status.deploy;
  return environments.map((env) => {
    const folder = env.manifests ?? env.kustomize;
    const objects = manifests.filter((m) => folder && m.file.startsWith(`${folder}/`));
    const target = [env.context ?? 'current context', env.namespace ?? 'default namespace'].join(' / ');
    return {
      id: `${status.folder}/env/${env.name}`,
      label: env.name,
      description: `${target}${env.confirm ? ' · asks before deploying' : ''}`,
      tooltip: `${env.name}: ${target}\nManifests: ${folder ?? 'none'}${env.source === 'detected' ? '\nDetected from the manifest folder' : ''}`,
      icon: env.confirm ? 'lock' : 'cloud',
      expanded: true,
      children: objects.map((m) => ({
        id: `${status.folder}/env/${env.name}/${m.file}/${m.kind}/${m.name}`,
        label: `${m.kind}/${m.name}`,
        description: m.file,
        icon: 'symbol-file',
        file: path.join(status.folder, m.file),
      })),
    };
  });
}
