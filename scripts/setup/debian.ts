// Debian packages for the project's own tools, installed with the system's apt in one call. Only what is
// missing is installed, so a machine that has everything pays one dpkg-query per package.
import { execFileSync } from 'node:child_process';

const aptEnv = () => ({ ...process.env, DEBIAN_FRONTEND: 'noninteractive' });

export function debianPackageInstalled(name: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes(
      'install ok installed',
    );
  } catch {
    return false;
  }
}

/**
 * apt-get with the system configuration. A fresh machine may have no or stale package lists, and refreshing
 * them costs time, so the lists are updated only when the first try fails.
 */
export function aptGet(args: string[], cwd?: string): void {
  const run = () => execFileSync('apt-get', args, { cwd, stdio: 'inherit', env: aptEnv() });
  try {
    run();
  } catch {
    console.log(`[setup] apt-get ${args[0]} failed; apt-get update and retry`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env: aptEnv() });
    run();
  }
}

/** Installs the named packages that are not installed yet; returns the ones it installed. */
export function installDebianPackages(names: readonly string[]): string[] {
  const missing = [...new Set(names)].filter((name) => !debianPackageInstalled(name));
  if (missing.length === 0) return [];
  console.log(`[setup] apt-get install ${missing.join(' ')}`);
  aptGet(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  const still = missing.filter((name) => !debianPackageInstalled(name));
  if (still.length > 0) throw new Error(`apt-get finished but ${still.join(', ')} is still not installed`);
  return missing;
}
