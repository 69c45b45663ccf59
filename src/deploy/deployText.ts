// How a deploy plan and its result read as text: the CLI prints them, the extension logs them.
import type { DeployResult } from './deployFlow';
import type { DeployPlan } from './deployPlan';
import { describeRef } from './kubeObject';

export function describePlan(plan: DeployPlan): string {
  const width = Math.max(...plan.objects.map((o) => describeRef(o.ref).length), 10);
  const lines = plan.objects.map(
    (o) =>
      `  ${o.action.padEnd(9)} ${describeRef(o.ref).padEnd(width)}  ${o.changes.length > 0 ? o.changes.join(', ') : `${o.file}:${o.line}`}`,
  );
  return [`Plan for ${plan.environment} (context ${plan.context}, namespace ${plan.namespace}):`, ...lines, ''].join('\n');
}

export function describeResult(result: DeployResult): string {
  if (!result.confirmed) return `Nothing deployed to ${result.environment}.\n`;
  const lines: string[] = [];
  for (const rollout of result.rollouts) {
    const seconds = (rollout.durationMs / 1000).toFixed(1);
    lines.push(
      rollout.status === 'complete'
        ? `✓ ${rollout.deployment} rolled out in ${seconds} s${rollout.revision ? ` (revision ${rollout.revision})` : ''}`
        : `✗ ${rollout.deployment}: ${rollout.message} (after ${seconds} s)`,
    );
    for (const p of rollout.problems)
      lines.push(`    pod ${p.pod}${p.container ? ` (${p.container})` : ''}: ${p.reason}${p.message ? ` — ${p.message}` : ''}`);
  }
  if (result.notFollowed.length > 0) lines.push(`applied, not followed: ${result.notFollowed.map((n) => n.object).join(', ')}`);
  for (const r of result.rolledBack ?? []) {
    if (r.error) lines.push(`✗ could not roll back ${r.deployment}: ${r.error}`);
    else if (r.result && r.rollout)
      lines.push(
        `${r.rollout.status === 'complete' ? '↩' : '✗'} ${r.deployment} rolled back to revision ${r.result.toRevision}${r.result.release ? ` (${r.result.release})` : ''}: ${r.rollout.message}`,
      );
  }
  if (result.ok) lines.push(`Deployed ${result.release.version} to ${result.environment} in ${(result.durationMs / 1000).toFixed(1)} s.`);
  else {
    lines.push(`Deploy of ${result.release.version} to ${result.environment} failed: ${result.failure?.message ?? 'rollout failed'}.`);
    if (!result.rolledBack) lines.push(`Roll back with \`kubectl rollout undo\` or the Environments view's Roll Back.`);
  }
  return `${lines.join('\n')}\n`;
}
