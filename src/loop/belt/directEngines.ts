// The stage engines imported directly, for the CLI (and tests): the extension loads the same functions from
// its lazy engine bundles instead.
import { deployRelease, rollBack } from '../../deploy/deployFlow';
import type { FolderStatus } from '../folderStatus';
import { probe } from '../../monitor/uptime/probe';
import { pipelineStateDir, RunHistory } from '../../pipeline/run/runHistory';
import { runPipeline } from '../../pipeline/run/runPipeline';
import { executeRelease } from '../../release/releaseFlow';
import { gateProblem, planRelease } from '../../release/releasePlan';
import type { BeltEngines } from './engineStations';

export function directEngines(status: FolderStatus): BeltEngines {
  return {
    runPipeline: (signal) =>
      runPipeline({
        folder: status.folder,
        definition: status.pipeline,
        history: new RunHistory(pipelineStateDir(status.folder, status.git)),
        trigger: 'cli',
        signal,
      }),
    planRelease,
    gateProblem,
    executeRelease,
    deployRelease,
    rollBack,
    probe,
  };
}
