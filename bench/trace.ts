// bench/trace: the trace of a work item named by 1,000 commits, over 100 releases (annotated tags with their
// records), 30 pipeline runs and 100 belt runs to two environments, against only reading the same records
// (readLoopRecords: the tags, a `git log` per release, the run history, the belt's records), alternating,
// in a real repository built once.
import { readLoopRecords } from '../src/loop/loopRecords';
import { traceFrom } from '../src/loop/trace/traceFrom';
import { messageOf } from '../src/core/errors';
import { loopRepository, median, timed, timesText } from './loopRepository';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const ITEM = 'SHOP-1';

async function main(): Promise<void> {
  const built = performance.now();
  const ws = await loopRepository({
    commits: 1000,
    releases: 100,
    ships: 100,
    environments: [{ name: 'staging' }, { name: 'production' }],
    item: ITEM,
  });
  console.log(`trace: built the repository in ${((performance.now() - built) / 1000).toFixed(1)} s`);
  try {
    const trace: number[] = [];
    const read: number[] = [];
    let shown = '';
    for (let i = 0; i < RUNS; i++) {
      const records = await timed(read, () => readLoopRecords(ws.dir));
      const result = await timed(trace, () => traceFrom(ws.dir, { item: ITEM }));
      shown = `${records.releases.length} releases, ${records.releases.reduce((n, r) => n + r.commits.length, 0)} commits read; the trace shows ${result.commits.length} commits, ${result.releases.length} releases, ${result.runs.length} runs, ${result.environments.length} deployments`;
    }
    console.log(`trace of ${ITEM} (1,000 commits name it, 100 releases), median of ${RUNS}: ${shown}`);
    console.log(`  traceFrom(folder, {item})   : ${timesText(trace)}`);
    console.log(`  readLoopRecords(folder) only: ${timesText(read)}`);
    console.log(`  ratio                       : ${(median(trace) / median(read)).toFixed(2)}`);
  } finally {
    ws.remove();
  }
}

main().catch((error: unknown) => {
  console.error(`bench/trace: ${messageOf(error)}`);
  process.exit(1);
});
