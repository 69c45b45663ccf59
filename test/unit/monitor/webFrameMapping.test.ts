import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FrameMapper, MINIFIED_COLUMN, frameNotes, urlPath } from '../../../src/monitor/errors/frameMapping';
import type { OriginalPosition } from '../../../src/monitor/errors/sourceMaps';
import { WorkspaceFileIndex, scanWorkspaceFiles } from '../../../src/monitor/errors/workspaceFiles';
import { anErrorIssue } from '../../support/builders';
import { bundleWebShop, copyWebShop, positionIn } from '../../support/webShop';

describe('frames reported as URLs find their workspace file without path mappings (unit)', () => {
  let workspace: string;
  let cart: string;
  /** Where `addToCart` throws in src/cart.ts. */
  let thrown: { line: number; column: number };
  const write = (relative: string, text: string) => {
    const file = path.join(workspace, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  /** A minified bundle of the cart (with its source map) at `outfile`, and the frame a browser reports for its throw. */
  const bundle = (outfile: string, sourcemap: 'linked' | 'inline' | false = 'linked') => {
    const built = bundleWebShop(workspace, { entry: 'src/cart.ts', outfile, format: 'esm', sourcemap });
    return positionIn(built, 'new RangeError');
  };
  /** The dev server's maps of the modules it compiled: none here, unless a test says otherwise. */
  let served: Record<string, OriginalPosition> = {};
  const servedMaps = { originalPosition: (url: string) => Promise.resolve(served[url]) };
  const mapperOf = async (pathMappings?: Record<string, string>) =>
    new FrameMapper({ roots: [workspace], pathMappings, files: await scanWorkspaceFiles([workspace]), servedMaps });

  beforeEach(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'cnv-web-'));
    copyWebShop(workspace);
    cart = path.join(workspace, 'src', 'cart.ts');
    served = {};
    thrown = positionIn(cart, 'new RangeError');
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  it('maps a minified bundle served from public/ back to the TypeScript line, whatever the port, query or hash', async () => {
    const at = bundle('public/app.js');
    assert.ok(at.column > MINIFIED_COLUMN, `the throw is far along the minified line (column ${at.column})`);
    const mapper = await mapperOf();
    for (const url of ['http://127.0.0.1:41234/app.js', 'http://localhost:8080/app.js?v=3#main', 'https://shop.example/app.js']) {
      const resolution = await mapper.resolveFrame({ filename: url, lineno: at.line, colno: at.column, inApp: true });
      assert.deepEqual(resolution, { location: { file: cart, ...thrown } }, url);
    }
  });

  it('finds the file through an inline map and under a sub-path of an output folder', async () => {
    const at = bundle('dist/assets/app.js', 'inline');
    const resolution = await (
      await mapperOf()
    ).resolveFrame({ filename: 'http://127.0.0.1:5000/assets/app.js', lineno: at.line, colno: at.column });
    assert.deepEqual(resolution.location, { file: cart, ...thrown });
  });

  it('takes the first of equal matches in the stated order (public, dist, build, out, then others) and names the others', async () => {
    const at = bundle('out/app.js');
    bundle('build/app.js');
    bundle('dist/app.js');
    bundle('web/app.js');
    const mapper = await mapperOf();
    const frame = { filename: 'http://127.0.0.1:3000/app.js', lineno: at.line, colno: at.column };
    assert.deepEqual(await mapper.resolveFrame(frame), {
      location: { file: cart, ...thrown },
      alsoMatched: ['build/app.js', 'out/app.js', 'web/app.js'].map((file) => path.join(workspace, file)),
    });
    const index = await scanWorkspaceFiles([workspace]);
    assert.deepEqual(
      index.endingWith('/app.js').map((file) => path.relative(workspace, file)),
      ['dist/app.js', 'build/app.js', 'out/app.js', 'web/app.js'],
    );
  });

  it('prefers a file whose source map reaches a source in the workspace over one earlier in the order', async () => {
    const at = bundle('dist/app.js');
    // public/app.js is the same minified code without a map: it comes first in the order, but maps nowhere.
    bundle('public/app.js', false);
    const resolution = await (
      await mapperOf()
    ).resolveFrame({ filename: 'http://127.0.0.1:3000/app.js', lineno: at.line, colno: at.column });
    assert.deepEqual(resolution, { location: { file: cart, ...thrown } }, 'no tie: the other file was worse');
  });

  it('maps a dev server URL that names a source file (Vite) to that file at the reported line', async () => {
    write('public/src/cart.ts', 'a copy served elsewhere\n');
    const mapper = await mapperOf();
    const frame = { filename: 'http://localhost:5173/src/cart.ts?t=1733241600000', lineno: thrown.line, colno: 11 };
    assert.deepEqual(await mapper.resolveFrame(frame), {
      location: { file: path.join(workspace, 'public/src/cart.ts'), line: thrown.line, column: 11 },
      alsoMatched: [cart],
    });
    rmSync(path.join(workspace, 'public'), { recursive: true });
    assert.deepEqual(await (await mapperOf()).resolveFrame(frame), { location: { file: cart, line: thrown.line, column: 11 } });
    assert.equal(urlPath('http://localhost:5173/src/cart%20old.ts?t=1#x'), '/src/cart old.ts');
  });

  it("follows the dev server's map of a module it compiled back to the source's line", async () => {
    const url = 'http://localhost:5173/src/cart.ts?t=1733241600000';
    // Vite names the source by its absolute path, which the map resolves against the module's URL.
    served[url] = { source: `http://localhost:5173${cart.split(path.sep).join('/')}`, ...thrown };
    const resolution = await (await mapperOf()).resolveFrame({ filename: url, lineno: thrown.line - 4, colno: 9 });
    assert.deepEqual(resolution, { location: { file: cart, ...thrown } });
  });

  it("maps a bundle the dev server keeps in memory (no such file) through the map it serves, or says the map's sources are missing", async () => {
    const url = 'http://127.0.0.1:8000/assets/main.js';
    // esbuild serve: the map's relative source resolves against the map's URL.
    served[url] = { source: 'http://127.0.0.1:8000/src/cart.ts', ...thrown };
    const mapper = await mapperOf();
    assert.deepEqual(await mapper.resolveFrame({ filename: url, lineno: 1, colno: 20_000 }), { location: { file: cart, ...thrown } });
    served['http://127.0.0.1:8000/assets/other.js'] = { source: 'webpack://shop/./gone/cart.ts', ...thrown };
    assert.deepEqual(await mapper.resolveFrame({ filename: 'http://127.0.0.1:8000/assets/other.js', lineno: 1, colno: 20_000 }), {
      unmapped: { kind: 'sources-missing', file: 'http://127.0.0.1:8000/assets/other.js', source: 'webpack://shop/./gone/cart.ts' },
    });
  });

  it('says why a frame does not map: no file for the URL path, no source map, or a map whose sources are missing', async () => {
    const at = bundle('public/app.js');
    bundle('public/bare.js', false);
    bundle('public/moved.js');
    // The map of moved.js names sources that are not in the workspace any more.
    const movedMap = path.join(workspace, 'public/moved.js.map');
    const map = JSON.parse(readFileSync(movedMap, 'utf8')) as { sources: string[] };
    writeFileSync(movedMap, JSON.stringify({ ...map, sources: ['../gone/catalog.ts', '../gone/cart.ts'] }));
    const mapper = await mapperOf();
    const frame = (file: string) => ({ filename: `http://127.0.0.1:4000/${file}`, lineno: at.line, colno: at.column, inApp: true });
    assert.deepEqual(await mapper.resolveFrame(frame('missing/app.js')), { unmapped: { kind: 'no-file', path: '/missing/app.js' } });
    assert.deepEqual(await mapper.resolveFrame(frame('bare.js')), {
      unmapped: { kind: 'no-source-map', file: path.join(workspace, 'public/bare.js') },
    });
    assert.deepEqual(await mapper.resolveFrame(frame('moved.js')), {
      unmapped: { kind: 'sources-missing', file: path.join(workspace, 'public/moved.js'), source: path.join(workspace, 'gone/cart.ts') },
    });
    // Early on a line, a file without a map is its own source: an unbundled script lands on its line.
    assert.deepEqual((await mapper.resolveFrame({ ...frame('bare.js'), colno: 10 })).location, {
      file: path.join(workspace, 'public/bare.js'),
      line: at.line,
      column: 10,
    });

    const issue = anErrorIssue({
      latestEvent: {
        eventId: 'e',
        timestamp: '2026-12-03T00:00:00.000Z',
        exceptionType: 'RangeError',
        exceptionValue: 'x',
        frames: [frame('missing/app.js'), { ...frame('app.js'), inApp: false }, frame('app.js'), frame('bare.js')],
      },
    });
    assert.deepEqual(
      (await frameNotes(issue, mapper)).map((note) => [note.frameIndex, note.resolution.unmapped?.kind]),
      [
        [3, 'no-source-map'],
        [0, 'no-file'],
      ],
      'innermost first; mapped and library frames say nothing',
    );
  });

  it('leaves URLs the user mapped to their mapping', async () => {
    const at = bundle('public/app.js');
    bundle('static/app.js', false);
    const mapper = await mapperOf({ 'http://127.0.0.1:4000/': 'static/' });
    assert.deepEqual(await mapper.resolveFrame({ filename: 'http://127.0.0.1:4000/app.js', lineno: at.line, colno: at.column }), {
      unmapped: { kind: 'no-source-map', file: path.join(workspace, 'static/app.js') },
    });
    const other = await mapper.resolveFrame({ filename: 'http://127.0.0.1:4001/app.js', lineno: at.line, colno: at.column });
    assert.equal(other.location?.file, cart, 'another origin still finds its file');
  });

  it('walks the workspace once, skipping node_modules and .git, and says when it stopped at its bound', async () => {
    write('node_modules/lib/app.js', 'x');
    write('.git/app.js', 'x');
    write('public/app.js', 'x');
    const index = await scanWorkspaceFiles([workspace]);
    assert.deepEqual(index.endingWith('app.js'), [path.join(workspace, 'public/app.js')]);
    assert.ok(index.complete);
    assert.ok(index.sameFilesAs(await scanWorkspaceFiles([workspace])));

    const bounded = await scanWorkspaceFiles([workspace], { maxFiles: 2 });
    assert.equal(bounded.files.length, 2);
    assert.equal(bounded.complete, false);
    const mapper = new FrameMapper({ roots: [workspace], files: bounded });
    assert.deepEqual(await mapper.resolveFrame({ filename: 'http://127.0.0.1:1/deep/app.js', lineno: 1 }), {
      unmapped: { kind: 'no-file', path: '/deep/app.js', searchStopped: true },
    });
  });

  it('forgets its answers only when a new walk finds different files', async () => {
    const at = bundle('public/app.js');
    const mapper = await mapperOf();
    const frame = { filename: 'http://127.0.0.1:3000/app.js', lineno: at.line, colno: at.column };
    const first = mapper.resolveFrame(frame);
    mapper.useFiles(await scanWorkspaceFiles([workspace]));
    assert.equal(mapper.resolveFrame(frame), first, 'same files: the remembered answer');
    bundle('dist/app.js');
    mapper.useFiles(await scanWorkspaceFiles([workspace]));
    assert.deepEqual((await mapper.resolveFrame(frame)).alsoMatched, [path.join(workspace, 'dist/app.js')]);
    assert.deepEqual(new WorkspaceFileIndex([workspace], []).endingWith('/'), []);
  });
});
