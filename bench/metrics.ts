// bench/metrics: the delivery metrics over 1,000 deployments (500 belt runs to staging and production over 60
// days, every seventh rolled back in production, carrying 100 releases of 1,000 commits) against only reading
// the same records (readLoopRecords), alternating, in a real repository built once. Also the computation alone,
// from records already read, to show what the join costs next to the reading.
import { readLoopRecords } from '../src/loop/loopRecords';
import { readDeliveryMetrics } from '../src/loop/metrics/readDeliveryMetrics';
import { messageOf } from '../src/core/errors';
import { loopRepository, median, timed, timesText } from './loopRepository';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

async function main(): Promise<void> {
  const built = performance.now();
  const ws = await loopRepository({
    commits: 1000,
    releases: 100,
    ships: 500,
    environments: [{ name: 'staging' }, { name: 'production' }],
    item: 'SHOP-1',
  });
  console.log(`metrics: built the repository in ${((performance.now() - built) / 1000).toFixed(1)} s`);
  try {
    const metrics: number[] = [];
    const read: number[] = [];
    const computed: number[] = [];
    let shown = '';
    for (let i = 0; i < RUNS; i++) {
      const records = await timed(read, () => readLoopRecords(ws.dir));
      await timed(metrics, () => readDeliveryMetrics(ws.dir));
      const report = await timed(computed, () => readDeliveryMetrics(ws.dir, { records }));
      shown = report.environments.map((e) => `${e.environment} ${e.current.deployments + e.previous.deployments}`).join(', ');
    }
    console.log(`delivery metrics over 1,000 deployments (${shown}), median of ${RUNS}`);
    console.log(`  readDeliveryMetrics(folder)     : ${timesText(metrics)}`);
    console.log(`  readLoopRecords(folder) only    : ${timesText(read)}`);
    console.log(`  ratio                           : ${(median(metrics) / median(read)).toFixed(2)}`);
    console.log(`  the computation alone (records read): ${median(computed).toFixed(1)} ms`);
  } finally {
    ws.remove();
  }
}

main().catch((error: unknown) => {
  console.error(`bench/metrics: ${messageOf(error)}`);
  process.exit(1);
});
