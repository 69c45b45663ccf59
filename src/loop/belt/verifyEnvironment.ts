// Verification of one environment after its rollout: for the bake time, its uptime checks must answer and
// no more than the tolerated number of new error issues may appear in the release. The first failure ends
// the bake with what failed and its last answer, or the issue with its top in-app frame.
import type { UptimeCheckConfig } from '../../core/config/conveyorConfig';
import type { ReleaseToDeploy } from '../../deploy/renderManifests';
import type { ErrorIssue } from '../../monitor/errors/errorModel';
import type { ProbeResult } from '../../monitor/uptime/probe';
import type { VerifyFailure, VerifyVerdict } from './beltRun';
import type { VerifyPolicy } from './deliveryPlan';

export interface VerifySources {
  probe(check: UptimeCheckConfig, signal: AbortSignal): Promise<ProbeResult>;
  /** The error issues known now (local receiver or hosted Sentry); undefined when no error source is available. */
  issues?: () => Promise<ErrorIssue[]>;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
}

export async function verifyEnvironment(
  policy: VerifyPolicy,
  release: ReleaseToDeploy,
  since: Date,
  sources: VerifySources,
  signal: AbortSignal,
): Promise<VerifyVerdict> {
  const now = sources.now ?? Date.now;
  const sleep = sources.sleep ?? abortableSleep;
  const deadline = now() + policy.bakeMs;
  let probes = 0;
  let newErrors = 0;
  for (;;) {
    for (const check of policy.uptime) {
      const result = await sources.probe(check, signal);
      if (signal.aborted) return stopped(probes, newErrors);
      probes++;
      if (!result.ok) {
        const answer = result.status !== undefined ? `HTTP ${result.status}` : (result.reason ?? 'no answer');
        return verdict(false, probes, newErrors, {
          kind: 'uptime',
          message: `uptime check ${check.name} (${check.url}) is down: ${result.reason ?? answer}`,
          check: {
            name: check.name,
            url: check.url,
            ...(result.status !== undefined ? { status: result.status } : {}),
            ...(result.reason ? { reason: result.reason } : {}),
          },
        });
      }
    }
    if (sources.issues) {
      const fresh = newIssuesIn(await sources.issues(), release.version, since);
      newErrors = fresh.length;
      if (fresh.length > policy.maxNewErrors) {
        const issue = fresh[0];
        const frame = topInAppFrame(issue);
        return verdict(false, probes, newErrors, {
          kind: 'errors',
          message: `${fresh.length} new error issue${fresh.length === 1 ? '' : 's'} in ${release.version} (tolerated: ${policy.maxNewErrors}); first: ${issue.shortId} ${issue.title}${frame ? ` at ${frame.file}:${frame.line}` : ''}`,
          issue: {
            id: issue.id,
            shortId: issue.shortId,
            title: issue.title,
            count: issue.count,
            ...(frame ?? {}),
            ...(issue.url ? { url: issue.url } : {}),
          },
        });
      }
    }
    const left = deadline - now();
    if (left <= 0) break;
    await sleep(Math.min(policy.intervalMs, left), signal).catch(() => undefined);
    if (signal.aborted) return stopped(probes, newErrors);
  }
  const checks =
    policy.uptime.length > 0
      ? `${probes} probe${probes === 1 ? '' : 's'} of ${policy.uptime.map((c) => c.name).join(', ')} up`
      : 'no uptime checks';
  const errors = sources.issues
    ? `${newErrors} new error issue${newErrors === 1 ? '' : 's'} in ${release.version}`
    : 'errors not checked (no error source)';
  return { ok: true, summary: `${checks}, ${errors} over ${Math.round(policy.bakeMs / 1000)} s`, probes, newErrors };
}

/**
 * Error issues (not warnings or messages) first seen in the release (as the SDK names it: `1.5.0`, `v1.5.0`,
 * `app@1.5.0`) since the deploy began, the most frequent first.
 */
export function newIssuesIn(issues: readonly ErrorIssue[], version: string, since: Date): ErrorIssue[] {
  return issues
    .filter(
      (i) =>
        (i.level === 'error' || i.level === 'fatal') && isRelease(i.firstRelease, version) && Date.parse(i.lastSeen) >= since.getTime(),
    )
    .sort((a, b) => b.count - a.count);
}

export function isRelease(reported: string | undefined, version: string): boolean {
  if (!reported) return false;
  const bare = version.replace(/^v/, '');
  const name = reported.includes('@') ? reported.slice(reported.lastIndexOf('@') + 1) : reported;
  return name === bare || name === `v${bare}`;
}

function topInAppFrame(issue: ErrorIssue): { file: string; line: number } | undefined {
  const frames = issue.latestEvent?.frames ?? [];
  const frame =
    [...frames].reverse().find((f) => f.inApp && f.filename && f.lineno) ?? [...frames].reverse().find((f) => f.filename && f.lineno);
  return frame?.filename && frame.lineno ? { file: frame.filename, line: frame.lineno } : undefined;
}

function verdict(ok: boolean, probes: number, newErrors: number, failure: VerifyFailure): VerifyVerdict {
  return { ok, summary: failure.message, probes, newErrors, failure };
}

function stopped(probes: number, newErrors: number): VerifyVerdict {
  return verdict(false, probes, newErrors, { kind: 'stopped', message: 'verification stopped' });
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
