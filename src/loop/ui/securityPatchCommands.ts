import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerConveyorCommand } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { DependencyFix, PatchOutcome, PatchPlan } from '../../pipeline/security/dependencyPatch';
import type { FolderStatus } from '../folderStatus';
import type { LandedPatch } from '../patchLanding';
import { loopEngine } from './loopEngineLoader';
import { afterPatchLanded } from './patchLandingUi';
import type { PatchFollowUp } from './patchLandingUi';

// npm runs the packages' install scripts.
const NEEDS_TRUST = 'Conveyor applies no security patch (npm, git, then the pipeline)';
/** What npm changes, and what must not have unsaved edits under it. */
const NPM_FILES = ['package.json', 'package-lock.json'];

/**
 * The npm audit quick fix (conveyor.security.applyFix, pointed at by the package.json code action) and Patch
 * Vulnerable Dependencies: both plan from a fresh audit, land the patch on a branch, then hand it to the belt
 * or the pipeline.
 */
export function registerSecurityPatchCommands(model: WorkspaceModel, followUp: PatchFollowUp): vscode.Disposable {
  const host = { model, log: followUp.log };
  return vscode.Disposable.from(
    registerConveyorCommand(
      host,
      'conveyor.security.applyFix',
      async ({ status }, _folder: string, vulnerable: string) => {
        if (hasUnsavedNpmFiles(status)) return;
        const plan = await planWithProgress(status);
        const fix = plan.fixes.find((f) => f.vulnerable === vulnerable);
        if (!fix) {
          void vscode.window.showInformationMessage(`npm audit no longer reports a fixable ${vulnerable} in ${status.name}.`);
          return;
        }
        const landed = await landWithProgress(fix.title, () => loopEngine().landDependencyFix(status.folder, plan, fix));
        await handOn(model, status, landed, fix.title, followUp);
      },
      { needsTrust: NEEDS_TRUST, folder: { placeHolder: 'Patch which folder?' }, failure: 'Could not apply the security fix' },
    ),
    registerConveyorCommand(
      host,
      'conveyor.security.patchAll',
      async ({ status }) => {
        if (hasUnsavedNpmFiles(status)) return;
        const plan = await planWithProgress(status);
        const engine = loopEngine();
        const inRange = plan.fixes.filter((fix) => !engine.needsChoice(fix));
        const chosen = await chooseMajorFixes(plan.fixes.filter((fix) => engine.needsChoice(fix)));
        if (!chosen) return;
        if (inRange.length === 0 && chosen.length === 0) {
          const left = plan.audit.vulnerabilities.length;
          void vscode.window.showInformationMessage(
            left === 0
              ? `npm audit finds no vulnerable dependencies in ${status.name}.`
              : `Nothing to patch in ${status.name}: no fix within the declared versions for the ${left} vulnerable package${left === 1 ? '' : 's'}.`,
          );
          return;
        }
        const landed = await landWithProgress('Patching vulnerable dependencies', () =>
          engine.landAllDependencyFixes(status.folder, plan, chosen, new Date()),
        );
        await handOn(model, status, landed, 'Patched vulnerable dependencies', followUp);
      },
      { needsTrust: NEEDS_TRUST, folder: { placeHolder: 'Patch which folder?' }, failure: 'Could not patch the vulnerable dependencies' },
    ),
  );
}

async function planWithProgress(status: FolderStatus): Promise<PatchPlan> {
  return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `npm audit in ${status.name}` }, () =>
    loopEngine().planDependencyFixes(status.folder),
  );
}

async function landWithProgress(title: string, land: () => Promise<LandedPatch<PatchOutcome>>): Promise<LandedPatch<PatchOutcome>> {
  return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, land);
}

/** The major bumps and overrides Patch All leaves out, offered one by one; undefined when the pick is cancelled. */
async function chooseMajorFixes(candidates: DependencyFix[]): Promise<DependencyFix[] | undefined> {
  if (candidates.length === 0) return [];
  const picked = await vscode.window.showQuickPick(
    candidates.map((fix) => ({
      label: fix.title,
      description: `${fix.vulnerable} ${fix.installed}`,
      detail:
        fix.action.kind === 'override' ? 'Forces a version the dependent does not declare' : 'A major version: check its release notes',
      fix,
    })),
    {
      canPickMany: true,
      title: 'Patch Vulnerable Dependencies',
      placeHolder:
        'These need a major bump or an override; the fixes within the declared versions are applied either way. Pick any to apply too.',
    },
  );
  return picked?.map((item) => item.fix);
}

/** npm rewrites the files on disk and the branch switches under them: an unsaved edit would be lost. */
function hasUnsavedNpmFiles(status: FolderStatus): boolean {
  const unsaved = vscode.workspace.textDocuments.filter(
    (document) => document.isDirty && NPM_FILES.some((file) => path.join(status.folder, file) === document.uri.fsPath),
  );
  if (unsaved.length === 0) return false;
  const names = unsaved.map((document) => vscode.workspace.asRelativePath(document.uri, false)).join(', ');
  void vscode.window.showWarningMessage(`Save or revert ${names} first: npm patches the files on disk.`);
  return true;
}

/** The folder's status after the branch switch, then the belt or the pipeline. */
async function handOn(
  model: WorkspaceModel,
  status: FolderStatus,
  landed: LandedPatch<PatchOutcome>,
  headline: string,
  followUp: PatchFollowUp,
): Promise<void> {
  await model.reload(status.folder);
  const summary = `${headline}: ${loopEngine().patchSummary(landed.result)}`;
  await afterPatchLanded(model.statusOf(status.folder) ?? status, landed, summary, followUp);
}
