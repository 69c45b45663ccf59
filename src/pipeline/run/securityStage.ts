// The built-in security stage: a secret scan of tracked files, then (where a lockfile exists) a dependency
// audit. Leaked secrets and high or critical vulnerabilities stop the belt; an audit that cannot reach
// its advisory service is reported but does not.
import * as path from 'node:path';
import { runProcess } from '../../core/processRunner';
import type { Problem } from '../problem';
import { auditCommand, auditFails, parseNpmAudit } from '../security/dependencyAudit';
import { MAX_FILE_BYTES, scanSecrets } from '../security/secretScan';
import type { SkippedFile, SkipReason } from '../security/secretScan';
import { readTextIfExists } from '../../core/fsUtil';
import { messageOf } from '../../core/errors';

export interface SecurityOutcome {
  passed: boolean;
  summary: string;
  problems: Problem[];
}

const AUDIT_TIMEOUT_MS = 120_000;
const MAX_AUDIT_OUTPUT = 32 * 1024 * 1024;

export async function runSecurityStage(
  folder: string,
  options: { signal?: AbortSignal; line: (text: string) => void },
): Promise<SecurityOutcome> {
  const { line, signal } = options;
  const problems: Problem[] = [];
  const verdicts: string[] = [];
  let passed = true;

  line('Secret scan: tracked files');
  try {
    const scan = await scanSecrets(folder, { signal });
    for (const p of scan.problems) line(`${path.relative(folder, p.file)}:${p.line}:${p.column}: error: ${p.message}`);
    line(
      `Secret scan: ${scan.filesScanned} files, ${scan.problems.length} possible secrets${scan.ignored ? `, ${scan.ignored} ignored` : ''}`,
    );
    if (scan.skipped.length > 0) line(`Secret scan: ${skippedSummary(scan.skipped)}`);
    problems.push(...scan.problems);
    if (scan.problems.length > 0) {
      passed = false;
      verdicts.push(`${scan.problems.length} possible secret${scan.problems.length === 1 ? '' : 's'}`);
    }
  } catch (error) {
    if (signal?.aborted) return { passed: false, summary: 'stopped', problems };
    passed = false;
    verdicts.push(`secret scan failed: ${messageOf(error)}`);
    line(`Secret scan failed: ${messageOf(error)}`);
  }

  const audit = await auditCommand(folder);
  if (!audit) {
    line('Dependency audit: no npm lockfile (package-lock.json), skipped');
  } else if (!signal?.aborted) {
    line(`Dependency audit: ${[audit.command, ...audit.args].join(' ')}`);
    const chunks: Buffer[] = [];
    let size = 0;
    const result = await runProcess(
      { command: audit.command, args: audit.args, cwd: folder, env: { npm_config_fund: 'false', npm_config_update_notifier: 'false' } },
      {
        timeoutMs: AUDIT_TIMEOUT_MS,
        signal,
        onOutput: (chunk, stream) => {
          if (stream === 'stdout' && size < MAX_AUDIT_OUTPUT) chunks.push(chunk);
          size += chunk.length;
        },
      },
    );
    const packageJsonFile = path.join(folder, 'package.json');
    const parsed = result.timedOut
      ? { problems: [], counts: undefined, error: `npm audit did not answer within ${AUDIT_TIMEOUT_MS / 1000} s` }
      : result.spawnError
        ? { problems: [], counts: undefined, error: `npm audit could not start: ${result.spawnError}` }
        : parseNpmAudit(Buffer.concat(chunks).toString('utf8'), (await readTextIfExists(packageJsonFile)) ?? '{}', packageJsonFile);
    if (parsed.error) {
      line(`Dependency audit: warning: ${parsed.error}`);
      verdicts.push('audit unavailable');
    } else if (parsed.counts) {
      const c = parsed.counts;
      for (const p of parsed.problems)
        line(`package.json:${p.line}:${p.column}: ${p.severity === 'error' ? 'error' : 'warning'}: ${p.message}`);
      line(
        `Dependency audit: ${c.total} vulnerable packages (critical ${c.critical}, high ${c.high}, moderate ${c.moderate}, low ${c.low})`,
      );
      problems.push(...parsed.problems);
      if (auditFails(c, 'high')) {
        passed = false;
        verdicts.push(`${c.critical + c.high} high or critical vulnerabilities`);
      }
    }
  }
  return { passed, summary: verdicts.length ? verdicts.join('; ') : passed ? 'no secrets, no high vulnerabilities' : 'failed', problems };
}

const SKIP_REASONS: Record<SkipReason, string> = {
  binary: 'binary (a NUL in the first 8 KiB, not UTF-8)',
  'too large': `over ${MAX_FILE_BYTES / 1024 / 1024} MiB`,
  'not a file': 'links, submodules or missing from the work tree',
};
const EXAMPLES_PER_REASON = 3;

/** `skipped 3 files: 2 binary (…): logo.png, font.woff; 1 over 100 MiB: dump.sql`. */
export function skippedSummary(skipped: readonly SkippedFile[]): string {
  const byReason = new Map<SkipReason, string[]>();
  for (const { file, reason } of skipped) {
    const files = byReason.get(reason) ?? [];
    files.push(file);
    byReason.set(reason, files);
  }
  const parts = [...byReason].map(([reason, files]) => {
    const more = files.length > EXAMPLES_PER_REASON ? `, and ${files.length - EXAMPLES_PER_REASON} more` : '';
    return `${files.length} ${SKIP_REASONS[reason]}: ${files.slice(0, EXAMPLES_PER_REASON).join(', ')}${more}`;
  });
  return `skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'}: ${parts.join('; ')}`;
}
