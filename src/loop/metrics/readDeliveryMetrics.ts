// `conveyor metrics`: the delivery metrics of a folder from its local records (the belt's deployments, the
// release tags and their commits).
import { readLoopRecords, type LoopRecords } from '../loopRecords';
import { deliveryMetrics, type EnvironmentMetrics, type ReleaseFirstCommit } from './deliveryMetrics';
import { deploymentsFrom } from './deployments';

export interface DeliveryMetricsReport {
  folder: string;
  now: string;
  periodDays: number;
  environments: EnvironmentMetrics[];
  /** Records that are missing and what that leaves out. */
  gaps: string[];
}

export async function readDeliveryMetrics(
  folder: string,
  options: { now?: Date; periodDays?: number; records?: LoopRecords } = {},
): Promise<DeliveryMetricsReport> {
  const records = options.records ?? (await readLoopRecords(folder));
  const now = options.now ?? new Date();
  const periodDays = options.periodDays ?? 30;
  return {
    folder,
    now: now.toISOString(),
    periodDays,
    environments: deliveryMetrics(deploymentsFrom(records.belt), firstCommits(records), { now, periodDays }),
    gaps: records.gaps.filter((g) => g.records === 'belt' || g.records === 'tags' || g.records === 'git').map((g) => g.message),
  };
}

function firstCommits(records: LoopRecords): ReleaseFirstCommit[] {
  return records.releases.map((r) => {
    const oldest = r.commits.map((c) => c.authoredAt).sort()[0];
    return oldest ? { version: r.version, firstCommitAt: oldest } : { version: r.version };
  });
}
