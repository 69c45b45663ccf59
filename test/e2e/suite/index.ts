// Entry point the extension host loads (extensionTestsPath): runs the suites with mocha inside the real
// host and reports each result as a `[mocha]` console line, which the e2e runner reads from the browser.
import Mocha from 'mocha';

class ConsoleLinesReporter {
  constructor(runner: Mocha.Runner) {
    let passed = 0;
    let failed = 0;
    runner.on('pass', (test) => {
      passed++;
      console.log(`[mocha] ✓ ${test.fullTitle()}`);
    });
    runner.on('fail', (test, error: Error) => {
      failed++;
      console.log(
        `[mocha] ✗ ${test.fullTitle()}\n[mocha]     ${String(error.stack ?? error.message)
          .split('\n')
          .slice(0, 6)
          .join('\n[mocha]     ')}`,
      );
    });
    runner.on('end', () => console.log(`[mocha] ${passed} passed, ${failed} failed`));
  }
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, reporter: ConsoleLinesReporter as unknown as Mocha.ReporterConstructor });
  mocha.suite.emit('pre-require', globalThis, 'extension-host', mocha);
  // Loaded after mocha has defined describe/it on the global object.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- must run after pre-require, so not a hoisted import
  require('./extension.test');
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
