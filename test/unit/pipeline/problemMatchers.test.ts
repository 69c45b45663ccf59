import * as assert from 'node:assert/strict';
import { cleanLine, LineSplitter, MAX_LINE_LENGTH, RingBuffer } from '../../../src/core/outputLines';
import { createProblemMatcher } from '../../../src/pipeline/problemMatchers';
import type { ProblemMatcherConfig } from '../../../src/core/config/conveyorConfig';
import { StageProblems, type Problem } from '../../../src/pipeline/problem';
import { LINE_BUDGET_MS, startStageMatcher } from '../../../src/pipeline/stageMatcher';

function matchAll(matcherName: Parameters<typeof createProblemMatcher>[0], lines: string[]): Problem[] {
  const matcher = createProblemMatcher(matcherName, '/ws/app', 'stage');
  return [...lines.flatMap((l) => matcher.match(cleanLine(l)) ?? []), ...(matcher.finish?.() ?? [])];
}

// Output captured from the real tools (tsc 5.9, eslint 10) on small files.
const TSC_PLAIN = "bad.ts(1,7): error TS2322: Type 'string' is not assignable to type 'number'.";
const TSC_PRETTY =
  "\u001b[96mbad.ts\u001b[0m:\u001b[93m1\u001b[0m:\u001b[93m7\u001b[0m - \u001b[91merror\u001b[0m\u001b[90m TS2322: \u001b[0mType 'string' is not assignable to type 'number'.";
const ESLINT_STYLISH = [
  '',
  '/ws/app/src/a.js',
  "  1:7  error    'a' is assigned a value but never used  no-unused-vars",
  '  2:1  warning  Unexpected console statement            no-console',
  '',
  '✖ 2 problems (1 error, 1 warning)',
];

describe('problem matchers (unit)', () => {
  it('reads tsc errors in plain and --pretty (coloured) form', () => {
    for (const line of [TSC_PLAIN, TSC_PRETTY]) {
      assert.deepEqual(matchAll('tsc', [line]), [
        {
          file: '/ws/app/bad.ts',
          line: 1,
          column: 7,
          severity: 'error',
          message: "Type 'string' is not assignable to type 'number'.",
          code: 'TS2322',
          source: 'tsc',
        },
      ]);
    }
  });

  it('reads eslint’s stylish output, remembering the file header', () => {
    const problems = matchAll('eslint', ESLINT_STYLISH);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.column, p.severity, p.code, p.message]),
      [
        ['/ws/app/src/a.js', 1, 7, 'error', 'no-unused-vars', "'a' is assigned a value but never used"],
        ['/ws/app/src/a.js', 2, 1, 'warning', 'no-console', 'Unexpected console statement'],
      ],
    );
  });

  it('reads generic file:line:col output (gcc, go vet, mypy) and ignores URLs and prose', () => {
    const problems = matchAll('generic', [
      'src/main.c:3:5: error: expected ; before return',
      './cmd/server.go:12:2: undefined: handler',
      'app/models.py:40: note: see the definition',
      'Listening on http://localhost:8080/health',
      'make: *** [Makefile:4: build] Error 2',
      'Found 1 error in bad.ts:1',
    ]);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.column, p.severity, p.message]),
      [
        ['/ws/app/src/main.c', 3, 5, 'error', 'expected ; before return'],
        ['/ws/app/cmd/server.go', 12, 2, 'error', 'undefined: handler'],
        ['/ws/app/app/models.py', 40, 1, 'info', 'see the definition'],
      ],
    );
  });

  it('reads files at the root by their bare names, and eslint’s unix format with its severity and rule', () => {
    const problems = matchAll('generic', [
      'main.c:12:5: error: expected declaration',
      './main.go:10:2: undefined: foo',
      'setup.py:3: warning: deprecated option',
      '/ws/app/src/a.js:2:1: Unexpected console statement [Warning/no-console]',
      "/ws/app/src/a.js:1:7: 'a' is assigned a value but never used [Error/no-unused-vars]",
    ]);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.column, p.severity, p.code, p.message]),
      [
        ['/ws/app/main.c', 12, 5, 'error', undefined, 'expected declaration'],
        ['/ws/app/main.go', 10, 2, 'error', undefined, 'undefined: foo'],
        ['/ws/app/setup.py', 3, 1, 'warning', undefined, 'deprecated option'],
        ['/ws/app/src/a.js', 2, 1, 'warning', 'no-console', 'Unexpected console statement'],
        ['/ws/app/src/a.js', 1, 7, 'error', 'no-unused-vars', "'a' is assigned a value but never used"],
      ],
    );
  });

  it('reads rustc’s errors and warnings (cargo build, clippy) with their location on the next line', () => {
    // cargo 1.95: a build error, a warning, then clippy with -D warnings; the summaries have no location.
    const problems = matchAll('generic', [
      '   Compiling demo v0.1.0 (/tmp/rs/demo)',
      'error[E0425]: cannot find value `c` in this scope',
      ' --> src/lib.rs:3:9',
      '  |',
      '3 |     a + c',
      '  |         ^',
      'warning: unused variable: `unused`',
      ' --> src/lib.rs:2:9',
      '  = note: `#[warn(unused_variables)]` (part of `#[warn(unused)]`) on by default',
      'warning: `demo` (lib) generated 1 warning (run `cargo fix --lib -p demo` to apply 1 suggestion)',
      'error: unneeded `return` statement',
      '  --> crates/core/src/lib.rs:14:5',
      'error: could not compile `demo` (lib) due to 2 previous errors',
      'warning: build failed, waiting for other jobs to finish...',
      '     Running unittests src/lib.rs (target/debug/deps/demo-8348ca7a80742723)',
    ]);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.column, p.severity, p.code, p.message]),
      [
        ['/ws/app/src/lib.rs', 3, 9, 'error', 'E0425', 'cannot find value `c` in this scope'],
        ['/ws/app/src/lib.rs', 2, 9, 'warning', undefined, 'unused variable: `unused`'],
        ['/ws/app/crates/core/src/lib.rs', 14, 5, 'error', undefined, 'unneeded `return` statement'],
      ],
    );
  });

  it('reads a failing Rust test’s panic at its line, in the format since Rust 1.73 and the quoted one before (Debian’s 1.63)', () => {
    const since173 = [
      '---- tests::adds stdout ----',
      '',
      "thread 'tests::adds' (23309) panicked at src/lib.rs:11:9:",
      'assertion `left == right` failed',
      '  left: 4',
      ' right: 3',
      'stack backtrace:',
      '   4: demo::tests::adds',
      '             at ./src/lib.rs:11:9',
      "thread 'tests::panics_plainly' (23310) panicked at src/lib.rs:16:9:",
      'zero stays zero',
    ];
    const quoted = [
      '---- tests::adds stdout ----',
      "thread 'tests::adds' panicked at 'assertion failed: `(left == right)`",
      '  left: `4`,',
      " right: `3`', src/lib.rs:11:9",
      'note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace',
      "thread 'tests::panics_plainly' panicked at 'zero stays zero', src/lib.rs:16:9",
    ];
    const read = (lines: string[]) => matchAll('generic', lines).map((p) => [p.file, p.line, p.column, p.severity, p.message]);
    assert.deepEqual(read(since173), [
      ['/ws/app/src/lib.rs', 11, 9, 'error', 'tests::adds panicked: assertion `left == right` failed'],
      ['/ws/app/src/lib.rs', 16, 9, 'error', 'tests::panics_plainly panicked: zero stays zero'],
    ]);
    assert.deepEqual(read(quoted), [
      ['/ws/app/src/lib.rs', 11, 9, 'error', 'tests::adds panicked: assertion failed: `(left == right)`'],
      ['/ws/app/src/lib.rs', 16, 9, 'error', 'tests::panics_plainly panicked: zero stays zero'],
    ]);
  });

  it('reads a failed minitest assertion (rake test) at its line, with what was expected, and an error where it was raised', () => {
    // Ruby 3.1's minitest 5.15: a failure, then an error raised in the project's code (with error_highlight's
    // two lines), one raised in a gem (it lands on the test's own line), and one with no frame in the folder.
    const problems = matchAll('generic', [
      '  1) Failure:',
      'CalculatorTest#test_add [/ws/app/test/calculator_test.rb:6]:',
      'Expected: 3',
      '  Actual: 4',
      '',
      '  2) Error:',
      'CalculatorTest#test_raises:',
      "NoMethodError: undefined method `divide' for nil:NilClass",
      '',
      '    @calculator.divide(1, 0)',
      '               ^^^^^^^',
      "    /ws/app/lib/calculator.rb:12:in `halve'",
      "    /ws/app/test/calculator_test.rb:10:in `test_raises'",
      '',
      '  3) Error:',
      'CalculatorTest#test_parses:',
      'JSON::ParserError: unexpected token',
      "    /usr/lib/ruby/3.1.0/json/common.rb:216:in `parse'",
      "    /ws/app/vendor/bundle/ruby/3.1.0/gems/oj-3.13/lib/oj.rb:5:in `load'",
      "    test/calculator_test.rb:14:in 'CalculatorTest#test_parses'",
      '',
      '  4) Error:',
      'CalculatorTest#test_outside:',
      'RuntimeError: boom',
      "    /usr/lib/ruby/3.1.0/open3.rb:9:in `popen'",
      '  5) Failure:',
      'CalculatorTest#test_sub [/ws/app/test/calculator_test.rb:20]:',
      'Expected: 1',
      '5 runs, 2 assertions, 2 failures, 3 errors, 0 skips',
    ]);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.severity, p.message]),
      [
        ['/ws/app/test/calculator_test.rb', 6, 'error', 'CalculatorTest#test_add: Expected: 3'],
        ['/ws/app/lib/calculator.rb', 12, 'error', "CalculatorTest#test_raises: NoMethodError: undefined method `divide' for nil:NilClass"],
        ['/ws/app/test/calculator_test.rb', 14, 'error', 'CalculatorTest#test_parses: JSON::ParserError: unexpected token'],
        ['/ws/app/test/calculator_test.rb', 20, 'error', 'CalculatorTest#test_sub: Expected: 1'],
      ],
    );
  });

  it('reads RuboCop’s offenses with their cops, conventions as information', () => {
    // RuboCop 1.39's default (progress) format, each offense followed by its source line and a caret line.
    const problems = matchAll('generic', [
      'Offenses:',
      '',
      'Rakefile:1:1: C: [Correctable] Style/FrozenStringLiteralComment: Missing frozen string literal comment.',
      "require 'rake/testtask'",
      '^',
      'lib/bad.rb:3:5: W: Lint/UselessAssignment: Useless assignment to variable - x.',
      '    x = 1',
      '    ^',
      'lib/bad.rb:4:1: E: Lint/Syntax: unexpected token kEND',
      '/ws/app/lib/bad.rb:9:3: F: Lint/Syntax: An error occurred while Lint/Syntax cop was inspecting it.',
      'lib/bad.rb:1:1: R: Metrics/AbcSize: Assignment Branch Condition size for total is too high. [<1, 18, 4> 18.47/17]',
      '',
      '4 files inspected, 5 offenses detected, 1 offense autocorrectable',
    ]);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.column, p.severity, p.code, p.message]),
      [
        ['/ws/app/Rakefile', 1, 1, 'info', 'Style/FrozenStringLiteralComment', 'Missing frozen string literal comment.'],
        ['/ws/app/lib/bad.rb', 3, 5, 'warning', 'Lint/UselessAssignment', 'Useless assignment to variable - x.'],
        ['/ws/app/lib/bad.rb', 4, 1, 'error', 'Lint/Syntax', 'unexpected token kEND'],
        ['/ws/app/lib/bad.rb', 9, 3, 'error', 'Lint/Syntax', 'An error occurred while Lint/Syntax cop was inspecting it.'],
        [
          '/ws/app/lib/bad.rb',
          1,
          1,
          'info',
          'Metrics/AbcSize',
          'Assignment Branch Condition size for total is too high. [<1, 18, 4> 18.47/17]',
        ],
      ],
    );
  });

  it('reads go test’s failures with and without -v, naming the file by its package, and a panic at its own frame, not a passing test’s logs', () => {
    // Go 1.19, `go test ./...` on a module with a failing package and a passing one; then the same with -v.
    const plain = [
      'ok  \texample.com/shop\t0.023s',
      '--- FAIL: TestTotal (0.00s)',
      '    cart_test.go:6: adding up',
      '    cart_test.go:8: Total([2 3]) = 6, want 5',
      '    --- FAIL: TestTotal/empty (0.00s)',
      '        cart_test.go:12: Total(nil) = 1, want 0',
      'FAIL',
      'FAIL\texample.com/shop/internal/cart\t0.018s',
      'FAIL',
    ];
    const verbose = [
      '=== RUN   TestMain1',
      '    main_test.go:5: root ok',
      '--- PASS: TestMain1 (0.00s)',
      'PASS',
      'ok  \texample.com/shop\t0.011s',
      '=== RUN   TestPassing',
      '    cart_test.go:20: fine',
      '--- PASS: TestPassing (0.00s)',
      '=== RUN   TestTotal',
      '    cart_test.go:6: adding up',
      '    cart_test.go:8: Total([2 3]) = 6, want 5',
      '=== RUN   TestTotal/empty',
      '    cart_test.go:12: Total(nil) = 1, want 0',
      '--- FAIL: TestTotal (0.00s)',
      '    --- FAIL: TestTotal/empty (0.00s)',
      'FAIL',
      'FAIL\texample.com/shop/internal/cart\t0.009s',
      'FAIL',
    ];
    const expected = [
      ['/ws/app/example.com/shop/internal/cart/cart_test.go', 6, 'TestTotal: adding up'],
      ['/ws/app/example.com/shop/internal/cart/cart_test.go', 8, 'TestTotal: Total([2 3]) = 6, want 5'],
      ['/ws/app/example.com/shop/internal/cart/cart_test.go', 12, 'TestTotal/empty: Total(nil) = 1, want 0'],
    ];
    for (const output of [plain, verbose])
      assert.deepEqual(
        matchAll('generic', output).map((p) => [p.file, p.line, p.message]),
        expected,
      );
    // A panicking test: at the first frame in the folder, not in Go's testing and runtime packages.
    const panicked = [
      '--- FAIL: TestPanics (0.00s)',
      'panic: runtime error: index out of range [3] with length 0 [recovered]',
      '\tpanic: runtime error: index out of range [3] with length 0',
      '',
      'goroutine 8 [running]:',
      'testing.tRunner.func1.2({0x518a00, 0xc00001a150})',
      '\t/usr/lib/go-1.19/src/testing/testing.go:1396 +0x24e',
      'panic({0x518a00, 0xc00001a150})',
      '\t/usr/lib/go-1.19/src/runtime/panic.go:884 +0x212',
      'example.com/shop/internal/cart.TestPanics(0xc000007ba0?)',
      '\t/ws/app/internal/cart/panic_test.go:7 +0x1a',
      'testing.tRunner(0xc000120000, 0x52f348)',
      '\t/usr/lib/go-1.19/src/testing/testing.go:1446 +0x10b',
      'FAIL\texample.com/shop/internal/cart\t0.012s',
    ];
    assert.deepEqual(
      matchAll('generic', panicked).map((p) => [p.file, p.line, p.message]),
      [['/ws/app/internal/cart/panic_test.go', 7, 'TestPanics panicked: runtime error: index out of range [3] with length 0']],
    );
    // Outside a module and GOPATH the package is `_/` and its folder.
    assert.deepEqual(
      matchAll('generic', ['--- FAIL: TestX (0.00s)', '    x_test.go:3: no', 'FAIL\t_/tmp/x\t0.002s']).map((p) => p.file),
      ['/tmp/x/x_test.go'],
    );
  });

  it('reads pytest’s failures where they were raised, with the test and pytest’s explanation', () => {
    // pytest 9.0: an assertion, then a TypeError raised in the code under test (two traceback entries).
    const problems = matchAll('generic', [
      '=================================== FAILURES ===================================',
      '__________________________________ test_total __________________________________',
      '',
      '    def test_total():',
      '>       assert total([2, 3]) == 5',
      'E       assert 6 == 5',
      'E        +  where 6 = total([2, 3])',
      '',
      'tests/test_cart.py:5: AssertionError',
      '__________________________________ test_empty __________________________________',
      '',
      '    def test_empty():',
      '        prices = None',
      '>       assert total(prices) == 0',
      '',
      'tests/test_cart.py:10: ',
      '_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ ',
      '',
      'prices = None',
      '',
      '    def total(prices):',
      '>       return sum(prices) + 1',
      "E       TypeError: 'NoneType' object is not iterable",
      '',
      'shop/__init__.py:2: TypeError',
      '=========================== short test summary info ============================',
      'FAILED tests/test_cart.py::test_total - assert 6 == 5',
    ]);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.message]),
      [
        ['/ws/app/tests/test_cart.py', 5, 'test_total: assert 6 == 5'],
        ['/ws/app/shop/__init__.py', 2, "test_empty: TypeError: 'NoneType' object is not iterable"],
      ],
    );
  });

  it('reads the compiler errors and warnings Maven prints with their line and column, and javac’s explanation of each', () => {
    // Maven 3.8.7's compiler plugin 3.10.1 (javac 17, -Xlint:all), as printed, colours aside: the summary repeats the error.
    const problems = matchAll('generic', [
      '[INFO] --- maven-compiler-plugin:3.10.1:compile (default-compile) @ shop ---',
      '[WARNING] COMPILATION WARNING : ',
      '[INFO] -------------------------------------------------------------',
      '[WARNING] /ws/app/src/main/java/shop/Cart.java:[15,31] Integer(int) in java.lang.Integer has been deprecated and marked for removal',
      '[INFO] 1 warning',
      '[ERROR] COMPILATION ERROR : ',
      '[INFO] -------------------------------------------------------------',
      '[ERROR] /ws/app/src/main/java/shop/Cart.java:[9,22] cannot find symbol',
      '  symbol:   variable discount',
      '  location: class shop.Cart',
      '[INFO] 1 error',
      '[INFO] BUILD FAILURE',
      '[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.10.1:compile (default-compile) on project shop: Compilation failure',
      '[ERROR] /ws/app/src/main/java/shop/Cart.java:[9,22] cannot find symbol',
      '[ERROR]   symbol:   variable discount',
      '[ERROR]   location: class shop.Cart',
      '[ERROR] -> [Help 1]',
      '[ERROR] ',
      '[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.',
    ]);
    const found = (list: Problem[]) => list.map((p) => [p.file, p.line, p.column, p.severity, p.message]);
    const cannotFindSymbol = [
      '/ws/app/src/main/java/shop/Cart.java',
      9,
      22,
      'error',
      'cannot find symbol\nsymbol: variable discount\nlocation: class shop.Cart',
    ];
    const deprecated = [
      '/ws/app/src/main/java/shop/Cart.java',
      15,
      31,
      'warning',
      'Integer(int) in java.lang.Integer has been deprecated and marked for removal',
    ];
    assert.deepEqual(found(problems), [deprecated, cannotFindSymbol, cannotFindSymbol]);
    const stage = new StageProblems(500);
    problems.forEach((problem) => stage.add(problem));
    assert.deepEqual(found(stage.found), [deprecated, cannotFindSymbol], 'the engine keeps one of equal problems');
    assert.equal(stage.dropped, 0, 'a repeat is not a problem dropped over the limit');
  });

  it('ends a Maven error’s explanation at the first line that is not one, leaving the next lines to the other matchers', () => {
    const problems = matchAll('generic', [
      '[ERROR] /ws/app/src/main/java/shop/Cart.java:[9,22] cannot find symbol',
      '  symbol:   variable discount',
      // The summary's kind of line after the bare kind: not this error's explanation.
      '[ERROR]   location: class shop.Other',
      'error[E0425]: cannot find value `shipping` in this scope',
      '  --> src/lib.rs:3:11',
      '[WARNING] /ws/app/src/main/java/shop/Cart.java:[12,34] Integer(int) in java.lang.Integer has been deprecated',
      ...Array.from({ length: 10 }, (_, n) => `    line ${n} of another tool`),
    ]);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.severity, p.message]),
      [
        ['/ws/app/src/lib.rs', 3, 'error', 'cannot find value `shipping` in this scope'],
        ['/ws/app/src/main/java/shop/Cart.java', 9, 'error', 'cannot find symbol\nsymbol: variable discount'],
        [
          '/ws/app/src/main/java/shop/Cart.java',
          12,
          'warning',
          [
            'Integer(int) in java.lang.Integer has been deprecated',
            ...Array.from({ length: 6 }, (_, n) => `line ${n} of another tool`),
          ].join('\n'),
        ],
      ],
    );
  });

  it('reads Surefire’s failed and erroring tests at the test’s line, with the exception and its message', () => {
    const problems = matchAll('generic', [
      // Surefire 2.22.3 with JUnit 4 (Maven 3.8.7): the class in parentheses; the stack trimmed to the test.
      '[INFO] Running shop.CartTest',
      '[ERROR] Tests run: 2, Failures: 1, Errors: 1, Skipped: 0, Time elapsed: 0.01 s <<< FAILURE! - in shop.CartTest',
      '[ERROR] empty(shop.CartTest)  Time elapsed: 0.005 s  <<< ERROR!',
      'java.lang.NullPointerException: Cannot invoke "java.util.List.iterator()" because "prices" is null',
      '\tat shop.CartTest.empty(CartTest.java:16)',
      '',
      '[ERROR] total(shop.CartTest)  Time elapsed: 0.002 s  <<< FAILURE!',
      'java.lang.AssertionError: expected:<5> but was:<6>',
      '\tat shop.CartTest.total(CartTest.java:11)',
      '',
      // Surefire 2.22.3 with JUnit 5: the method alone, the class from `Running`.
      '[INFO] Running shop.PriceTest',
      '[ERROR] rounds  Time elapsed: 0.036 s  <<< FAILURE!',
      'org.opentest4j.AssertionFailedError: expected: <5> but was: <6>',
      '\tat shop.PriceTest.rounds(PriceTest.java:9)',
      '',
      '[INFO] Results:',
      '[ERROR]   CartTest.total:11 expected:<5> but was:<6>',
      // Surefire 3 (`--`), the whole stack, a message over lines, the failing line in a nested class of the test.
      '[ERROR] com.acme.shop.TaxTest.appliesTheRate -- Time elapsed: 0.02 s <<< FAILURE!',
      'java.lang.AssertionError: ',
      'Expected: is <7>',
      '     but: was <8>',
      '\tat org.hamcrest.MatcherAssert.assertThat(MatcherAssert.java:20)',
      '\tat com.acme.shop.internal.Rates.check(Rates.java:4)',
      '\tat com.acme.shop.TaxTest$Given.check(TaxTest.java:31)',
      '\tat com.acme.shop.TaxTest.appliesTheRate(TaxTest.java:12)',
      '',
      // A nested test class (JUnit 5 @Nested) and parameterized tests (JUnit 4, and JUnit 5 on Surefire 3).
      '[ERROR] shop.CartTest$WhenEmpty.total -- Time elapsed: 0.01 s <<< FAILURE!',
      'org.opentest4j.AssertionFailedError: expected: <0> but was: <1>',
      '\tat shop.CartTest$WhenEmpty.total(CartTest.java:40)',
      '',
      '[ERROR] rounds[2](shop.PriceTest)  Time elapsed: 0.001 s  <<< FAILURE!',
      'java.lang.AssertionError: expected:<3> but was:<4>',
      '\tat shop.PriceTest.rounds(PriceTest.java:21)',
      '',
      '[ERROR] shop.PriceTest.scales(int)[1] -- Time elapsed: 0.001 s <<< FAILURE!',
      'org.opentest4j.AssertionFailedError: expected: <2> but was: <3>',
      '\tat shop.PriceTest.scales(PriceTest.java:30)',
      '',
      // Before Maven 3.5: no `[ERROR]`, seconds as `sec`; a stack without the test's frame gives nothing.
      'setUpClass(shop.StockTest)  Time elapsed: 0.4 sec  <<< ERROR!',
      'java.lang.IllegalStateException: no database',
      '\tat shop.Database.open(Database.java:3)',
      '',
      'Tests run: 1, Failures: 0, Errors: 1, Skipped: 0',
    ]);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.column, p.severity, p.message]),
      [
        [
          '/ws/app/src/test/java/shop/CartTest.java',
          16,
          1,
          'error',
          'CartTest.empty: NullPointerException: Cannot invoke "java.util.List.iterator()" because "prices" is null',
        ],
        ['/ws/app/src/test/java/shop/CartTest.java', 11, 1, 'error', 'CartTest.total: AssertionError: expected:<5> but was:<6>'],
        ['/ws/app/src/test/java/shop/PriceTest.java', 9, 1, 'error', 'PriceTest.rounds: AssertionFailedError: expected: <5> but was: <6>'],
        [
          '/ws/app/src/test/java/com/acme/shop/TaxTest.java',
          31,
          1,
          'error',
          'TaxTest.appliesTheRate: AssertionError:\nExpected: is <7>\nbut: was <8>',
        ],
        [
          '/ws/app/src/test/java/shop/CartTest.java',
          40,
          1,
          'error',
          'CartTest.WhenEmpty.total: AssertionFailedError: expected: <0> but was: <1>',
        ],
        ['/ws/app/src/test/java/shop/PriceTest.java', 21, 1, 'error', 'PriceTest.rounds[2]: AssertionError: expected:<3> but was:<4>'],
        [
          '/ws/app/src/test/java/shop/PriceTest.java',
          30,
          1,
          'error',
          'PriceTest.scales(int)[1]: AssertionFailedError: expected: <2> but was: <3>',
        ],
      ],
    );
  });

  it('reads Kotlin’s errors and warnings as Gradle and Maven print them, in the forms before and since Kotlin 1.8', () => {
    // The forms users' Gradle builds print (Gradle and the Kotlin plugin cannot reach their repositories here to run);
    // kotlinc's own `file:line:col: error: message` is read by the generic pattern (Debian's kotlinc 1.3).
    const problems = matchAll('generic', [
      '> Task :compileKotlin FAILED',
      "e: file:///ws/app/src/main/kotlin/shop/App.kt:3:27 Unresolved reference 'missing'.",
      'e: file:///ws/app/build.gradle.kts:10:49: Unresolved reference: serviceOf',
      "w: file:///ws/app/src/main/kotlin/shop/My%20Cart.kt:2:9 Variable 'unused' is never used",
      'e: /ws/app/src/main/kotlin/shop/Cart.kt: (38, 40): Unresolved reference: sourceAsLineNumber',
      'e: /ws/app/build.gradle.kts:32:5: Unresolved reference: compile',
      'w: Kotlin compiler: the -Xverify option is deprecated',
      'src/App.kt:3:27: error: unresolved reference: missing',
      'e: file://buildhost/ws/app/App.kt:1:1 not a file here',
    ]);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.column, p.severity, p.message]),
      [
        ['/ws/app/src/main/kotlin/shop/App.kt', 3, 27, 'error', "Unresolved reference 'missing'."],
        ['/ws/app/build.gradle.kts', 10, 49, 'error', 'Unresolved reference: serviceOf'],
        ['/ws/app/src/main/kotlin/shop/My Cart.kt', 2, 9, 'warning', "Variable 'unused' is never used"],
        ['/ws/app/src/main/kotlin/shop/Cart.kt', 38, 40, 'error', 'Unresolved reference: sourceAsLineNumber'],
        ['/ws/app/build.gradle.kts', 32, 5, 'error', 'Unresolved reference: compile'],
        ['/ws/app/src/App.kt', 3, 27, 'error', 'unresolved reference: missing'],
      ],
    );
  });

  it('applies a user problem matcher with its groups, and none matches nothing', async () => {
    const custom = { regexp: '^(WARN|ERR) (\\S+)@(\\d+): (.*)$', severity: 1, file: 2, line: 3, column: 9, message: 4 };
    const [problem] = await matchWithPattern(custom, ['WARN lib/x.rb@17: deprecated call', 'plain output']);
    assert.deepEqual(
      [problem.file, problem.line, problem.column, problem.severity, problem.message],
      ['/ws/app/lib/x.rb', 17, 1, 'warning', 'deprecated call'],
    );
    assert.deepEqual(matchAll('none', [TSC_PLAIN]), []);
  });
});

async function matchWithPattern(config: Exclude<ProblemMatcherConfig, string>, lines: string[], options: { signal?: AbortSignal } = {}) {
  const problems: Problem[] = [];
  const matcher = startStageMatcher(config, '/ws/app', 'stage', (p) => problems.push(p), options);
  for (const line of lines) matcher.push(line);
  const note = await matcher.finish();
  return Object.assign(problems, { note });
}

// `^(a+)+$` on a 41-character line blocked the CLI for 140 s and Stop waited (hardening, issue 20 item 12).
describe('a user pattern with catastrophic backtracking (unit, hardening)', () => {
  const CATASTROPHIC = { regexp: '^(a+)+$' };
  const EVIL_LINE = `${'a'.repeat(41)}!`;

  it('gives up on the pattern after its budget per line, says why, and keeps what it matched before', async () => {
    const lines = ['src/a.ts:3: ok', EVIL_LINE, 'src/b.ts:4: never reached'];
    const started = Date.now();
    const problems = await matchWithPattern({ regexp: '^(?:(a+)+$|(\\S+):(\\d+): (.*))', file: 2, line: 3, message: 4 }, lines);
    assert.ok(Date.now() - started < 2 * LINE_BUDGET_MS + 2_000, 'within two budgets and the worker start');
    assert.deepEqual(
      problems.map((p) => [p.file, p.line]),
      [['/ws/app/src/a.ts', 3]],
    );
    assert.match(problems.note ?? '', /took over 250 ms on one line/);
  });

  it('keeps the event loop free while the pattern runs, and Stop ends it at once', async () => {
    const stop = new AbortController();
    const finished = matchWithPattern(CATASTROPHIC, [EVIL_LINE], { signal: stop.signal });
    // A timer fires while the worker backtracks: the thread that runs the stage (the extension host) is not blocked.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stoppedAt = Date.now();
    stop.abort();
    const problems = await finished;
    assert.ok(Date.now() - stoppedAt < 100, `Stop took ${Date.now() - stoppedAt} ms`);
    assert.equal(problems.note, undefined, 'Stop is not a problem of the pattern');
  });
});

describe('output lines (unit)', () => {
  it('joins lines split across chunks, including a multi-byte character split in two', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    const euro = Buffer.from('€');
    splitter.push(Buffer.concat([Buffer.from('first\nsec'), euro.subarray(0, 1)]));
    splitter.push(Buffer.concat([euro.subarray(1), Buffer.from('ond\r\nprogress 50%\rprogress 100%\nlast')]));
    splitter.end();
    assert.deepEqual(lines, ['first', 'sec€ond', 'progress 100%', 'last']);
  });

  it('keeps only the last state of a long-running progress bar redrawn with carriage returns, and a CRLF split across chunks', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    // 30,000 characters of redraws without a newline, in chunks, as a download bar prints them.
    for (let percent = 0; percent <= 2000; percent += 100)
      splitter.push(Buffer.from(Array.from({ length: 100 }, (_, i) => `downloading ${percent + i}\r`).join('')));
    splitter.push(Buffer.from('downloaded\n'));
    const long = 'y'.repeat(20_000);
    splitter.push(Buffer.from(`${long}\r`));
    splitter.push(Buffer.from('\nafter\n'));
    assert.deepEqual(lines.slice(0, 1), ['downloaded']);
    assert.equal(lines[1].startsWith('y'.repeat(100)), true, 'a line ending in a CRLF split across chunks keeps its text');
    assert.deepEqual(lines.slice(-1), ['after']);
  });

  it('strips colours and control bytes and bounds a line', () => {
    assert.equal(cleanLine('\u001b[31mred\u001b[0m\u0007 text\u0000'), 'red text');
    const long = cleanLine('x'.repeat(MAX_LINE_LENGTH * 3));
    assert.ok(long.length < MAX_LINE_LENGTH + 60);
    assert.match(long, /line cut at/);
  });

  it('emits a never-ending line in bounded pieces', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    for (let i = 0; i < 10; i++) splitter.push(Buffer.alloc(MAX_LINE_LENGTH, 0x61));
    assert.ok(lines.length >= 2, 'pieces were emitted before any newline');
    assert.ok(lines.every((l) => l.length < MAX_LINE_LENGTH + 60));
  });

  it('keeps the last N items in order', () => {
    const ring = new RingBuffer<number>(3);
    [1, 2, 3, 4, 5].forEach((n) => ring.push(n));
    assert.deepEqual(ring.toArray(), [3, 4, 5]);
  });
});
