// Runs `npm ci` when node_modules is missing or was installed from another package-lock.json, so that
// `npm test` and `npm run demo` work on a fresh clone. Plain Node, no dependencies.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const lockHash = createHash('sha256').update(readFileSync('package-lock.json')).digest('hex');
const marker = 'node_modules/.conveyor-lock-hash';
if (existsSync(marker) && readFileSync(marker, 'utf8') === lockHash) process.exit(0);
console.log('[deps] installing npm dependencies (npm ci)');
execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
writeFileSync(marker, lockHash);
