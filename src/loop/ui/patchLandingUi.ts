import * as vscode from 'vscode';
import type { FolderStatus } from '../folderStatus';
import type { PipelineService } from '../../pipeline/ui/pipelineService';
import { deliveryPlan } from '../belt/deliveryPlan';
import type { LandedPatch } from '../patchLanding';
import type { BeltService } from './beltService';

/** What takes a landed patch on: the belt where one is configured, else the pipeline. */
export interface PatchFollowUp {
  belt: BeltService;
  pipeline: PipelineService;
  log: vscode.LogOutputChannel;
}

/**
 * After a patch landed on its branch: says what changed (the whole summary in the log, its first line in the
 * notification) and sends the change on like any other: down the belt when the folder has somewhere to ship
 * to, else through the pipeline.
 */
export async function afterPatchLanded(
  status: FolderStatus,
  landed: LandedPatch<unknown>,
  summary: string,
  followUp: PatchFollowUp,
): Promise<void> {
  const where = `on branch ${landed.branch} (${landed.commit.slice(0, 7)}, from ${landed.previousBranch})`;
  followUp.log.info(`Patch ${where}:\n${summary}`);
  const ships = shipsAfterPatch(status);
  const headline = summary.split('\n')[0];
  void vscode.window
    .showInformationMessage(`${headline} — ${where}. ${ships ? 'Shipping it down the belt.' : 'Running the pipeline.'}`, 'Show Details')
    .then((choice) => choice && followUp.log.show(true));
  if (ships) await followUp.belt.ship(status);
  else await followUp.pipeline.runFolder(status.folder, 'all');
}

/** The same test as the Ship button: an image to release and a valid delivery route. */
function shipsAfterPatch(status: FolderStatus): boolean {
  if (!status.image) return false;
  const plan = deliveryPlan(status.config.config, status.deploy.environments);
  return plan.problems.length === 0 && plan.steps.length > 0;
}
