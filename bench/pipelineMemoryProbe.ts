// Runs one pipeline whose only stage prints N lines, sampling this process's RSS; prints JSON.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPipeline } from '../src/pipeline/run/runPipeline';
import { RunHistory } from '../src/pipeline/run/runHistory';

const lines = Number(process.argv[2]);
const folder = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-memory-'));
execFileSync('git', ['init', '-q'], { cwd: folder });
writeFileSync(
  path.join(folder, 'flood.js'),
  `let s='';for(let i=1;i<=${lines};i++){s+='line '+i+' of the flood, with some words to make it longer\\n';if(s.length>65536){process.stdout.write(s);s='';}}process.stdout.write(s);`,
);
global.gc?.();
const mb = () => process.memoryUsage().rss / 1048576;
const baseRssMb = mb();
let peakRssMb = baseRssMb;
const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, mb())), 20);
runPipeline({
  folder,
  definition: { source: 'conveyor.yml', stages: [{ name: 'flood', run: 'node flood.js', source: 'bench' }], security: false },
  history: new RunHistory(path.join(folder, '.state')),
  trigger: 'cli',
}).then(
  (run) => {
    clearInterval(sampler);
    peakRssMb = Math.max(peakRssMb, mb());
    rmSync(folder, { recursive: true, force: true });
    if (run.stages[0].outputLineCount < lines) throw new Error(`only ${run.stages[0].outputLineCount} lines counted`);
    process.stdout.write(JSON.stringify({ baseRssMb, peakRssMb }));
  },
  (error: unknown) => {
    throw error;
  },
);
