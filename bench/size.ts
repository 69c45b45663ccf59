// bench/size: bytes of the production bundles and the .vsix against the 2 MB budget, plus the biggest
// inputs of the bundle (from esbuild's metafile, built in the same run).
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { version } from '../package.json';

const ROOT = path.resolve(__dirname, '..');
const BUDGET = 2 * 1024 * 1024;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const bundle = statSync(path.join(ROOT, 'dist', 'extension.js')).size;
  const vsix = statSync(path.join(ROOT, `conveyor-${version}.vsix`)).size;
  console.log('size');
  console.log(`  dist/extension.js (loaded at activation) : ${kb(bundle)}`);
  // The workbench loads in the task after activation; the other bundles on first use of their stage (see
  // esbuild.mjs), or are the CLI; dist/lib/ holds the libraries several of them share.
  const others = [
    ...readdirSync(path.join(ROOT, 'dist')).filter((f) => f.endsWith('.js') && f !== 'extension.js'),
    ...readdirSync(path.join(ROOT, 'dist', 'lib'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => `lib/${f}`),
  ];
  for (const file of others.sort()) console.log(`  dist/${file.padEnd(34)} : ${kb(statSync(path.join(ROOT, 'dist', file)).size)}`);
  console.log(
    `  .vsix${' '.repeat(36)}: ${kb(vsix)}  (${((vsix / BUDGET) * 100).toFixed(1)}% of the 2 MB budget, ratio ${(vsix / BUDGET).toFixed(3)})`,
  );

  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, 'src', 'ui', 'workbench.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
    minify: true,
    write: false,
    metafile: true,
    outfile: 'out.js',
    logLevel: 'silent',
  });
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const byPackage = new Map<string, number>();
  for (const [file, info] of Object.entries(inputs)) {
    const key = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? 'conveyor (src + schema)';
    byPackage.set(key, (byPackage.get(key) ?? 0) + info.bytesInOutput);
  }
  console.log('  largest parts of the workbench (dist/workbench.js with the libraries it requires):');
  for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`    ${name.padEnd(26)} ${kb(bytes)}`);
}

void main();
