// The belt's board station: after a release, and after the release is verified in production, the work items
// its commits name move to the status conveyor.yml asks for (board.onRelease, board.onProduction).
import type { BoardProvider } from '../../plan/workItem';
import { deliveryPlan, productionOf } from '../belt/deliveryPlan';
import type { ItemsFollowStation } from '../belt/runBelt';
import type { FolderStatus } from '../folderStatus';
import { readLoopRecords } from '../loopRecords';
import { keysBrought, releasesArriving, type DeliveryRecords } from './itemDelivery';
import { moveItemsTo, movesSummary } from './moveItems';

export interface ItemsFollowOptions {
  status: FolderStatus;
  /** The folder's board; rejects with what the user can do when it cannot be reached (no credentials). */
  provider: () => Promise<BoardProvider>;
  /** Default: the folder's records, read when items move so that the new release's tag is in them. */
  records?: () => Promise<DeliveryRecords>;
}

/** Undefined when conveyor.yml asks for no move: the belt then has no board station. */
export function itemsFollow(options: ItemsFollowOptions): ItemsFollowStation | undefined {
  const { status: folder } = options;
  const { onRelease, onProduction } = folder.config.config.board ?? {};
  if (!onRelease && !onProduction) return undefined;
  const production = productionOf(deliveryPlan(folder.config.config, folder.deploy.environments));
  const statusAt = (environment: string | undefined) =>
    environment === undefined ? onRelease : environment === production ? onProduction : undefined;
  const records = options.records ?? (() => readLoopRecords(folder.folder));
  return {
    movesAt: (environment) => statusAt(environment) !== undefined,
    async move(release, environment) {
      const status = statusAt(environment);
      if (!status) return { ok: true, summary: 'nothing to move here' };
      const [provider, delivered] = await Promise.all([options.provider(), records()]);
      const releases = releasesArriving(delivered, release.version, environment);
      const items = await provider.list();
      const brought = new Set(
        keysBrought(
          releases,
          items.map((i) => i.key),
        ),
      );
      const moves = await moveItemsTo(
        provider,
        items.filter((i) => brought.has(i.key)),
        status,
      );
      if (moves.length === 0)
        return {
          ok: true,
          summary: `no work item of the board is named in the commits of ${releases.map((r) => r.tag).join(', ') || release.version}`,
        };
      return { ok: moves.every((m) => m.result !== 'failed'), summary: movesSummary(moves, status) };
    },
  };
}
