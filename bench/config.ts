// bench/config: validating a large conveyor.yml (issue 20 item 10: 5,000 unknown keys took 3.7 s, 20,000
// took 24.7 s). Prints the time for 5,000 and 20,000 unknown keys and their ratio: about 4 is linear, 16
// quadratic. Then the largest file read (just under the 512 KiB cap) and one over it (refused unparsed).
import { MAX_CONFIG_BYTES, parseConfig } from '../src/core/config/parseConfig';

const unknownKeys = (count: number) => `version: 1\n${Array.from({ length: count }, (_, i) => `key${i}: ${i}`).join('\n')}\n`;

const median = (text: string) => {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    parseConfig(text);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2];
};

parseConfig('version: 1\n');
const small = median(unknownKeys(5_000));
const large = median(unknownKeys(20_000));
const biggest = unknownKeys(32_000).slice(0, MAX_CONFIG_BYTES - 64);
const atLimit = median(biggest.slice(0, biggest.lastIndexOf('\n') + 1));
const over = median(`${biggest}\n# ${'x'.repeat(4 * MAX_CONFIG_BYTES)}\n`);
console.log('conveyor.yml validation (median of 5)');
console.log(`  5,000 unknown keys       : ${small.toFixed(0)} ms`);
console.log(`  20,000 unknown keys      : ${large.toFixed(0)} ms  (ratio ${(large / small).toFixed(1)}; linear is about 4, quadratic 16)`);
console.log(`  just under the cap       : ${atLimit.toFixed(0)} ms`);
console.log(`  5 MiB (refused unparsed) : ${over.toFixed(1)} ms`);
