import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import type { ErrorIssue, StackFrame } from '../../../src/monitor/errors/errorModel';
import { FrameMapper, isLibraryPath, issueLocation, locationsByFile } from '../../../src/monitor/errors/frameMapping';
import { goModulePath } from '../../../src/core/goModules';
import { sourceMappingUrl } from '../../../src/monitor/errors/sourceMaps';
import { anErrorIssue } from '../../support/builders';

const TS_SOURCE = `interface Order {
  id: number;
  customer?: { id: string };
}

export function customerOf(order: Order): string {
  if (!order.customer) {
    throw new Error('marker-customer');
  }
  return order.customer.id;
}

export function total(items: Array<{ price: number }>): number {
  const sum = items.reduce((acc, item) => acc + item.price, 0);
  if (sum > 100) throw new Error('marker-total');
  return sum;
}
`;

/** 1-based line and column of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `${needle} is in the text`);
  return { line: line + 1, column: lines[line].indexOf(needle) + 1 };
}

function issueWith(id: string, frames: StackFrame[], count = 1): ErrorIssue {
  return anErrorIssue({
    id,
    exceptionType: 'Error',
    exceptionValue: 'x',
    count,
    userCount: 0,
    latestEvent: { eventId: id, timestamp: '2026-01-01T00:00:00.000Z', exceptionType: 'Error', exceptionValue: 'x', frames },
  });
}

describe('frame mapping (unit)', () => {
  let workspace: string;
  let other: string;
  const write = (root: string, relative: string, text: string) => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };

  beforeEach(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'cnv-ws-'));
    other = mkdtempSync(path.join(tmpdir(), 'cnv-ws2-'));
    write(workspace, 'src/orders.js', 'one\ntwo\nthree\n');
    write(workspace, 'node_modules/express/index.js', 'x\n');
    write(other, 'lib/util.js', 'x\n');
  });
  afterEach(() => {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  });

  it('maps absolute paths inside a workspace folder', async () => {
    const mapper = new FrameMapper({ roots: [workspace] });
    assert.deepEqual(await mapper.map({ filename: path.join(workspace, 'src/orders.js'), lineno: 2, colno: 5 }), {
      file: path.join(workspace, 'src/orders.js'),
      line: 2,
      column: 5,
    });
    assert.equal(
      (await mapper.map({ filename: path.join(workspace, 'src/orders.js'), lineno: 3 }))?.column,
      1,
      'no column: the start of the line',
    );
  });

  it('maps app:///, ~/ and file:// names against each folder', async () => {
    const mapper = new FrameMapper({ roots: [other, workspace] });
    const expected = path.join(workspace, 'src/orders.js');
    assert.equal((await mapper.map({ filename: 'app:///src/orders.js', lineno: 1 }))?.file, expected);
    assert.equal((await mapper.map({ filename: '~/src/orders.js', lineno: 1 }))?.file, expected);
    assert.equal((await mapper.map({ filename: pathToFileURL(expected).href, lineno: 1 }))?.file, expected);
    assert.equal((await mapper.map({ filename: 'app:///lib/util.js', lineno: 1 }))?.file, path.join(other, 'lib/util.js'));
    assert.equal(
      (await mapper.map({ filename: '/static/x.js', absPath: 'http://localhost:3000/src/orders.js?v=3', lineno: 1 }))?.file,
      expected,
    );
  });

  it('applies path mappings, relative targets against each folder and absolute ones as given', async () => {
    const relative = new FrameMapper({ roots: [workspace], pathMappings: { '/app/': '.', '/app/vendor/': '../nowhere/' } });
    assert.equal((await relative.map({ filename: '/app/src/orders.js', lineno: 1 }))?.file, path.join(workspace, 'src/orders.js'));
    const absolute = new FrameMapper({ roots: [workspace, other], pathMappings: { '/srv/shared/': other } });
    assert.equal((await absolute.map({ filename: '/srv/shared/lib/util.js', lineno: 1 }))?.file, path.join(other, 'lib/util.js'));
  });

  it('finds a container path by its tail when no mapping is set', async () => {
    const mapper = new FrameMapper({ roots: [workspace] });
    assert.equal((await mapper.map({ filename: '/usr/src/app/src/orders.js', lineno: 1 }))?.file, path.join(workspace, 'src/orders.js'));
    // A file directly in a container's app folder is the workspace's root file; elsewhere a bare name is not enough.
    write(workspace, 'server.js', 'x\n');
    for (const filename of ['/app/server.js', '/usr/src/app/server.js'])
      assert.equal((await mapper.map({ filename, lineno: 1 }))?.file, path.join(workspace, 'server.js'), filename);
    assert.equal(await mapper.map({ filename: '/usr/lib/node/server.js', lineno: 1 }), undefined);
  });

  it('does not map dependencies, runtime internals, missing files or files outside the workspace', async () => {
    const mapper = new FrameMapper({ roots: [workspace] });
    assert.equal(await mapper.map({ filename: path.join(workspace, 'node_modules/express/index.js'), lineno: 1 }), undefined);
    assert.equal(await mapper.map({ filename: 'node:internal/modules/cjs/loader', lineno: 1 }), undefined);
    assert.equal(await mapper.map({ filename: path.join(workspace, 'src/missing.js'), lineno: 1 }), undefined);
    assert.equal(await mapper.map({ filename: path.join(other, 'lib/util.js'), lineno: 1 }), undefined);
    assert.equal(await mapper.map({ filename: path.join(workspace, 'src/orders.js') }), undefined, 'a frame without a line');
    assert.deepEqual(mapper.candidates({ filename: 'app:///node_modules/x/y.js' }), []);
    assert.ok(isLibraryPath('<anonymous>') && isLibraryPath('internal/process/task_queues') && !isLibraryPath('/ws/src/a.js'));
    // Other languages' dependencies: Python packages, Ruby gems, Go's module cache (which Go's SDK marks in-app).
    for (const dependency of [
      '/usr/lib/python3/dist-packages/flask/app.py',
      '/srv/venv/lib/python3.12/site-packages/requests/api.py',
      '/usr/local/bundle/gems/rack-3.0.8/lib/rack/builder.rb',
      '/root/go/pkg/mod/github.com/gin-gonic/gin@v1.9.1/context.go',
    ])
      assert.ok(isLibraryPath(dependency), dependency);
    for (const own of ['/ws/gems/catalog.rb', '/ws/pkg/mod/loader.go', '/home/me/go/src/shop/main.go', '/ws/app/site/packages.py'])
      assert.ok(!isLibraryPath(own), own);
  });

  it("maps a -trimpath Go binary's import-path frames through the folder's go.mod, and says nothing of the standard library's", async () => {
    write(workspace, 'go.mod', '// the shop\nmodule "example.com/shop" // with a comment\n\ngo 1.19\n');
    const cart = write(workspace, 'internal/cart/cart.go', 'package cart\n');
    const mapper = new FrameMapper({ roots: [workspace] });
    assert.deepEqual(
      await mapper.resolveFrame({
        filename: 'example.com/shop/internal/cart/cart.go',
        module: 'example.com/shop/internal/cart',
        lineno: 1,
      }),
      {
        location: { file: cart, line: 1, column: 1 },
      },
    );
    for (const filename of ['net/http/server.go', 'runtime/panic.go', 'github.com/gin-gonic/gin@v1.9.1/context.go'])
      assert.deepEqual(await mapper.resolveFrame({ filename, lineno: 10 }), {}, filename);
    // Another module's file is not the standard library's: it says why it does not map.
    assert.equal((await mapper.resolveFrame({ filename: 'example.com/billing/pay.go', lineno: 1 })).unmapped?.kind, 'no-file');

    // go.mod is read again after invalidate: a module renamed in go.mod maps under its new path.
    write(workspace, 'go.mod', 'module shop\n');
    mapper.invalidate();
    assert.equal((await mapper.map({ filename: 'shop/internal/cart/cart.go', lineno: 2 }))?.file, cart);
    assert.equal(goModulePath('module `example.com/x`\n'), 'example.com/x');

    // A monorepo's service module a few folders down; node_modules and vendor are never modules of the workspace.
    write(workspace, 'services/billing/go.mod', 'module example.com/billing\n');
    const pay = write(workspace, 'services/billing/pay/pay.go', 'package pay\n');
    write(workspace, 'vendor/example.com/vendored/go.mod', 'module example.com/vendored\n');
    write(workspace, 'vendor/example.com/vendored/v.go', 'package vendored\n');
    mapper.invalidate();
    assert.equal((await mapper.map({ filename: 'example.com/billing/pay/pay.go', lineno: 3 }))?.file, pay);
    assert.equal(await mapper.map({ filename: 'example.com/vendored/v.go', lineno: 1 }), undefined);
    assert.equal(goModulePath('go 1.21\n'), undefined);
  });

  it('notices a file that appears once the cached answer expires', async () => {
    const mapper = new FrameMapper({ roots: [workspace], fileInfoTtlMs: 0 });
    const frame = { filename: path.join(workspace, 'src/later.js'), lineno: 1 };
    assert.equal(await mapper.map(frame), undefined);
    write(workspace, 'src/later.js', 'x\n');
    assert.equal((await mapper.map(frame))?.file, frame.filename);
  });

  for (const sourcemap of ['external', 'inline', 'linked'] as const) {
    it(`maps built JavaScript back to TypeScript through its ${sourcemap} source map`, async () => {
      const source = write(workspace, 'src/orders.ts', TS_SOURCE);
      const outfile = path.join(workspace, 'dist', 'orders.js');
      buildSync({ entryPoints: [source], outfile, sourcemap, format: 'cjs', platform: 'node', logLevel: 'silent' });
      const built = readFileSync(outfile, 'utf8');
      assert.equal(sourceMappingUrl(built) === undefined, sourcemap === 'external', 'only "external" leaves out the comment');
      const mapper = new FrameMapper({ roots: [workspace] });
      for (const marker of ['marker-customer', 'marker-total']) {
        const generated = positionOf(built, `throw new Error("${marker}")`);
        const original = positionOf(TS_SOURCE, `throw new Error('${marker}')`);
        assert.notEqual(generated.line, original.line, 'the build moved the line, so the map matters');
        const location = await mapper.map({ filename: outfile, lineno: generated.line, colno: generated.column, inApp: true });
        assert.deepEqual(location, { file: source, line: original.line, column: original.column });
      }
    });
  }

  it('reads the source map again when the built file changes', async () => {
    const source = write(workspace, 'src/orders.ts', TS_SOURCE);
    const outfile = path.join(workspace, 'dist', 'orders.js');
    const build = () =>
      buildSync({ entryPoints: [source], outfile, sourcemap: 'linked', format: 'cjs', platform: 'node', logLevel: 'silent' });
    build();
    const mapper = new FrameMapper({ roots: [workspace], fileInfoTtlMs: 0 });
    const before = positionOf(readFileSync(outfile, 'utf8'), 'marker-total');
    assert.equal(
      (await mapper.map({ filename: outfile, lineno: before.line, colno: before.column }))?.line,
      positionOf(TS_SOURCE, 'marker-total').line,
    );

    const edited = `// a comment\n// and another\n${TS_SOURCE}`;
    writeFileSync(source, edited);
    build();
    const later = new Date(Date.now() + 5_000);
    utimesSync(outfile, later, later);
    const after = positionOf(readFileSync(outfile, 'utf8'), 'marker-total');
    assert.equal(
      (await mapper.map({ filename: outfile, lineno: after.line, colno: after.column }))?.line,
      positionOf(edited, 'marker-total').line,
    );
  });

  it('keeps the built file when the map names sources outside the workspace', async () => {
    const outfile = write(workspace, 'dist/app.js', 'console.log(1);\n//# sourceMappingURL=app.js.map\n');
    write(workspace, 'dist/app.js.map', JSON.stringify({ version: 3, sources: ['/elsewhere/app.ts'], names: [], mappings: 'AAAA' }));
    const mapper = new FrameMapper({ roots: [workspace] });
    assert.deepEqual(await mapper.map({ filename: outfile, lineno: 1, colno: 1 }), { file: outfile, line: 1, column: 1 });
  });

  it('groups issue locations by file and line, marking where each error happened', async () => {
    const file = path.join(workspace, 'src/orders.js');
    const mapper = new FrameMapper({ roots: [workspace] });
    const issues = [
      issueWith(
        'a',
        [
          { filename: file, lineno: 3, inApp: true },
          { filename: file, lineno: 1, colno: 4, inApp: true },
        ],
        5,
      ),
      issueWith('b', [
        { filename: file, lineno: 2, inApp: true },
        { filename: 'node:internal/x', lineno: 9, inApp: false },
      ]),
      issueWith('c', [{ filename: path.join(workspace, 'node_modules/express/index.js'), lineno: 1, inApp: false }]),
    ];
    const tops = await locationsByFile(issues, mapper);
    assert.deepEqual([...tops.keys()], [file]);
    assert.deepEqual(
      tops.get(file)?.map((l) => [l.issue.id, l.line, l.column, l.top, l.frameIndex]),
      [
        ['a', 1, 4, true, 1],
        ['b', 2, 1, true, 0],
      ],
    );
    const all = await locationsByFile(issues, mapper, { allInAppFrames: true });
    assert.deepEqual(
      all.get(file)?.map((l) => [l.issue.id, l.line, l.top]),
      [
        ['a', 1, true],
        ['b', 2, true],
        ['a', 3, false],
      ],
    );
    assert.deepEqual(await issueLocation(issues[0], mapper), { file, line: 1, column: 4 });
    assert.equal(await issueLocation(issues[2], mapper), undefined);
  });

  it('recomputes locations from remembered answers while they are fresh, and from the disk once they expire', async () => {
    const file = path.join(workspace, 'src/orders.js');
    const issues = [issueWith('a', [{ filename: file, lineno: 2, colno: 3, inApp: true }])];
    const remembering = new FrameMapper({ roots: [workspace] });
    assert.equal(remembering.settled(issues[0].latestEvent!.frames[0], Date.now()), undefined);
    const first = await locationsByFile(issues, remembering);
    assert.deepEqual(remembering.settled(issues[0].latestEvent!.frames[0], Date.now()), { location: { file, line: 2, column: 3 } });
    rmSync(file);
    assert.deepEqual(await locationsByFile(issues, remembering), first);

    write(workspace, 'src/orders.js', 'one\ntwo\n');
    const forgetful = new FrameMapper({ roots: [workspace], fileInfoTtlMs: 0 });
    assert.equal((await locationsByFile(issues, forgetful)).get(file)?.length, 1);
    rmSync(file);
    assert.deepEqual([...(await locationsByFile(issues, forgetful)).keys()], []);
  });
});
