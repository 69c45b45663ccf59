import * as path from 'node:path';
import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../loop/folderStatus';
import type { ReleaseEntry } from '../releaseCatalog';
import type { ReleaseViewState } from './releaseService';

const CHECK_ICONS: Record<ReleaseEntry['check'], string> = {
  verified: 'verified-filled:testing.iconPassed',
  mismatch: 'warning:list.warningForeground',
  missing: 'question:list.warningForeground',
  unchecked: 'tag',
  'no-image': 'tag',
};
const PACKAGE_CHECK_TEXT: Record<ReleaseEntry['packageCheck'], string> = {
  verified: 'package integrity verified',
  mismatch: 'the npm registry holds a different tarball',
  missing: 'version missing from the npm registry',
  unchecked: 'npm registry not checked',
  'no-package': 'no package',
};
const CHECK_TEXT: Record<ReleaseEntry['check'], string> = {
  verified: 'digest verified in the registry',
  mismatch: 'the registry holds a different digest',
  missing: 'image tag missing from the registry',
  unchecked: 'registry not checked',
  'no-image': 'no image',
};

/** The image a release produces, then the releases from the tags with their registry check. */
export function releaseNodes(status: FolderStatus, state: ReleaseViewState = { loading: false }): ViewNode[] {
  const nodes: ViewNode[] = [];
  const { image } = status;
  if (image) {
    nodes.push({
      id: `${status.folder}/release/image`,
      label: `${image.registry}/${image.name}`,
      description: `${image.dockerfile}${image.source === 'detected' ? ' (detected)' : ''}`,
      tooltip: `Image built from ${image.dockerfile} (context ${image.context}) and pushed to ${image.registry}`,
      icon: 'package',
      file: path.join(status.folder, image.context, image.dockerfile),
    });
  }
  if (status.package) {
    const { name, registry, registrySource } = status.package;
    nodes.push({
      id: `${status.folder}/release/package`,
      label: name,
      description: `npm · ${registry}${registrySource === 'default' ? ' (local default)' : ''}`,
      tooltip: `Published to ${registry} (from ${registrySource === 'default' ? 'the local default: start it with npx verdaccio' : registrySource}) with each release`,
      icon: 'package',
      file: path.join(status.folder, 'package.json'),
    });
  }
  if (state.error)
    nodes.push({
      id: `${status.folder}/release/error`,
      label: 'Releases could not be read',
      description: state.error,
      tooltip: state.error,
      icon: 'error',
    });
  if (state.catalog?.npmRegistryError) {
    nodes.push({
      id: `${status.folder}/release/npm-registry-error`,
      label: 'npm registry not checked',
      description: state.catalog.npmRegistryError,
      tooltip: state.catalog.npmRegistryError,
      icon: 'warning',
      command: { command: 'conveyor.release.setNpmToken', title: 'Set npm Registry Token…' },
    });
  }
  if (state.catalog?.registryError) {
    nodes.push({
      id: `${status.folder}/release/registry-error`,
      label: 'Registry not checked',
      description: state.catalog.registryError,
      tooltip: state.catalog.registryError,
      icon: 'warning',
      command: { command: 'conveyor.release.signIn', title: 'Sign in to Registry' },
    });
  }
  for (const release of state.catalog?.releases ?? []) nodes.push(releaseNode(status.folder, release));
  if (state.loading && !state.catalog)
    nodes.push({ id: `${status.folder}/release/loading`, label: 'Reading releases…', icon: 'loading~spin' });
  // Only an image row and nothing else: keep it, the welcome text shows when there is neither.
  return nodes;
}

function releaseNode(folder: string, release: ReleaseEntry): ViewNode {
  const record = release.record;
  const image = record?.image;
  const npmPackage = record?.package;
  const reference = image ? `${image.repository}@${image.digest}` : undefined;
  const description = [
    release.commit.slice(0, 7),
    release.date.slice(0, 10),
    image ? `${image.digest.slice(7, 19)}` : undefined,
    release.error ? 'unreadable record' : image || !npmPackage ? CHECK_TEXT[release.check] : undefined,
    npmPackage ? PACKAGE_CHECK_TEXT[release.packageCheck] : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  const tooltip = [
    `${release.tag} at ${release.commit}`,
    record?.testedCommit && record.testedCommit !== record.commit
      ? `Tested commit ${record.testedCommit} (the release commit only changes version files)`
      : undefined,
    record?.readyRun ? `Pipeline run ${record.readyRun} marked it ready` : undefined,
    record?.gateOverride ? `Released without a ready mark: ${record.gateOverride.reason}` : undefined,
    reference,
    release.registryDigest ? `Registry now has ${release.registryDigest}` : undefined,
    npmPackage
      ? `${npmPackage.name}@${npmPackage.version} (${npmPackage.distTag}) in ${npmPackage.registry}: ${npmPackage.integrity}`
      : undefined,
    release.registryIntegrity ? `The npm registry now has ${release.registryIntegrity}` : undefined,
    release.error,
  ]
    .filter(Boolean)
    .join('\n');
  return {
    id: `${folder}/release/${release.tag}`,
    label: release.tag,
    description,
    tooltip,
    icon: release.error ? 'error' : record?.gateOverride ? 'unverified' : CHECK_ICONS[worstCheck(release)],
    contextValue: reference ? 'release.image' : 'release',
    ref: { kind: 'release', folder, tag: release.tag, ...(image ? { image: { repository: image.repository, digest: image.digest } } : {}) },
  };
}

/** The image's check, unless the package's is worse (or the release has only a package). */
function worstCheck(release: ReleaseEntry): ReleaseEntry['check'] {
  const order: ReleaseEntry['check'][] = ['mismatch', 'missing', 'unchecked', 'verified', 'no-image'];
  const packageCheck = release.packageCheck === 'no-package' ? 'no-image' : release.packageCheck;
  return order.indexOf(packageCheck) < order.indexOf(release.check) ? packageCheck : release.check;
}
