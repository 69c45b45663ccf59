// bench/board: building the Board view's rows for 10,000 work items (grouped, filtered, capped per group)
// against a baseline of the same size measured in the same run: turning each item into a plain row.
import type { FolderStatus } from '../src/loop/folderStatus';
import type { LocalWorkItem } from '../src/plan/localBoard';
import { boardNodes } from '../src/plan/ui/boardNodes';

const COUNT = 10_000;
const statuses = ['todo', 'in-progress', 'in-review', 'done'] as const;
const items: LocalWorkItem[] = Array.from({ length: COUNT }, (_, i) => ({
  key: `CNV-${i + 1}`,
  title: `Work item number ${i + 1} about the checkout`,
  status: statuses[i % 4],
  assignee: i % 3 ? `dev${i % 7}` : undefined,
}));
const status = {
  folder: '/ws',
  name: 'ws',
  board: { provider: 'local', file: '.conveyor/board.yml', exists: true, items },
} as unknown as FolderStatus;

const median = (f: () => void) => {
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[4];
};

const baseline = median(() => void items.map((i) => ({ id: i.key, label: `${i.key} ${i.title}`, description: i.assignee })));
const grouped = median(() => void boardNodes(status, { query: { groupBy: 'status', mine: false } }));
const searched = median(() => void boardNodes(status, { query: { groupBy: 'assignee', mine: false, search: 'checkout 99' } }));
console.log(`board rows for ${COUNT.toLocaleString('en')} items (median of 9)`);
console.log(`  plain rows (baseline)  : ${baseline.toFixed(1)} ms`);
console.log(`  grouped by status      : ${grouped.toFixed(1)} ms  (ratio ${(grouped / baseline).toFixed(1)}; 500 rows per group shown)`);
console.log(`  by assignee + search   : ${searched.toFixed(1)} ms  (ratio ${(searched / baseline).toFixed(1)})`);
