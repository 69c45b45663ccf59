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
 * notification) and sends the change on like any other. Where the folder has somewhere to ship to, the user
 * chooses between the belt and the pipeline alone: shipping releases (tags, pushes, publishes) and deploys,
 * which a quick fix must not start unasked.
 */
export async function afterPatchLanded(
  status: FolderStatus,
  landed: LandedPatch<unknown>,
  summary: string,
  followUp: PatchFollowUp,
): Promise<void> {
  const where = `on branch ${landed.branch} (${landed.commit.slice(0, 7)}, from ${landed.previousBranch})`;
  followUp.log.info(`Patch ${where}:\n${summary}`);
  const headline = summary.split('\n')[0].replace(/\.$/, '');
  const route = shippingRoute(status);
  if (route) {
    const choice = await vscode.window.showInformationMessage(
      `${headline} — ${where}. Ship it down the belt?`,
      { modal: true, detail: `Ship runs the pipeline, releases and deploys: ${route}. The pipeline alone only tests the patch.` },
      SHIP,
      PIPELINE_ONLY,
    );
    if (choice === SHIP) return void (await followUp.belt.ship(status));
    if (choice !== PIPELINE_ONLY) return;
  } else {
    void vscode.window
      .showInformationMessage(`${headline} — ${where}. Running the pipeline.`, 'Show Details')
      .then((choice) => choice && followUp.log.show(true));
  }
  await followUp.pipeline.runFolder(status.folder, 'all');
}

const SHIP = 'Ship';
const PIPELINE_ONLY = 'Run Pipeline Only';

/** `pipeline → release → staging → production` where the Ship button would ship (an image and a valid route), else undefined. */
function shippingRoute(status: FolderStatus): string | undefined {
  if (!status.image) return undefined;
  const plan = deliveryPlan(status.config.config, status.deploy.environments);
  if (plan.problems.length > 0 || plan.steps.length === 0) return undefined;
  return ['pipeline', 'release', ...plan.steps.map((step) => step.environment.name)].join(' → ');
}
