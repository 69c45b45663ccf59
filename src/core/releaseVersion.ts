// Release names as tags and SDKs spell them: the tag says `v1.5.0`, the belt `1.5.0`, an SDK often `app@1.5.0`.
// The two functions alone: the error store imports this, and the editor loads part of that store at activation.
import compareVersions from 'semver/functions/compare';
import validVersion from 'semver/functions/valid';

/** `v1.4.0`, `1.4.0` and `shop@1.4.0` (the SDK's habit) all name release `1.4.0`. */
export function versionOf(release: string): string {
  return release.replace(/^.*@/, '').replace(/^v(?=\d)/, '');
}

/** Orders two releases by version; undefined when they differ and either is not a version (a commit sha, a name). */
export function compareReleases(a: string, b: string): number | undefined {
  const [left, right] = [versionOf(a), versionOf(b)];
  if (validVersion(left) && validVersion(right)) return compareVersions(left, right);
  return left === right ? 0 : undefined;
}
