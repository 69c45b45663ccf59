// Moves work items to one status through their board's own moves, item by item: a failure is that item's,
// reported with it, and the others still move.
import { messageOf } from '../../core/errors';
import type { BoardProvider, WorkItem } from '../../plan/workItem';
import { isAt, matchStatus } from '../../plan/statusMatch';

export interface ItemMove {
  key: string;
  result: 'moved' | 'there' | 'failed';
  /** Why it failed, in words the user can act on. */
  problem?: string;
}

export async function moveItemsTo(provider: BoardProvider, items: readonly WorkItem[], status: string): Promise<ItemMove[]> {
  const moves: ItemMove[] = [];
  for (const item of items) {
    if (isAt(item, status)) {
      moves.push({ key: item.key, result: 'there' });
      continue;
    }
    try {
      if (!provider.transitions || !provider.move) throw new Error(`this board cannot move ${item.key}`);
      const match = matchStatus(status, item, await provider.transitions(item));
      if (match.kind === 'unknown') {
        moves.push({
          key: item.key,
          result: 'failed',
          problem: `no status "${status}" for ${item.key}; it can be: ${match.available.join(', ')}`,
        });
        continue;
      }
      if (match.kind === 'move') await provider.move(item, match.transition);
      moves.push({ key: item.key, result: match.kind === 'move' ? 'moved' : 'there' });
    } catch (error) {
      moves.push({ key: item.key, result: 'failed', problem: messageOf(error) });
    }
  }
  return moves;
}

/** `SHOP-1, SHOP-2 → Done; SHOP-3 already there; SHOP-4: <why>`, for the belt's station and the CLI. */
export function movesSummary(moves: readonly ItemMove[], status: string): string {
  const keys = (result: ItemMove['result']) => moves.filter((m) => m.result === result).map((m) => m.key);
  const moved = keys('moved');
  const there = keys('there');
  return [
    moved.length > 0 ? `${moved.join(', ')} → ${status}` : undefined,
    there.length > 0 ? `${there.join(', ')} already ${status}` : undefined,
    ...moves.filter((m) => m.result === 'failed').map((m) => `${m.key}: ${m.problem}`),
  ]
    .filter(Boolean)
    .join('; ');
}
