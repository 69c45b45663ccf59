// bench/monitor: the monitor's three costs, each against a baseline measured in the same run —
// ingesting 10,000 real-SDK envelopes through the local receiver (vs a bare node:http server that only reads
// the body), computing the marks of a file with 500 error lines (vs reading its lines), and the CPU of the
// uptime scheduler running 100 checks (vs the same number of bare fetch calls); and the memory and file of
// 500 issues of the largest events the receiver keeps (vs 500 of the recorded SDK event).
import { benchErrorStoreBounds } from './errorStoreBounds';
import { benchDecorations, benchIngest } from './monitorIngest';
import { benchProbeScheduler } from './monitorProbes';

async function main(): Promise<void> {
  await benchIngest();
  await benchDecorations();
  await benchProbeScheduler();
  benchErrorStoreBounds();
}

void main();
