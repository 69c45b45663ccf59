// bench/activation: require + activate() of the production bundle against an empty extension, each in a
// fresh Node process, same machine, same run. Prints medians in ms and the ratio.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, 'dist', 'extension.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(bundle: string, folder: string): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'activationProbe.ts'), bundle, folder], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return Number(out);
}

if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} missing: run npm run package first`);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-'));
try {
  const empty = path.join(scratch, 'empty-extension.js');
  writeFileSync(empty, 'exports.activate = function () { return {}; };\n');
  const demo = path.join(ROOT, 'demo', 'workspace');
  const conveyor: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push(measure(empty, demo));
    conveyor.push(measure(BUNDLE, demo));
  }
  const c = median(conveyor);
  const b = median(baseline);
  console.log(`activation (require + activate, median of ${RUNS} fresh processes, stub vscode API)`);
  console.log(`  empty extension : ${b.toFixed(2)} ms`);
  console.log(`  conveyor        : ${c.toFixed(2)} ms`);
  console.log(`  ratio           : ${(c / b).toFixed(1)}x  (conveyor − empty = ${(c - b).toFixed(2)} ms)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
