import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { auditedPackage } from '../security/dependencyAudit';
import type { DependencyFix, PatchPlan } from '../security/dependencyPatch';
import { pipelineEngine } from './pipelineEngineLoader';

/** The source the security stage gives its dependency findings (src/pipeline/security/dependencyAudit.ts). */
const AUDIT_SOURCE = 'npm audit';

/**
 * Quick fixes on package.json for the security stage's npm audit findings: "Update minimist to 1.2.8", each
 * pointing at conveyor.security.applyFix (src/loop/ui/securityPatchCommands.ts), which lands it on a branch.
 */
export function registerDependencyFixActions(log: vscode.LogOutputChannel): vscode.Disposable {
  const plans = new PlanCache();
  return vscode.languages.registerCodeActionsProvider(
    { scheme: 'file', pattern: '**/package.json' },
    {
      async provideCodeActions(document, _range, context) {
        const findings = context.diagnostics.filter((d) => d.source === AUDIT_SOURCE);
        // Planning runs npm (audit, view), which reads the workspace's .npmrc: not in Restricted Mode.
        if (findings.length === 0 || !vscode.workspace.isTrusted) return [];
        const folder = path.dirname(document.uri.fsPath);
        let plan: PatchPlan;
        try {
          plan = await plans.of(folder);
        } catch (error) {
          log.warn(`No npm audit quick fixes for ${folder}: ${error instanceof Error ? error.message : String(error)}`);
          return [];
        }
        // A transitive finding sits on its direct dependency's line, next to that one's own: one action per fix.
        const addressed = new Map<DependencyFix, vscode.Diagnostic[]>();
        for (const finding of findings) {
          const name = auditedPackage(finding.message);
          for (const fix of plan.fixes.filter((f) => f.vulnerable === name || f.action.name === name)) {
            addressed.set(fix, [...(addressed.get(fix) ?? []), finding]);
          }
        }
        return [...addressed].map(([fix, diagnostics]) => {
          const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          action.diagnostics = diagnostics;
          action.command = { command: 'conveyor.security.applyFix', title: fix.title, arguments: [folder, fix.vulnerable] };
          return action;
        });
      },
    },
    { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
  );
}

/** One plan per folder and lockfile state: planning runs npm audit and npm view, too slow for every cursor move. */
class PlanCache {
  private readonly plans = new Map<string, { stamp: string; plan: Promise<PatchPlan> }>();

  async of(folder: string): Promise<PatchPlan> {
    const lock = await fs.stat(path.join(folder, 'package-lock.json')).catch(() => undefined);
    const stamp = lock ? `${lock.mtimeMs}:${lock.size}` : 'none';
    const cached = this.plans.get(folder);
    if (cached?.stamp === stamp) return cached.plan;
    const plan = pipelineEngine().planDependencyFixes(folder);
    this.plans.set(folder, { stamp, plan });
    // A failed plan (registry down) is asked again next time rather than remembered.
    plan.catch(() => this.plans.get(folder)?.plan === plan && this.plans.delete(folder));
    return plan;
  }
}
