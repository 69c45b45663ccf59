import * as assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseJUnit } from '../../../src/pipeline/reports/junitReport';
import { parseTap } from '../../../src/pipeline/reports/tapReport';
import { MAX_REPORT_BYTES, readTestReport } from '../../../src/pipeline/reports/readTestReport';
import type { TestCaseResult, TestReport } from '../../../src/pipeline/reports/testReport';
import { readStageTests } from '../../../src/pipeline/run/stageTests';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'reports');
// The sample tests the fixtures came from are not on disk; the parsers only compute paths.
const FOLDER = path.join(os.tmpdir(), 'conveyor-report-sample');

/** A stored report with the sample folder the tool ran in put back (see the fixtures' README). */
async function fixture(name: string, folder = FOLDER): Promise<string> {
  return (await readFile(path.join(FIXTURES, name), 'utf8')).replaceAll('__FOLDER__', folder);
}

function testNamed(report: TestReport, name: string): TestCaseResult {
  const found = report.suites.flatMap((suite) => suite.tests).find((test) => test.name === name);
  assert.ok(found, `no test named ${name} in ${report.suites.map((suite) => suite.tests.map((test) => test.name).join(', ')).join(' | ')}`);
  return found;
}

function outcomes(report: TestReport): string[] {
  return report.suites.flatMap((suite) =>
    suite.tests.map((test) => `${suite.name} / ${test.className ?? '-'} / ${test.name}: ${test.outcome}`),
  );
}

/** The outcomes of the sample cart suite, the same whether Node's runner wrote JUnit or TAP. */
const NODE_CART_OUTCOMES = [
  'cart / cart / is empty at first: passed',
  'cart / cart > totals / sums prices times quantities: passed',
  'cart / cart > totals / applies the discount: failed',
  'cart / cart / ships abroad: skipped',
  'cart / cart / keeps a wish list: skipped',
  'cart / cart / rounds totals to cents: skipped',
];

describe('JUnit reports (unit)', () => {
  it('reads mocha-junit-reporter output: swapped names, flattened describes, folder-relative stacks', async () => {
    const report = parseJUnit(await fixture('mocha-junit.xml'), 'reports/mocha-junit.xml', FOLDER);

    assert.equal(report.format, 'junit');
    assert.equal(report.file, path.join(FOLDER, 'reports', 'mocha-junit.xml'));
    assert.deepEqual(outcomes(report), [
      'math / math / adds two numbers: passed',
      'multiplication / math multiplication / doubles a sum: failed',
    ]);
    assert.equal(report.suites[0].file, path.join(FOLDER, 'test', 'math.test.js'));
    // The skipped test is not listed, but mocha counted it and so do we.
    assert.deepEqual(report.counts, { total: 3, passed: 1, failed: 1, skipped: 1 });

    const failed = testNamed(report, 'doubles a sum');
    assert.equal(failed.message, 'Expected values to be strictly equal:\n\n8 !== 9');
    assert.match(failed.details ?? '', /^AssertionError \[ERR_ASSERTION\]/);
    assert.deepEqual(failed.location, { file: path.join(FOLDER, 'test', 'math.test.js'), line: 14, column: 14 });
    assert.equal(failed.durationMs, 1);
  });

  it('lists pending mocha tests with includePending and does not count them twice', async () => {
    const report = parseJUnit(await fixture('mocha-junit-pending.xml'), 'mocha-junit-pending.xml', FOLDER);

    assert.equal(testNamed(report, 'divides by zero').outcome, 'skipped');
    assert.deepEqual(report.counts, { total: 3, passed: 1, failed: 1, skipped: 1 });
  });

  it('reads Node test runner output: loose tests, nested suites, file URLs, todo tests', async () => {
    const report = parseJUnit(await fixture('node-junit.xml'), 'node-junit.xml', FOLDER);

    // Node writes a <failure> as well for a failing todo test, yet counts it as todo.
    assert.deepEqual(outcomes(report), ['node-junit.xml / - / formats an empty cart: passed', ...NODE_CART_OUTCOMES]);
    // Node's own summary in the same file: pass 3, fail 1, skipped 1, todo 2.
    assert.deepEqual(report.counts, { total: 7, passed: 3, failed: 1, skipped: 3 });

    const failed = testNamed(report, 'applies the discount');
    assert.equal(failed.message, 'Expected values to be strictly equal:10 !== 9');
    // The first frames are `async Promise.all` and the error's own; the test line comes from the cause.
    assert.deepEqual(failed.location, { file: path.join(FOLDER, 'test', 'cart.test.mjs'), line: 23, column: 14 });
    assert.match(failed.details ?? '', /TestContext\.<anonymous>/, 'entities such as &lt; are decoded');
    assert.equal(failed.durationMs, 1.335);
  });

  it('reads pytest output: file/line attributes counted from 0, <error>, captured output', async () => {
    const report = parseJUnit(await fixture('pytest-junit.xml'), 'pytest-junit.xml', FOLDER);
    const testFile = path.join(FOLDER, 'tests', 'test_inventory.py');

    assert.deepEqual(report.counts, { total: 4, passed: 1, failed: 2, skipped: 1 });
    const failed = testNamed(report, 'test_restock_negative');
    assert.equal(failed.className, 'tests.test_inventory.TestInventory');
    assert.equal(failed.message, 'assert -5 == 0\n +  where -5 = restock(5, -10)');
    assert.deepEqual(failed.location, { file: testFile, line: 12 });
    assert.equal(failed.output, 'restocking with a negative amount');

    const setupError = testNamed(report, 'test_uses_warehouse');
    assert.equal(setupError.outcome, 'failed');
    assert.equal(setupError.message, 'failed on setup with "RuntimeError: warehouse offline"');
    assert.deepEqual(setupError.location, { file: testFile, line: 26 });
    assert.equal(testNamed(report, 'test_restock_adds').output, undefined, 'a banner alone is no output');
  });

  it('finds the failing line in the first stack frame inside the folder, skipping node_modules and Node internals', () => {
    const outside = path.join(os.tmpdir(), 'elsewhere', 'lib.js');
    const xml = `<?xml version="1.0"?>
<testsuite name="api" tests="2">
  <testcase name="rejects bad input" classname="api.validation" time="0.25">
    <error message="boom" type="TypeError"><![CDATA[TypeError: boom <&>
    at check (${FOLDER}/node_modules/validator/index.js:3:9)
    at node:internal/process/task_queues:95:5
    at helper (${outside}:1:1)
    at ${FOLDER}/src/api.js:40:11
    at Context.<anonymous> (test/api.test.js:12:5)]]></error>
    <system-out><![CDATA[request <1>]]></system-out>
    <system-err>warning</system-err>
  </testcase>
  <testcase name="accepts good input" classname="api.validation"/>
</testsuite>`;
    const report = parseJUnit(xml, path.join(FOLDER, 'junit.xml'), FOLDER);

    assert.deepEqual(report.counts, { total: 2, passed: 1, failed: 1, skipped: 0 });
    const failed = testNamed(report, 'rejects bad input');
    assert.equal(failed.className, 'api.validation');
    assert.equal(failed.message, 'boom');
    assert.match(failed.details ?? '', /^TypeError: boom <&>/);
    assert.deepEqual(failed.location, { file: path.join(FOLDER, 'src', 'api.js'), line: 40, column: 11 });
    assert.equal(failed.output, 'request <1>\nwarning');
    assert.equal(failed.durationMs, 250);
  });

  it('reads a Surefire report: a failure and an error at the test class’s line, in the module’s test sources', async () => {
    // The test class (JUnit 4): line 11 `assertEquals(5, new Cart().total(List.of(2, 4)));`,
    // line 16 `assertEquals(0, new Cart().total(null));` (Cart.total throws; Surefire trims the trace to the test).
    const xml = await fixture('surefire-TEST-shop.CartTest.xml');
    const inModule = parseJUnit(xml, path.join(FOLDER, 'core', 'target', 'surefire-reports', 'TEST-shop.CartTest.xml'), FOLDER);
    assert.deepEqual(outcomes(inModule), [
      'shop.CartTest / shop.CartTest / empty: failed',
      'shop.CartTest / shop.CartTest / total: failed',
    ]);
    const testFile = path.join(FOLDER, 'core', 'src', 'test', 'java', 'shop', 'CartTest.java');
    assert.deepEqual(testNamed(inModule, 'total').location, { file: testFile, line: 11 });
    assert.equal(testNamed(inModule, 'total').message, 'expected:<5> but was:<6>');
    assert.deepEqual(testNamed(inModule, 'empty').location, { file: testFile, line: 16 });
    assert.match(testNamed(inModule, 'empty').message ?? '', /^Cannot invoke "java\.util\.List\.iterator\(\)"/);
    // Gradle's folder, a Kotlin test, a nested class; a frame of another class is not the test's line.
    const kotlin = xml
      .replaceAll('CartTest.java', 'CartTest.kt')
      .replaceAll('classname="shop.CartTest"', 'classname="shop.CartTest$Empty"');
    const gradle = parseJUnit(kotlin, path.join(FOLDER, 'build', 'test-results', 'test', 'TEST-shop.CartTest.xml'), FOLDER);
    assert.deepEqual(testNamed(gradle, 'total').location, {
      file: path.join(FOLDER, 'src', 'test', 'kotlin', 'shop', 'CartTest.kt'),
      line: 11,
    });
    // Gradle's test workers (Java 9+) name the class loader, and a Kotlin test's name may hold spaces.
    const gradleFrames = kotlin.replaceAll('at shop.CartTest.total(', 'at app//shop.CartTest.adds two items(');
    const fromGradle = parseJUnit(gradleFrames, path.join(FOLDER, 'build', 'test-results', 'test', 'TEST-shop.CartTest.xml'), FOLDER);
    assert.deepEqual(testNamed(fromGradle, 'total').location, {
      file: path.join(FOLDER, 'src', 'test', 'kotlin', 'shop', 'CartTest.kt'),
      line: 11,
    });
    // The report folder nearest the file names the module, whatever the folders above it are called.
    const nested = parseJUnit(
      xml,
      path.join(FOLDER, 'build', 'test-results', 'x', 'core', 'target', 'surefire-reports', 'TEST-shop.CartTest.xml'),
      FOLDER,
    );
    assert.equal(
      testNamed(nested, 'total').location?.file,
      path.join(FOLDER, 'build', 'test-results', 'x', 'core', 'src', 'test', 'java', 'shop', 'CartTest.java'),
    );
    const otherClass = xml.replaceAll('at shop.CartTest.total', 'at shop.Cart.total');
    assert.equal(testNamed(parseJUnit(otherClass, 'TEST-shop.CartTest.xml', FOLDER), 'total').location, undefined);
  });

  it('reads a report with no tests as an empty report', () => {
    const report = parseJUnit('<testsuites name="none" tests="0"/>', 'junit.xml', FOLDER);
    assert.deepEqual(report.suites, []);
    assert.deepEqual(report.counts, { total: 0, passed: 0, failed: 0, skipped: 0 });
  });

  it('names the file, line and column of malformed XML', () => {
    const xml = '<testsuites>\n  <testsuite name="a">\n    <testcase name="b">\n  </testsuite>\n</testsuites>\n';
    assert.throws(
      () => parseJUnit(xml, 'reports/junit.xml', FOLDER),
      (error: Error) => {
        assert.match(error.message, /^The JUnit report reports[/\\]junit\.xml is not well-formed XML at line 4, column 3: /);
        assert.match(error.message, /testcase/);
        return true;
      },
    );
  });

  it('refuses empty files, other XML and declared entities', () => {
    assert.throws(() => parseJUnit(' \n', 'junit.xml', FOLDER), /The JUnit report junit\.xml is empty/);
    assert.throws(
      () => parseJUnit('<html><body/></html>', 'junit.xml', FOLDER),
      /should start with <testsuites> or <testsuite> but has <html>/,
    );
    const entities = '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x "expanded">]><testsuites><testsuite name="&x;"/></testsuites>';
    assert.throws(() => parseJUnit(entities, 'junit.xml', FOLDER), /declares XML entities in its DOCTYPE/);
  });
});

describe('TAP reports (unit)', () => {
  it('reads Node test runner TAP: subtests as suites, describe blocks not counted, stack line over declaration line', async () => {
    const report = parseTap(await fixture('node.tap'), 'node.tap', FOLDER);

    assert.equal(report.format, 'tap');
    assert.deepEqual(outcomes(report), ['node.tap / - / formats an empty cart: passed', ...NODE_CART_OUTCOMES]);
    // The same run as node-junit.xml, and the same totals.
    assert.deepEqual(report.counts, { total: 7, passed: 3, failed: 1, skipped: 3 });

    const failed = testNamed(report, 'applies the discount');
    assert.equal(failed.message, 'Expected values to be strictly equal:\n\n10 !== 9');
    assert.match(failed.details ?? '', /^TestContext\.<anonymous> \(file:\/\//);
    // `location` says line 22 (the it() call); the stack has the failing assertion.
    assert.deepEqual(failed.location, { file: path.join(FOLDER, 'test', 'cart.test.mjs'), line: 23, column: 14 });
    assert.equal(failed.durationMs, 1.234208);
  });

  it('reads classic TAP 13 with YAML diagnostics, SKIP and TODO', () => {
    const tap = [
      'TAP version 13',
      '1..4',
      'ok 1 - parses the header',
      'not ok 2 - parses the body',
      '  ---',
      '  message: "expected 2 rows, got 1"',
      '  at:',
      '    file: test/body.js',
      '    line: 17',
      '    column: 5',
      '  ...',
      'ok 3 - streams big files # SKIP needs a fixture',
      'not ok 4 - handles BOMs # TODO',
      '',
    ].join('\n');
    const report = parseTap(tap, 'results.tap', FOLDER);

    assert.deepEqual(outcomes(report), [
      'results.tap / - / parses the header: passed',
      'results.tap / - / parses the body: failed',
      'results.tap / - / streams big files: skipped',
      'results.tap / - / handles BOMs: skipped',
    ]);
    const failed = testNamed(report, 'parses the body');
    assert.equal(failed.message, 'expected 2 rows, got 1');
    assert.deepEqual(failed.location, { file: path.join(FOLDER, 'test', 'body.js'), line: 17, column: 5 });
  });

  it("falls back to the test's location and keeps a failing suite that has no failing test", () => {
    const file = path.join(FOLDER, 'test', 'db.test.mjs');
    const tap = [
      'TAP version 13',
      '# Subtest: database',
      '    # Subtest: connects',
      '    not ok 1 - connects',
      '      ---',
      `      location: 'file://${file}:7:3'`,
      "      error: 'connection refused'",
      '      ...',
      '    1..1',
      'not ok 1 - database',
      '  ---',
      "  type: 'suite'",
      '  ...',
      '# Subtest: migrations',
      '    1..0',
      'not ok 2 - migrations',
      '  ---',
      "  type: 'suite'",
      "  error: 'before() hook failed'",
      '  ...',
      '1..2',
      '',
    ].join('\n');
    const report = parseTap(tap, 'db.tap', FOLDER);

    assert.deepEqual(outcomes(report), ['database / database / connects: failed', 'db.tap / - / migrations: failed']);
    assert.deepEqual(testNamed(report, 'connects').location, { file, line: 7, column: 3 });
    assert.equal(testNamed(report, 'migrations').message, 'before() hook failed');
  });

  it('refuses a bail out, an empty file, text that is not TAP, a run cut short and a broken plan', () => {
    assert.throws(
      () => parseTap('TAP version 13\n1..3\nok 1 - a\nBail out! database down\n', 'run.tap', FOLDER),
      /The TAP report run\.tap says "Bail out!": database down/,
    );
    assert.throws(() => parseTap('', 'run.tap', FOLDER), /The TAP report run\.tap is empty/);
    assert.throws(() => parseTap("Error: Cannot find module 'tap'\n", 'run.tap', FOLDER), /is not TAP: it has no "ok"\/"not ok" lines/);
    assert.throws(() => parseTap('TAP version 13\n# Subtest: a\n    ok 1 - b\n', 'run.tap', FOLDER), /ends without its "1\.\.N" plan/);
    assert.throws(
      () => parseTap('TAP version 13\n1..3\nok 1 - a\nok 2 - b\n', 'run.tap', FOLDER),
      /is inconsistent \(incorrect number of tests\); planned 1\.\.3, found 2 test lines/,
    );
  });

  it('reads a plan of 1..0 as a run with no tests', () => {
    assert.deepEqual(parseTap('1..0 # SKIP no database\n', 'run.tap', FOLDER).counts, { total: 0, passed: 0, failed: 0, skipped: 0 });
  });
});

describe('readTestReport (unit)', () => {
  let folder: string;

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'conveyor-reports-'));
    await mkdir(path.join(folder, 'reports'));
    await writeFile(path.join(folder, 'reports', 'junit.xml'), `\uFEFF${await fixture('node-junit.xml', folder)}`);
    await writeFile(path.join(folder, 'reports', 'node.tap'), await fixture('node.tap', folder));
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads the report at a path relative to the folder, whatever its format', async () => {
    const junit = await readTestReport('junit', 'reports/junit.xml', folder);
    assert.equal(junit.file, path.join(folder, 'reports', 'junit.xml'));
    assert.deepEqual(junit.counts, { total: 7, passed: 3, failed: 1, skipped: 3 });
    assert.deepEqual(testNamed(junit, 'applies the discount').location, {
      file: path.join(folder, 'test', 'cart.test.mjs'),
      line: 23,
      column: 14,
    });

    const tap = await readTestReport('tap', path.join(folder, 'reports', 'node.tap'), folder);
    assert.equal(tap.format, 'tap');
    assert.deepEqual(tap.counts, junit.counts);
  });

  it('says which report the stage did not write', async () => {
    await assert.rejects(readTestReport('junit', 'reports/missing.xml', folder), (error: Error) => {
      assert.match(error.message, /^The stage did not write its JUnit report at reports[/\\]missing\.xml\./);
      return true;
    });
    await assert.rejects(readTestReport('tap', 'missing/run.tap', folder), /did not write its TAP report at missing[/\\]run\.tap/);
  });

  it('refuses a report over 50 MB without reading it', async () => {
    const huge = path.join(folder, 'reports', 'huge.xml');
    // A sparse file: the size is what the check sees, and it costs no disk space or time.
    await writeFile(huge, '');
    await truncate(huge, MAX_REPORT_BYTES + 10 * 1024 * 1024);
    await assert.rejects(
      readTestReport('junit', huge, folder),
      /The JUnit report reports[/\\]huge\.xml is 60 MB; Conveyor reads reports up to 50 MB/,
    );
  });
});

describe('a stage’s reports found by a glob (unit)', () => {
  let folder: string;
  let outside: string | undefined;
  const surefire = '**/target/surefire-reports/TEST-*.xml';
  const write = async (relative: string, text: string) => {
    await mkdir(path.dirname(path.join(folder, relative)), { recursive: true });
    await writeFile(path.join(folder, relative), text);
  };
  const passing = (className: string) =>
    `<testsuite name="${className}" tests="1"><testcase name="adds" classname="${className}" time="0.001"/></testsuite>`;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'conveyor-glob-reports-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
    if (outside) await rm(outside, { recursive: true, force: true });
  });

  it('adds up the reports this run wrote in every module, leaves out an older one, and shows the failing report', async () => {
    const started = Date.now();
    await write('core/target/surefire-reports/TEST-shop.CartTest.xml', await fixture('surefire-TEST-shop.CartTest.xml', folder));
    await write('app/target/surefire-reports/TEST-shop.AppTest.xml', passing('shop.AppTest'));
    // The test classes' files: Surefire's reports do not name them.
    await write('core/src/test/java/shop/CartTest.java', 'package shop;\n');
    await write('app/src/test/kotlin/shop/AppTest.kt', 'package shop\n');
    // A test class deleted since: Surefire leaves its report until `mvn clean`.
    await write('app/target/surefire-reports/TEST-shop.GoneTest.xml', passing('shop.GoneTest'));
    const hourAgo = new Date(started - 3_600_000);
    await utimes(path.join(folder, 'app/target/surefire-reports/TEST-shop.GoneTest.xml'), hourAgo, hourAgo);
    await write('node_modules/x/target/surefire-reports/TEST-x.XTest.xml', passing('x.XTest'));
    // Links out of the folder are not followed, a linked report is not read.
    outside = await mkdtemp(path.join(os.tmpdir(), 'conveyor-outside-'));
    await mkdir(path.join(outside, 'target', 'surefire-reports'), { recursive: true });
    await writeFile(path.join(outside, 'target', 'surefire-reports', 'TEST-o.OTest.xml'), passing('o.OTest'));
    await symlink(outside, path.join(folder, 'linked'));
    await symlink(
      path.join(outside, 'target', 'surefire-reports', 'TEST-o.OTest.xml'),
      path.join(folder, 'app/target/surefire-reports/TEST-o.OTest.xml'),
    );

    const tests = await readStageTests({ name: 'test', run: 'mvn -B test', junit: surefire, source: 'pom.xml' }, folder, started);
    assert.ok(tests);
    assert.deepEqual(tests.counts, { total: 3, passed: 1, failed: 2, skipped: 0 });
    assert.deepEqual(
      tests.results.map((r) => `${r.suite} ${r.name} ${r.outcome}`),
      ['shop.AppTest adds passed', 'shop.CartTest empty failed', 'shop.CartTest total failed'],
    );
    assert.deepEqual(
      tests.failures.map((f) => f.location),
      [
        { file: path.join(folder, 'core', 'src', 'test', 'java', 'shop', 'CartTest.java'), line: 16 },
        { file: path.join(folder, 'core', 'src', 'test', 'java', 'shop', 'CartTest.java'), line: 11 },
      ],
    );
    assert.equal(tests.reportFile, path.join(folder, 'core', 'target', 'surefire-reports', 'TEST-shop.CartTest.xml'));
    assert.deepEqual(
      tests.results.map((r) => r.suiteFile && path.relative(folder, r.suiteFile)),
      [
        path.join('app', 'src', 'test', 'kotlin', 'shop', 'AppTest.kt'),
        path.join('core', 'src', 'test', 'java', 'shop', 'CartTest.java'),
        path.join('core', 'src', 'test', 'java', 'shop', 'CartTest.java'),
      ],
      'each test opens its class’s file, found in its module by its package',
    );
    assert.equal(tests.error, undefined);
  });

  it('finds a JVM test class in the stage’s folder when the report is outside target and build, and below target for sbt', async () => {
    const started = Date.now();
    // Surefire's reportsDirectory pointed elsewhere, in a stage that runs in backend/.
    await write('backend/reports/TEST-shop.CartTest.xml', await fixture('surefire-TEST-shop.CartTest.xml', folder));
    await write('backend/src/test/java/shop/CartTest.java', 'package shop;\n');
    // A suite named like a sentence (mocha) is not taken for a class.
    await write('backend/reports/TEST-mocha.xml', passing('Cart totals'));
    const stage = { name: 'test', run: 'mvn test', cwd: 'backend', junit: 'backend/reports/TEST-*.xml', source: 'conveyor.yml' };
    const tests = await readStageTests(stage, folder, started);
    const testFile = path.join(folder, 'backend', 'src', 'test', 'java', 'shop', 'CartTest.java');
    assert.deepEqual(
      tests?.failures.map((f) => f.location),
      [
        { file: testFile, line: 16 },
        { file: testFile, line: 11 },
      ],
    );
    assert.deepEqual(
      tests?.results.map((r) => `${r.suite}: ${r.suiteFile ?? 'no file'}`),
      ['Cart totals: no file', `shop.CartTest: ${testFile}`, `shop.CartTest: ${testFile}`],
    );
    // sbt writes target/test-reports/ below the module it tested.
    await write('api/target/test-reports/TEST-shop.ApiTest.xml', passing('shop.ApiTest'));
    await write('api/src/test/scala/shop/ApiTest.scala', 'package shop\n');
    const sbt = await readStageTests(
      { name: 'test', run: 'sbt test', junit: '**/target/test-reports/TEST-*.xml', source: 'conveyor.yml' },
      folder,
      started,
    );
    assert.deepEqual(
      sbt?.results.map((r) => r.suiteFile),
      [path.join(folder, 'api', 'src', 'test', 'scala', 'shop', 'ApiTest.scala')],
    );
  });

  it('counts the readable reports and names the one it could not read', async () => {
    const started = Date.now();
    await write('target/surefire-reports/TEST-shop.AppTest.xml', passing('shop.AppTest'));
    await write('target/surefire-reports/TEST-shop.BrokenTest.xml', '<testsuite name="shop.BrokenTest"><testcase');
    const tests = await readStageTests({ name: 'test', run: 'mvn test', junit: surefire, source: 'conveyor.yml' }, folder, started);
    assert.deepEqual(tests?.counts, { total: 1, passed: 1, failed: 0, skipped: 0 });
    assert.equal(tests?.error, undefined, 'the readable report counts');
    assert.match(
      tests?.warning ?? '',
      /The JUnit report target[/\\]surefire-reports[/\\]TEST-shop\.BrokenTest\.xml is not well-formed XML/,
    );
  });

  it('reads a path that names a file as that file, glob characters or not', async () => {
    const started = Date.now();
    await write('reports (ci)/junit.xml', passing('shop.AppTest'));
    const tests = await readStageTests(
      { name: 'test', run: 'npm test', junit: 'reports (ci)/junit.xml', source: 'conveyor.yml' },
      folder,
      started,
    );
    assert.deepEqual(tests?.counts, { total: 1, passed: 1, failed: 0, skipped: 0 });
    assert.equal(tests?.reportFile, path.join(folder, 'reports (ci)', 'junit.xml'));
  });

  it('says so when a glob of conveyor.yml finds no report of this run; a detected stage of a project without tests shows none', async () => {
    const started = Date.now();
    const configured = await readStageTests({ name: 'test', run: 'mvn test', junit: surefire, source: 'conveyor.yml' }, folder, started);
    assert.equal(configured?.error, `No JUnit report matching ${surefire} was written by this run.`);
    // Gradle's test task, up to date, ran nothing and left the last run's reports.
    const gradle = '**/build/test-results/*/TEST-*.xml';
    await write('build/test-results/test/TEST-shop.AppTest.xml', passing('shop.AppTest'));
    const hourAgo = new Date(started - 3_600_000);
    await utimes(path.join(folder, 'build/test-results/test/TEST-shop.AppTest.xml'), hourAgo, hourAgo);
    const upToDate = await readStageTests({ name: 'test', run: 'gradle test', junit: gradle, source: 'conveyor.yml' }, folder, started);
    assert.equal(
      upToDate?.error,
      `No JUnit report matching ${gradle} was written by this run (1 from an earlier run is there: a test task that was up to date writes none).`,
    );
    // A stage that failed may have stopped before its tests (a compile error): no guess about why.
    const failed = await readStageTests(
      { name: 'test', run: 'gradle test', junit: gradle, source: 'conveyor.yml' },
      folder,
      started,
      false,
    );
    assert.equal(failed?.error, `No JUnit report matching ${gradle} was written by this run.`);
    assert.equal(
      await readStageTests({ name: 'test', run: 'mvn -B test', junit: surefire, source: 'pom.xml' }, folder, started),
      undefined,
    );
  });
});
