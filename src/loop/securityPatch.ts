// Security patches land like any change: npm applies them on a branch of their own (fix/security-<pkg> for
// one quick fix, fix/security-<date> for Patch Vulnerable Dependencies), as one `fix(deps)` commit.
import { applyDependencyPatch, patchSummary } from '../pipeline/security/dependencyPatch';
import type { DependencyFix, NpmOptions, PatchOutcome, PatchPlan } from '../pipeline/security/dependencyPatch';
import { landPatch, patchBranchName } from './patchLanding';
import type { LandedPatch } from './patchLanding';

/** What npm may change. */
const NPM_FILES = ['package.json', 'package-lock.json'];

/** One quick fix, on `fix/security-<vulnerable package>`. */
export function landDependencyFix(
  folder: string,
  plan: PatchPlan,
  fix: DependencyFix,
  npm: NpmOptions = {},
): Promise<LandedPatch<PatchOutcome>> {
  return landPatch({
    folder,
    branch: patchBranchName('security', fix.vulnerable),
    files: NPM_FILES,
    apply: () => applyDependencyPatch(folder, { auditFix: false, fixes: [fix] }, plan.audit, npm),
    message: (outcome) =>
      commitMessage(
        fix.title.replace(/^\w/, (c) => c.toLowerCase()),
        outcome,
      ),
  });
}

/** `npm audit fix` (every fix within the declared ranges) plus the chosen major bumps and overrides, on `fix/security-<date>`. */
export function landAllDependencyFixes(
  folder: string,
  plan: PatchPlan,
  chosen: DependencyFix[],
  now: Date,
  npm: NpmOptions = {},
): Promise<LandedPatch<PatchOutcome>> {
  return landPatch({
    folder,
    branch: patchBranchName('security', now),
    files: NPM_FILES,
    // npm audit fix always runs: npm, not the plan, decides what stays within the declared ranges.
    apply: () => applyDependencyPatch(folder, { auditFix: true, fixes: chosen }, plan.audit, npm),
    message: (outcome) => commitMessage('patch vulnerable dependencies', outcome),
  });
}

/** `fix(deps): <subject>`, with what changed in the body. */
function commitMessage(subject: string, outcome: PatchOutcome): string {
  return `fix(deps): ${subject}\n\n${patchSummary(outcome)}\n`;
}
