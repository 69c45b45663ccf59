import * as path from 'node:path';
import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../folderStatus';

/** The image a release of this folder produces, and where it is pushed. */
export function releaseNodes(status: FolderStatus): ViewNode[] {
  const { image } = status;
  if (!image) return [];
  return [{
    id: `${status.folder}/release/image`,
    label: `${image.registry}/${image.name}`,
    description: `${image.dockerfile}${image.source === 'detected' ? ' (detected)' : ''}`,
    tooltip: `Image built from ${image.dockerfile} (context ${image.context}) and pushed to ${image.registry}`,
    icon: 'package',
    file: path.join(status.folder, image.context, image.dockerfile),
  }];
}
