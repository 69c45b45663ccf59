// bench/activation: require + activate() of the production bundle against an empty extension, each in a
// fresh Node process, same machine, same run; then the same until the work activate() deferred (Conveyor's
// workbench: views, status bars, services) has loaded too. Prints medians in ms and the ratios.
import { execFileSync } from 'node:child_process';
import { buildSync } from 'esbuild';
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

interface Timing {
  activated: number;
  loaded: number;
}

function measure(probe: string, bundle: string, folder: string): Timing {
  const out = execFileSync(process.execPath, [probe, bundle, folder, path.join(ROOT, 'package.json')], { cwd: ROOT, encoding: 'utf8' });
  const [activated, loaded] = out.split(' ').map(Number);
  return { activated, loaded };
}

if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} missing: run npm run package first`);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-'));
try {
  // Plain JavaScript, so require() is Node's own as in the extension host (tsx's loader hooks would time themselves).
  const probe = path.join(scratch, 'activationProbe.cjs');
  buildSync({
    entryPoints: [path.join(__dirname, 'activationProbe.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: probe,
    logLevel: 'warning',
  });
  const empty = path.join(scratch, 'empty-extension.js');
  writeFileSync(empty, 'exports.activate = function () { return {}; };\n');
  const demo = path.join(ROOT, 'demo', 'workspace');
  const conveyor: Timing[] = [];
  const baseline: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push(measure(probe, empty, demo));
    conveyor.push(measure(probe, BUNDLE, demo));
  }
  const report = (title: string, of: (t: Timing) => number) => {
    const c = median(conveyor.map(of));
    const b = median(baseline.map(of));
    console.log(title);
    console.log(`  empty extension : ${b.toFixed(2)} ms`);
    console.log(`  conveyor        : ${c.toFixed(2)} ms`);
    console.log(`  ratio           : ${(c / b).toFixed(1)}x  (conveyor − empty = ${(c - b).toFixed(2)} ms)`);
  };
  report(`activation (require + activate, median of ${RUNS} fresh processes, stub vscode API)`, (t) => t.activated);
  report('until the deferred workbench has loaded too (views, status bars and services registered)', (t) => t.loaded);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
