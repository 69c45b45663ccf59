import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describeFolder } from '../../../src/loop/folderStatus';
import type { PipelineRun, StageRun } from '../../../src/pipeline/run/pipelineRun';
import { pipelineStateDir, RunHistory } from '../../../src/pipeline/run/runHistory';
import { MAX_LOG_BYTES } from '../../../src/pipeline/run/runLog';
import { runPipeline } from '../../../src/pipeline/run/runPipeline';
import type { PipelineRunRequest } from '../../../src/pipeline/run/runPipeline';
import { GO_DIR } from '../../../scripts/kube/tools';
import { projectCache } from '../../../scripts/setup/cache';
import { isAlive, killIfAlive } from '../../support/processes';
import { sampleWorkspaces } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const ESLINT = path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
const MOCHA = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');

async function run(ws: SampleWorkspace, request: Partial<PipelineRunRequest> = {}): Promise<PipelineRun> {
  const status = await describeFolder(ws.dir);
  assert.deepEqual(status.config.problems, [], 'the sample conveyor.yml must be valid');
  return runPipeline({
    folder: status.folder,
    definition: status.pipeline,
    history: new RunHistory(pipelineStateDir(status.folder, status.git)),
    trigger: 'cli',
    ...request,
  });
}

/** A conveyor.yml of these stages (their lines as written below `stages:`), without the security stage. */
function stagesYml(...lines: string[]): string {
  return ['pipeline:', '  security: false', '  stages:', ...lines, ''].join('\n');
}

function stage(run: PipelineRun, name: string): StageRun {
  const found = run.stages.find((s) => s.name === name);
  assert.ok(found, `no stage ${name} in ${run.stages.map((s) => s.name).join(', ')}`);
  return found;
}

function commitAll(ws: SampleWorkspace, message: string): string {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Conveyor Test', '-c', 'user.email=test@conveyor.invalid', ...args], {
      cwd: ws.dir,
      encoding: 'utf8',
    });
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD').trim();
}

/** Pids of the running processes whose working directory is `dir` (from /proc). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === dir && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Runs `body` with these environment variables set (the engine's stages inherit them), then puts them back. */
async function withEnvironment<T>(variables: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  try {
    return await body();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('pipeline engine on real projects (integration)', function () {
  this.timeout(60_000);
  const sample = sampleWorkspaces();
  const workspace = (files: Record<string, string>) => sample(files, { git: true });

  it('an npm project whose eslint fails stops the belt with the problem at its line; fixed and committed, it passes and is marked ready', async () => {
    const ws = workspace({
      'package.json': JSON.stringify(
        {
          name: 'lint-me',
          version: '1.0.0',
          scripts: { lint: `node ${ESLINT} src`, build: 'node -e "console.log(\'built\')"', test: 'node -e "console.log(\'tested\')"' },
        },
        null,
        2,
      ),
      'eslint.config.js': "module.exports = [{ files: ['**/*.js'], rules: { 'no-unused-vars': 'error', semi: 'error' } }];\n",
      '.gitignore': 'node_modules\n',
      'src/app.js': 'const port = 8080;\nconst unused = 1;\nconsole.log(port);\n',
    });
    const failed = await run(ws);
    assert.equal(failed.result, 'failed');
    assert.deepEqual(
      failed.stages.map((s) => `${s.name}:${s.status}`),
      ['lint:failed', 'build:skipped', 'security:skipped', 'test:skipped'],
    );
    const lint = stage(failed, 'lint');
    assert.equal(lint.summary, 'exit code 1');
    assert.deepEqual(
      lint.problems.map((p) => ({ file: p.file, line: p.line, column: p.column, code: p.code, severity: p.severity })),
      [{ file: path.join(ws.dir, 'src', 'app.js'), line: 2, column: 7, code: 'no-unused-vars', severity: 'error' }],
    );
    assert.equal(failed.readyForRelease, false);

    ws.write('src/app.js', 'const port = 8080;\nconsole.log(port);\n');
    const sha = commitAll(ws, 'fix: lint');
    const passed = await run(ws);
    assert.equal(passed.result, 'passed', JSON.stringify(passed.stages.map((s) => [s.name, s.status, s.summary])));
    assert.deepEqual(stage(passed, 'lint').problems, []);
    assert.equal(stage(passed, 'security').status, 'passed');
    assert.equal(passed.commit, sha);
    assert.equal(passed.dirty, false);
    assert.equal(passed.readyForRelease, true, passed.notReadyReason);
    const history = new RunHistory(pipelineStateDir(ws.dir, (await describeFolder(ws.dir)).git));
    assert.equal((await history.isReady(sha))?.runId, passed.id);
    assert.deepEqual(
      (await history.runs()).map((r) => r.id),
      [passed.id, failed.id],
      'history keeps both runs, newest first',
    );
    assert.match(readFileSync(passed.logFile, 'utf8'), /tested/);
  });

  it('keeps stdout and stderr lines apart: an unfinished stdout line, a problem on stderr, a character split across stderr chunks', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml('    - name: build', '      run: sh streams.sh'),
      'src/a.c': 'int main(void) { return 0 }\n',
      // printf's octal escapes are the three bytes of "€"; the pauses make each write a chunk of its own.
      'streams.sh': [
        "printf 'compiling '",
        'sleep 0.1',
        "printf 'src/a.c:1:1: error: boom\\n' >&2",
        'sleep 0.1',
        "printf '\\342\\202' >&2",
        'sleep 0.1',
        "printf 'x\\n'",
        'sleep 0.1',
        "printf '\\254 euro\\n' >&2",
        'sleep 0.1',
        'echo done',
        '',
      ].join('\n'),
    });
    const result = await run(ws);
    const build = stage(result, 'build');
    assert.deepEqual(build.lastLines, ['src/a.c:1:1: error: boom', 'compiling x', '€ euro', 'done']);
    assert.deepEqual(
      build.problems.map((p) => [path.relative(ws.dir, p.file), p.line, p.message]),
      [['src/a.c', 1, 'boom']],
    );
  });

  it('reads the tree without taking git’s index lock, so a commit made meanwhile in a terminal does not fail', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml('    - name: test', '      run: node -e "1"'),
      'src/app.js': 'console.log(1);\n',
    });
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws.dir, encoding: 'utf8' }).trim();
    // Saved again unchanged: a plain `git status` refreshes the index's file times and rewrites .git/index under
    // index.lock (a `git commit` at that moment fails with "index.lock: File exists").
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(ws.dir, 'src', 'app.js'), later, later);
    const index = path.join(ws.dir, '.git', 'index');
    const indexBefore = statSync(index).mtimeMs;
    const result = await run(ws);
    assert.equal(result.readyForRelease, true, result.notReadyReason);
    assert.equal(result.commit, commit);
    assert.equal(statSync(index).mtimeMs, indexBefore, '.git/index was rewritten');
  });

  it('does not mark a passing run ready when the tree has uncommitted changes, and says why', async () => {
    const ws = workspace({ 'package.json': JSON.stringify({ scripts: { test: 'node -e "1"' } }) });
    ws.write('notes.txt', 'work in progress\n');
    const result = await run(ws);
    assert.equal(result.result, 'passed');
    assert.equal(result.dirty, true);
    assert.equal(result.readyForRelease, false);
    assert.match(result.notReadyReason ?? '', /uncommitted changes \(notes\.txt\)/);
  });

  it('shows a failed test once when the output names it too: an error at its line stands for it, a warning does not', async () => {
    const report = [
      '<testsuite name="cart" tests="2" failures="2">',
      '  <testcase name="adds" classname="cart" file="test/cart.test.js" line="3"><failure message="expected 2"/></testcase>',
      '  <testcase name="totals" classname="cart" file="test/cart.test.js" line="5"><failure message="expected 7"/></testcase>',
      '</testsuite>',
      '',
    ].join('\n');
    const ws = workspace({
      'conveyor.yml': stagesYml(
        '    - name: test',
        // The report is written by the run (an older one would be refused as stale).
        '      run: sh test.sh',
        '      problemMatcher: generic',
        '      junit: junit.xml',
      ),
      'test.sh': [
        "printf 'test/cart.test.js:3:9: warning: x is never read\\n'",
        "printf 'test/cart.test.js:5:1: error: expected 7, got 6\\n'",
        'cp report.xml junit.xml',
        'exit 1',
        '',
      ].join('\n'),
      'report.xml': report,
      'test/cart.test.js': 'const x = 1;\n\nit("adds", () => {});\n\nit("totals", () => {});\n',
    });
    const result = await run(ws);
    const test = stage(result, 'test');
    assert.deepEqual(test.tests?.counts, { total: 2, passed: 0, failed: 2, skipped: 0 });
    assert.deepEqual(
      test.problems.map((p) => [p.line, p.severity, p.message]),
      [
        [3, 'warning', 'x is never read'],
        [5, 'error', 'expected 7, got 6'],
        [3, 'error', 'adds: expected 2'],
      ],
    );
  });

  it('reads a failing mocha run’s JUnit report (mocha’s xunit reporter): counts, the failed test and its location', async () => {
    const ws = workspace({
      'package.json': JSON.stringify({ scripts: {} }),
      'conveyor.yml': stagesYml(
        '    - name: test',
        `      run: mkdir -p reports && node ${MOCHA} --reporter xunit --reporter-options output=reports/junit.xml test/*.test.js`,
        '      junit: reports/junit.xml',
      ),
      'test/math.test.js': [
        "const assert = require('node:assert');",
        "describe('math', () => {",
        "  it('adds', () => assert.strictEqual(1 + 1, 2));",
        "  it('multiplies', () => {",
        '    assert.strictEqual(2 * 3, 7);',
        '  });',
        '});',
        '',
      ].join('\n'),
    });
    const result = await run(ws);
    const test = stage(result, 'test');
    assert.equal(test.status, 'failed');
    assert.ok(test.tests, 'the JUnit report was read');
    assert.equal(test.tests.error, undefined);
    assert.deepEqual(test.tests.counts, { total: 2, passed: 1, failed: 1, skipped: 0 });
    const [failure] = test.tests.failures;
    assert.equal(failure.name, 'multiplies');
    assert.equal(failure.className, 'math');
    assert.equal(failure.location?.file, path.join(ws.dir, 'test', 'math.test.js'));
    assert.equal(failure.location?.line, 5);
    assert.ok(
      test.problems.some((p) => p.file === path.join(ws.dir, 'test', 'math.test.js') && p.line === 5),
      'the failure is also a problem at its line',
    );
  });

  it('runs a Makefile project’s detected targets in order and stops at the failing one', async () => {
    const ws = workspace({
      Makefile: [
        'lint:',
        '\t@echo linting',
        'build:',
        '\t@echo "src/main.c:3:5: error: expected ; before return"; exit 2',
        'test:',
        '\t@echo testing',
        '',
      ].join('\n'),
      'src/main.c': 'int main(void) {\n  int x = 1\n  return x;\n}\n',
    });
    const result = await run(ws);
    assert.deepEqual(
      result.stages.map((s) => `${s.name}:${s.status}`),
      ['lint:passed', 'build:failed', 'security:skipped', 'test:skipped'],
    );
    assert.equal(stage(result, 'build').command, 'make build');
    const [problem] = stage(result, 'build').problems;
    assert.deepEqual(
      { file: problem.file, line: problem.line, column: problem.column, message: problem.message },
      {
        file: path.join(ws.dir, 'src', 'main.c'),
        line: 3,
        column: 5,
        message: 'expected ; before return',
      },
    );
  });

  it('runs a Rust crate’s detected cargo stages: a compile error and then a failing test at their lines; fixed, it is ready', async () => {
    // Edition 2021 and no dependencies, so Debian's cargo (rustc 1.63) builds it as well as a current rustup one, offline.
    const ws = workspace({
      'Cargo.toml': '[package]\nname = "pricing"\nversion = "0.1.0"\nedition = "2021"\n',
      '.gitignore': '/target\nCargo.lock\n',
      'src/lib.rs': [
        'pub fn total(prices: &[u32]) -> u32 {',
        '    let sum: u32 = prices.iter().sum();',
        '    sum + shipping',
        '}',
        '',
      ].join('\n'),
    });
    const compileError = await run(ws);
    assert.deepEqual(
      compileError.stages.map((s) => `${s.name}:${s.status}`),
      ['build:failed', 'security:skipped', 'test:skipped'],
    );
    assert.equal(stage(compileError, 'build').command, 'cargo build');
    assert.deepEqual(
      stage(compileError, 'build').problems.map((p) => [path.relative(ws.dir, p.file), p.line, p.column, p.code, p.severity]),
      [[path.join('src', 'lib.rs'), 3, 11, 'E0425', 'error']],
    );

    writeFileSync(
      path.join(ws.dir, 'src', 'lib.rs'),
      [
        'pub fn total(prices: &[u32]) -> u32 {',
        '    prices.iter().sum::<u32>() + 1',
        '}',
        '',
        '#[cfg(test)]',
        'mod tests {',
        '    #[test]',
        '    fn adds_the_prices() {',
        '        assert_eq!(super::total(&[2, 3]), 5);',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    const failingTest = await run(ws);
    assert.deepEqual(
      failingTest.stages.map((s) => `${s.name}:${s.status}`),
      ['build:passed', 'security:passed', 'test:failed'],
    );
    const [panic] = stage(failingTest, 'test').problems;
    assert.deepEqual([path.relative(ws.dir, panic.file), panic.line, panic.column], [path.join('src', 'lib.rs'), 9, 9]);
    assert.match(panic.message, /^tests::adds_the_prices panicked: assertion/);

    writeFileSync(path.join(ws.dir, 'src', 'lib.rs'), 'pub fn total(prices: &[u32]) -> u32 {\n    prices.iter().sum()\n}\n');
    const commit = commitAll(ws, 'total without the extra unit');
    const passed = await run(ws);
    assert.equal(passed.result, 'passed', passed.stages.map((s) => `${s.name}: ${s.summary ?? s.status}`).join('; '));
    assert.equal(passed.readyForRelease, true, passed.notReadyReason);
    assert.equal(passed.commit, commit);
  });

  it('runs a Maven project’s detected stages with Maven itself: a compile error once, with javac’s explanation, then a failing JUnit 5 test at its line; fixed, it is ready', async function () {
    // Three runs of Maven, each starting a JVM or two: about 30 s on two cores.
    this.timeout(180_000);
    const cart = (total: string) =>
      [
        'package shop;',
        '',
        'import java.util.List;',
        '',
        'public class Cart {',
        '    public int total(List<Integer> prices) {',
        '        int sum = 0;',
        '        for (int price : prices) sum += price;',
        `        return ${total};`,
        '    }',
        '',
        '    public int legacy() { return new Integer(5); }',
        '}',
        '',
      ].join('\n');
    const plugin = (artifact: string, version: string, configuration = '') =>
      `<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>${artifact}</artifactId><version>${version}</version>${configuration}</plugin>`;
    const ws = workspace({
      // Plugin versions as Debian packages them: the setup installs them into /usr/share/maven-repo, which the project
      // reads offline through .mvn/maven.config (where a project keeps Maven's options; a user's Maven reads Maven Central).
      'pom.xml': [
        '<project xmlns="http://maven.apache.org/POM/4.0.0">',
        '  <modelVersion>4.0.0</modelVersion>',
        '  <groupId>shop</groupId><artifactId>shop</artifactId><version>1.0</version>',
        '  <properties><maven.compiler.release>17</maven.compiler.release><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>',
        '  <dependencies>',
        '    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><version>5.9.2</version><scope>test</scope></dependency>',
        '  </dependencies>',
        '  <build><plugins>',
        `    ${plugin('maven-compiler-plugin', '3.10.1', '<configuration><compilerArgs><arg>-Xlint:all</arg></compilerArgs></configuration>')}`,
        `    ${plugin('maven-resources-plugin', '3.3.0')}`,
        `    ${plugin('maven-surefire-plugin', '2.22.3')}`,
        '  </plugins></build>',
        '</project>',
        '',
      ].join('\n'),
      '.mvn/maven.config': '-o\n-Dmaven.repo.local=/usr/share/maven-repo\n',
      '.gitignore': '/target\n',
      'src/main/java/shop/Cart.java': cart('sum + discount'),
      'src/test/java/shop/CartTest.java': [
        'package shop;',
        '',
        'import static org.junit.jupiter.api.Assertions.assertEquals;',
        '',
        'import java.util.List;',
        'import org.junit.jupiter.api.Test;',
        '',
        'class CartTest {',
        '    @Test',
        '    void total() {',
        '        assertEquals(5, new Cart().total(List.of(2, 3)));',
        '    }',
        '}',
        '',
      ].join('\n'),
    });
    const cartFile = path.join('src', 'main', 'java', 'shop', 'Cart.java');
    const deprecation = [cartFile, 12, 34, 'warning', 'Integer(int) in java.lang.Integer has been deprecated and marked for removal'];
    const where = (s: StageRun) => s.problems.map((p) => [path.relative(ws.dir, p.file), p.line, p.column, p.severity, p.message]);

    const compileError = await run(ws);
    assert.deepEqual(
      compileError.stages.map((s) => `${s.name}:${s.status}`),
      ['build:failed', 'security:skipped', 'test:skipped'],
    );
    assert.equal(stage(compileError, 'build').command, 'mvn -B compile');
    // Maven prints the error twice (the compiler's section and the build's summary): it is one problem.
    assert.deepEqual(where(stage(compileError, 'build')), [
      deprecation,
      [cartFile, 9, 22, 'error', 'cannot find symbol\nsymbol: variable discount\nlocation: class shop.Cart'],
    ]);

    writeFileSync(path.join(ws.dir, cartFile), cart('sum + 1'));
    const failingTest = await run(ws);
    assert.deepEqual(
      failingTest.stages.map((s) => `${s.name}:${s.status}`),
      ['build:passed', 'security:passed', 'test:failed'],
    );
    assert.deepEqual(where(stage(failingTest, 'build')), [deprecation]);
    assert.deepEqual(
      stage(failingTest, 'test').problems.map((p) => [path.relative(ws.dir, p.file), p.line, p.message]),
      [[path.join('src', 'test', 'java', 'shop', 'CartTest.java'), 11, 'CartTest.total: AssertionFailedError: expected: <5> but was: <6>']],
      'the report names the same failure at the same line: one problem, the output’s',
    );
    // Surefire's report (detected: target/surefire-reports/TEST-*.xml) puts the test in the Testing view.
    const failedTests = stage(failingTest, 'test').tests;
    assert.deepEqual(failedTests?.counts, { total: 1, passed: 0, failed: 1, skipped: 0 });
    assert.deepEqual(
      failedTests?.results.map((r) => [r.suite, r.name, r.outcome, r.location && path.relative(ws.dir, r.location.file), r.location?.line]),
      [['shop.CartTest', 'total', 'failed', path.join('src', 'test', 'java', 'shop', 'CartTest.java'), 11]],
    );
    assert.equal(failedTests?.reportFile, path.join(ws.dir, 'target', 'surefire-reports', 'TEST-shop.CartTest.xml'));
    assert.equal(
      failedTests?.results[0].suiteFile,
      path.join(ws.dir, 'src', 'test', 'java', 'shop', 'CartTest.java'),
      'the test class opens from the Testing view',
    );

    writeFileSync(path.join(ws.dir, cartFile), cart('sum'));
    const commit = commitAll(ws, 'total without the extra unit');
    const passed = await run(ws);
    assert.equal(passed.result, 'passed', passed.stages.map((s) => `${s.name}: ${s.summary ?? s.status}`).join('; '));
    assert.equal(passed.readyForRelease, true, passed.notReadyReason);
    assert.equal(passed.commit, commit);
    assert.deepEqual(stage(passed, 'test').tests?.counts, { total: 1, passed: 1, failed: 0, skipped: 0 });
  });

  it('puts a Surefire failure of a build of several modules in the module that holds the test (the output names only the class)', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml('    - name: test', '      run: cat surefire.out; exit 1', '      problemMatcher: generic'),
      // As Maven prints a failed test of the `core` module (its reactor runs from the parent's folder).
      'surefire.out': [
        '[INFO] Running shop.CartTest',
        '[ERROR] total(shop.CartTest)  Time elapsed: 0.002 s  <<< FAILURE!',
        'java.lang.AssertionError: expected:<5> but was:<6>',
        '\tat shop.CartTest.total(CartTest.java:3)',
        '',
      ].join('\n'),
      'pom.xml': '<project><modules><module>app</module><module>core</module></modules></project>\n',
      'app/pom.xml': '<project/>\n',
      'core/pom.xml': '<project/>\n',
      'core/src/test/java/shop/CartTest.java': 'package shop;\nclass CartTest {\n  void total() {}\n}\n',
    });
    const result = await run(ws);
    assert.deepEqual(
      stage(result, 'test').problems.map((p) => [path.relative(ws.dir, p.file), p.line, p.message]),
      [[path.join('core', 'src', 'test', 'java', 'shop', 'CartTest.java'), 3, 'CartTest.total: AssertionError: expected:<5> but was:<6>']],
    );
  });

  it('runs a Go module’s detected stages and puts a failing and a panicking test in a subpackage at their files and lines', async () => {
    const ws = workspace({
      'go.mod': 'module example.com/shop\n\ngo 1.19\n',
      'main.go': 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("shop") }\n',
      'main_test.go': 'package main\n\nimport "testing"\n\nfunc TestStarts(t *testing.T) { t.Log("starts") }\n',
      'internal/cart/cart.go':
        'package cart\n\nfunc Total(prices []int) int {\n\tsum := 1\n\tfor _, p := range prices {\n\t\tsum += p\n\t}\n\treturn sum\n}\n',
      'internal/cart/cart_test.go': [
        'package cart',
        '',
        'import "testing"',
        '',
        'func TestTotal(t *testing.T) {',
        '\tif got := Total([]int{2, 3}); got != 5 {',
        '\t\tt.Errorf("Total([2 3]) = %d, want 5", got)',
        '\t}',
        '}',
        '',
      ].join('\n'),
      'internal/cart/panic_test.go':
        'package cart\n\nimport "testing"\n\nfunc TestEmpty(t *testing.T) {\n\tvar prices []int\n\t_ = prices[3]\n}\n',
    });
    // Debian's Go, as a user's Go on PATH; its build cache is the project's, not the user's.
    const goOnPath = {
      PATH: `${path.join(GO_DIR, 'bin')}${path.delimiter}${process.env.PATH}`,
      GOCACHE: projectCache('go-build'),
      GOFLAGS: '',
    };
    await withEnvironment(goOnPath, async () => {
      const result = await run(ws);
      assert.deepEqual(
        result.stages.map((s) => `${s.name}:${s.status}`),
        ['vet:passed', 'build:passed', 'security:passed', 'test:failed'],
        result.stages.map((s) => `${s.name}: ${s.lastLines.join(' | ')}`).join('\n'),
      );
      assert.deepEqual(
        stage(result, 'test').problems.map((p) => [path.relative(ws.dir, p.file), p.line, p.message]),
        [
          [path.join('internal', 'cart', 'panic_test.go'), 7, 'TestEmpty panicked: runtime error: index out of range [3] with length 0'],
          [path.join('internal', 'cart', 'cart_test.go'), 7, 'TestTotal: Total([2 3]) = 6, want 5'],
        ],
      );
    });
  });

  it('runs a Python project’s detected pytest stage and puts each failure where it was raised, with pytest’s explanation', async () => {
    const ws = workspace({
      'pyproject.toml': '[project]\nname = "shop"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
      'shop/__init__.py': 'def total(prices):\n    return sum(prices) + 1\n',
      'tests/test_cart.py': [
        'from shop import total',
        '',
        '',
        'def test_total():',
        '    assert total([2, 3]) == 5',
        '',
        '',
        'def test_empty():',
        '    assert total(None) == 0',
        '',
      ].join('\n'),
    });
    // Debian's python3, whose pytest the setup installs; before any other python3 on PATH.
    const result = await withEnvironment({ PATH: `/usr/bin${path.delimiter}${process.env.PATH}` }, () => run(ws));
    assert.deepEqual(
      result.stages.map((s) => `${s.name}:${s.status}`),
      ['security:passed', 'test:failed'],
    );
    assert.equal(stage(result, 'test').command, 'python3 -m pytest');
    assert.deepEqual(
      stage(result, 'test').problems.map((p) => [path.relative(ws.dir, p.file), p.line, p.message]),
      [
        [path.join('tests', 'test_cart.py'), 5, 'test_total: assert 6 == 5'],
        [path.join('shop', '__init__.py'), 2, "test_empty: TypeError: 'NoneType' object is not iterable"],
      ],
    );
  });

  it('runs a Ruby project’s detected Rakefile test task (minitest): the failed assertion at its line, an error where it was raised', async () => {
    const ws = workspace({
      Rakefile: "require 'rake/testtask'\n\nRake::TestTask.new do |t|\n  t.libs << 'lib'\n  t.pattern = 'test/**/*_test.rb'\nend\n",
      'lib/cart.rb': 'class Cart\n  def total(prices)\n    prices.sum + 1\n  end\nend\n',
      'test/cart_test.rb': [
        "require 'minitest/autorun'",
        "require 'cart'",
        '',
        'class CartTest < Minitest::Test',
        '  def test_total',
        '    assert_equal 5, Cart.new.total([2, 3])',
        '  end',
        '',
        '  def test_empty',
        '    assert_equal 0, Cart.new.total(nil)',
        '  end',
        'end',
        '',
      ].join('\n'),
    });
    const failed = await run(ws);
    assert.deepEqual(
      failed.stages.map((s) => `${s.name}:${s.status}`),
      ['security:passed', 'test:failed'],
    );
    assert.equal(stage(failed, 'test').command, 'rake test');
    // minitest runs tests in a random order: the problems are compared sorted.
    assert.deepEqual(
      stage(failed, 'test')
        .problems.map((p) => [path.relative(ws.dir, p.file), p.line, p.message])
        .sort(),
      [
        [path.join('lib', 'cart.rb'), 3, "CartTest#test_empty: NoMethodError: undefined method `sum' for nil:NilClass"],
        [path.join('test', 'cart_test.rb'), 6, 'CartTest#test_total: Expected: 5'],
      ],
    );
    writeFileSync(path.join(ws.dir, 'lib', 'cart.rb'), 'class Cart\n  def total(prices)\n    (prices || []).sum\n  end\nend\n');
    assert.equal((await run(ws)).result, 'passed');
  });

  it('runs RuboCop where a Ruby project configures it, each offense at its place with its cop and severity', async () => {
    const ws = workspace({
      '.rubocop.yml': 'AllCops:\n  NewCops: enable\n  SuggestExtensions: false\nStyle/Documentation:\n  Enabled: false\n',
      'lib/cart.rb': [
        '# frozen_string_literal: true',
        '',
        'class Cart',
        '  def total(prices)',
        '    unused = 1',
        '    prices.sum == nil',
        '  end',
        'end',
        '',
      ].join('\n'),
    });
    const failed = await run(ws);
    assert.deepEqual(
      failed.stages.map((s) => `${s.name}:${s.status}`),
      ['lint:failed', 'security:skipped'],
    );
    assert.equal(stage(failed, 'lint').command, 'rubocop');
    assert.deepEqual(
      stage(failed, 'lint').problems.map((p) => [path.relative(ws.dir, p.file), p.line, p.column, p.severity, p.code]),
      [
        [path.join('lib', 'cart.rb'), 5, 5, 'warning', 'Lint/UselessAssignment'],
        [path.join('lib', 'cart.rb'), 6, 16, 'info', 'Style/NilComparison'],
      ],
    );
    writeFileSync(
      path.join(ws.dir, 'lib', 'cart.rb'),
      '# frozen_string_literal: true\n\nclass Cart\n  def total(prices)\n    prices.sum\n  end\nend\n',
    );
    assert.deepEqual(
      (await run(ws)).stages.map((s) => `${s.name}:${s.status}`),
      ['lint:passed', 'security:passed'],
    );
  });

  it('kills a stage that passes its timeout, with every process it started', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml('    - name: hang', '      run: sleep 300 & echo $! > child.pid; sleep 300', '      timeout: 1s'),
    });
    const started = Date.now();
    const result = await run(ws);
    const hang = stage(result, 'hang');
    assert.equal(hang.status, 'timed-out');
    assert.match(hang.summary ?? '', /timed out after 1\.0 s/);
    assert.ok(Date.now() - started < 10_000, 'the run ended soon after the timeout');
    const childPid = Number(readFileSync(path.join(ws.dir, 'child.pid'), 'utf8'));
    assert.ok(childPid > 0);
    assert.equal(isAlive(childPid), false, 'the background child was killed too');
    assert.equal(result.result, 'failed');
  });

  it('stops a run on request, leaving no process behind', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml(
        '    - name: serve',
        '      run: sleep 300 & echo $! > child.pid; wait',
        '    - name: after',
        '      run: echo never',
      ),
    });
    const abort = new AbortController();
    const result = await run(ws, { signal: abort.signal, listener: { stageStarted: () => setTimeout(() => abort.abort(), 300) } });
    assert.equal(result.result, 'cancelled');
    assert.deepEqual(
      result.stages.map((s) => s.status),
      ['cancelled', 'skipped'],
    );
    assert.equal(isAlive(Number(readFileSync(path.join(ws.dir, 'child.pid'), 'utf8'))), false);
  });

  it('Stop ends a daemon the stage detached (as turbo and nx start theirs) after its parent exited; one from a finished stage keeps running', async () => {
    // The way Node tools start their daemons: a new session (setsid), stdio closed, the starter exits at once.
    const detach = (file: string) =>
      `node -e "const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' }); c.unref(); require('fs').writeFileSync('${file}', String(c.pid))"`;
    const ws = workspace({
      'conveyor.yml': stagesYml(
        '    - name: warm',
        `      run: ${JSON.stringify(detach('warm.pid'))}`,
        '    - name: serve',
        `      run: ${JSON.stringify(`${detach('serve.pid')} && sleep 300`)}`,
      ),
    });
    const abort = new AbortController();
    const result = await run(ws, {
      signal: abort.signal,
      listener: { stageStarted: (_run, started) => void (started.name === 'serve' && setTimeout(() => abort.abort(), 1500)) },
    });
    const warm = Number(readFileSync(path.join(ws.dir, 'warm.pid'), 'utf8'));
    const serve = Number(readFileSync(path.join(ws.dir, 'serve.pid'), 'utf8'));
    try {
      assert.deepEqual(
        result.stages.map((s) => `${s.name}:${s.status}`),
        ['warm:passed', 'serve:cancelled'],
      );
      assert.equal(isAlive(serve), false, "the stopped stage's daemon was found by its CONVEYOR_TRACKING_ID and ended");
      assert.equal(isAlive(warm), true, "the finished stage's daemon is left running, as after a terminal command");
    } finally {
      [warm, serve].forEach(killIfAlive);
    }
  });

  it('announces the run with its commit before the first stage’s output, though that stage starts while the tree is read', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml(
        '    - name: first',
        '      run: echo printed at once; echo and on stderr >&2',
        '    - name: second',
        '      run: echo second',
      ),
    });
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws.dir, encoding: 'utf8' }).trim();
    const events: string[] = [];
    const result = await run(ws, {
      listener: {
        runStarted: (started) => events.push(`run started at ${started.commit} (dirty: ${started.dirty})`),
        stageStarted: (_, s) => events.push(`${s.name} started`),
        line: (s, line) => events.push(`${s.name}: ${line}`),
        stageFinished: (_, s) => events.push(`${s.name} ${s.status}`),
        runFinished: (finished) => events.push(`run ${finished.result}`),
      },
    });
    assert.deepEqual(events, [
      `run started at ${commit} (dirty: false)`,
      'first started',
      'first: printed at once',
      'first: and on stderr',
      'first passed',
      'second started',
      'second: second',
      'second passed',
      'run passed',
    ]);
    assert.equal(result.readyForRelease, true, result.notReadyReason);
    const log = readFileSync(result.logFile, 'utf8');
    assert.ok(
      log.startsWith(
        `\n━━ Conveyor pipeline run ${result.id} in ${ws.dir} — main at ${commit.slice(0, 12)}\n\n━━ first: echo printed at once`,
      ),
      log,
    );
  });

  it('says a stage’s working directory is missing rather than that the shell could not start', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml('    - name: build', '      cwd: services/api', '      run: make'),
    });
    const build = stage(await run(ws), 'build');
    assert.equal(build.status, 'failed');
    assert.equal(build.summary, `working directory not found: ${path.join(ws.dir, 'services', 'api')}`);
  });

  it('says a stage’s working directory is a file, not a folder', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml('    - name: build', '      cwd: package.json', '      run: make'),
      'package.json': '{}\n',
    });
    const build = stage(await run(ws), 'build');
    assert.equal(build.status, 'failed');
    assert.equal(build.summary, `working directory is not a folder: ${path.join(ws.dir, 'package.json')}`);
  });

  it('stops the first stage’s process when announcing the run fails (a listener that throws), leaving nothing running', async () => {
    const ws = workspace({ 'conveyor.yml': stagesYml('    - name: serve', '      run: sleep 300 & wait') });
    await assert.rejects(
      run(ws, {
        listener: {
          runStarted: () => {
            throw new Error('the view is gone');
          },
        },
      }),
      /the view is gone/,
    );
    // Whether or not the sleep had started when the run failed, no process may be left working in the folder.
    assert.deepEqual(processesIn(ws.dir), [], 'processes of the stage still running');
  });

  it('reports a command that does not exist as such', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml('    - name: build', '      run: definitely-not-a-command --all'),
    });
    const build = stage(await run(ws), 'build');
    assert.equal(build.status, 'failed');
    assert.equal(build.exitCode, 127);
    assert.match(build.summary ?? '', /^command not found: definitely-not-a-command/);
  });

  it('survives a stage printing 1,000,000 lines and binary noise: bounded log, last lines kept', async () => {
    const script =
      "const out=process.stdout;let s='';for(let i=1;i<=1000000;i++){s+='line '+i+' of the flood\\n';if(s.length>65536){out.write(s);s='';}}out.write(s);out.write(require('crypto').randomBytes(200000));out.write('\\nflood done\\n');";
    const ws = workspace({
      'flood.js': script,
      'conveyor.yml': stagesYml('    - name: flood', '      run: node flood.js'),
    });
    const result = await run(ws);
    const flood = stage(result, 'flood');
    assert.equal(flood.status, 'passed', flood.summary);
    assert.ok(flood.outputLineCount >= 1_000_000, `counted ${flood.outputLineCount} lines`);
    assert.equal(flood.lastLines.at(-1), 'flood done');
    assert.ok(flood.lastLines.length <= 10);
    const logSize = statSync(result.logFile).size;
    assert.ok(logSize <= MAX_LOG_BYTES + 2 * 1024 * 1024, `log is ${logSize} bytes`);
    const log = readFileSync(result.logFile, 'utf8');
    assert.match(log, /lines omitted: the log keeps the first 8 MB/);
    assert.match(log, /flood done/);
  });

  it('re-runs the failed stage and the ones after it, carrying the stages that passed', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml(
        '    - name: first',
        '      run: echo one >> ran.txt',
        '    - name: second',
        '      run: test -f fixed',
        '    - name: third',
        '      run: echo three',
      ),
      '.gitignore': 'ran.txt\n',
    });
    const failed = await run(ws);
    assert.deepEqual(
      failed.stages.map((s) => s.status),
      ['passed', 'failed', 'skipped'],
    );
    ws.write('fixed', '');
    const rerun = await run(ws, { scope: 'failed', previous: failed });
    assert.deepEqual(
      rerun.stages.map((s) => s.status),
      ['passed', 'passed', 'passed'],
    );
    assert.equal(stage(rerun, 'first').carriedFromRun, failed.id);
    assert.equal(readFileSync(path.join(ws.dir, 'ran.txt'), 'utf8'), 'one\n', 'the first stage ran once');
  });

  it('does not mark a commit ready on a stage carried through two re-runs from an older commit', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml(
        '    - name: lint',
        '      run: grep -q good lint.txt',
        '    - name: test',
        // Outside the tree, so creating it leaves the working tree clean.
        '      run: test -f .git/flag',
      ),
      'lint.txt': 'good\n',
    });
    const onGood = await run(ws);
    assert.deepEqual(
      onGood.stages.map((s) => s.status),
      ['passed', 'failed'],
    );
    ws.write('lint.txt', 'bad\n');
    const badCommit = commitAll(ws, 'lint fails');
    const rerunOnBad = await run(ws, { scope: 'failed', previous: onGood });
    assert.equal(stage(rerunOnBad, 'lint').carriedFromRun, onGood.id);
    assert.equal(rerunOnBad.commit, badCommit);
    ws.write('.git/flag', '');
    const again = await run(ws, { scope: 'failed', previous: rerunOnBad });
    assert.deepEqual(
      again.stages.map((s) => s.status),
      ['passed', 'passed'],
    );
    assert.equal(stage(again, 'lint').carriedFromRun, onGood.id, 'carried from the first run, through the second');
    assert.equal(again.readyForRelease, false);
    assert.equal(again.notReadyReason, 'the stages carried over passed on a different tree');
    const history = new RunHistory(pipelineStateDir(ws.dir, (await describeFolder(ws.dir)).git));
    assert.equal(await history.isReady(badCommit), undefined);
    const full = await run(ws);
    assert.equal(stage(full, 'lint').status, 'failed', 'lint really fails on that commit');
  });

  it('runs only the named stage when asked, which never marks a commit ready', async () => {
    const ws = workspace({ 'package.json': JSON.stringify({ scripts: { lint: 'node -e "1"', test: 'node -e "process.exit(1)"' } }) });
    const result = await run(ws, { scope: 'stage', stageNames: ['lint'] });
    assert.equal(result.result, 'passed');
    assert.deepEqual(
      result.stages.map((s) => `${s.name}:${s.status}`),
      ['lint:passed', 'security:skipped', 'test:skipped'],
    );
    assert.equal(result.readyForRelease, false);
    assert.match(result.notReadyReason ?? '', /not every stage ran/);
  });

  it('reads a TAP report from Node’s test runner, and refuses a stale report the stage did not rewrite', async () => {
    const ws = workspace({
      'conveyor.yml': stagesYml(
        '    - name: unit',
        '      run: node --test --test-reporter=tap --test-reporter-destination=unit.tap test/unit.test.js',
        '      tap: unit.tap',
        '    - name: e2e',
        '      run: echo "no report written"',
        '      junit: old-report.xml',
      ),
      '.gitignore': 'unit.tap\n',
      'test/unit.test.js': "const test = require('node:test');\ntest('one', () => {});\ntest('two', { skip: true }, () => {});\n",
      'old-report.xml': '<testsuite name="old" tests="1"><testcase name="old test"/></testsuite>\n',
    });
    const old = new Date(Date.now() - 3600_000);
    utimesSync(path.join(ws.dir, 'old-report.xml'), old, old);
    const result = await run(ws);
    assert.deepEqual(stage(result, 'unit').tests?.counts, { total: 2, passed: 1, failed: 0, skipped: 1 });
    const e2e = stage(result, 'e2e');
    assert.equal(e2e.status, 'passed');
    assert.match(e2e.tests?.error ?? '', /old-report\.xml was not updated by this run/);
  });

  it('stops the belt at the security stage when a tracked file holds a private key, pointing at its line', async () => {
    const ws = workspace({
      'package.json': JSON.stringify({ scripts: { build: 'node -e "1"', test: 'node -e "1"' } }),
      'deploy/key.pem': [
        '# staging key',
        '-----BEGIN RSA ' + 'PRIVATE KEY-----',
        'MIIEowIBAAKCAQEA' + 'x'.repeat(40),
        '-----END RSA PRIVATE KEY-----',
        '',
      ].join('\n'),
    });
    const result = await run(ws);
    assert.deepEqual(
      result.stages.map((s) => `${s.name}:${s.status}`),
      ['build:passed', 'security:failed', 'test:skipped'],
    );
    const security = stage(result, 'security');
    assert.match(security.summary ?? '', /1 possible secret/);
    const [finding] = security.problems;
    assert.deepEqual([finding.file, finding.line, finding.source], [path.join(ws.dir, 'deploy', 'key.pem'), 2, 'secret-scan']);
    assert.doesNotMatch(finding.message, /MIIEowIBAAKCAQEA/);
  });
});
