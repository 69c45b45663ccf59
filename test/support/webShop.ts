// A small TypeScript web front end (test/fixtures/web-shop) bundled by esbuild the way web projects ship:
// minified, with a source map, into an output folder a web server serves.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { buildSync, context, transformSync } from 'esbuild';

const REPO = path.resolve(__dirname, '..', '..');
export const WEB_SHOP_DIR = path.join(REPO, 'test', 'fixtures', 'web-shop');

/** Copies the shop's sources (src/) into a workspace. */
export function copyWebShop(workspace: string): void {
  cpSync(WEB_SHOP_DIR, workspace, { recursive: true });
}

export interface ShopBundle {
  entry?: string;
  /** Relative to the workspace. */
  outfile?: string;
  sourcemap?: 'linked' | 'inline' | false;
  /** `esm` keeps the entry's exports (a bundle of cart.ts alone); the page loads an `iife`. */
  format?: 'iife' | 'esm';
}

/** Bundles the shop (with @sentry/browser from this repo's node_modules) minified; answers the built file. */
export function bundleWebShop(workspace: string, options: ShopBundle = {}): string {
  const outfile = path.join(workspace, options.outfile ?? 'public/app.js');
  buildSync({
    entryPoints: [path.join(workspace, options.entry ?? 'src/main.ts')],
    outfile,
    bundle: true,
    minify: true,
    sourcemap: options.sourcemap ?? 'linked',
    format: options.format ?? 'iife',
    platform: 'browser',
    target: 'es2020',
    nodePaths: [path.join(REPO, 'node_modules')],
    logLevel: 'silent',
  });
  return outfile;
}

/** esbuild's own dev server (`esbuild --serve`), which keeps the bundle and its map in memory, never on disk. */
export interface MemoryServedShop {
  /** The page (dev/index.html), which loads /assets/main.js. */
  page: string;
  /** Where the bundle would be, were it written: it is not. */
  bundlePath: string;
  close(): Promise<void>;
}

/** Serves the shop with esbuild's serve API: dev/index.html from disk, the minified bundle with a linked map from memory. */
export async function serveWebShopFromMemory(workspace: string, dsn: string): Promise<MemoryServedShop> {
  const servedir = path.join(workspace, 'dev');
  mkdirSync(servedir, { recursive: true });
  writeFileSync(
    path.join(servedir, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><title>Web shop</title></head><body>` +
      `<script>window.SHOP_DSN = ${JSON.stringify(dsn)};</script><script src="/assets/main.js"></script></body></html>`,
  );
  const outdir = path.join(servedir, 'assets');
  const ctx = await context({
    entryPoints: [path.join(workspace, 'src', 'main.ts')],
    outdir,
    // As `esbuild --serve` without --outfile on disk: the bundle is served from memory.
    write: false,
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    nodePaths: [path.join(REPO, 'node_modules')],
    logLevel: 'silent',
  });
  const { port } = await ctx.serve({ servedir, host: '127.0.0.1' });
  return { page: `http://127.0.0.1:${port}/`, bundlePath: path.join(outdir, 'main.js'), close: () => ctx.dispose() };
}

/** 1-based line and column of `needle` in a file. */
export function positionIn(file: string, needle: string): { line: number; column: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `${needle} is in ${file}`);
  return { line: line + 1, column: lines[line].indexOf(needle) + 1 };
}

/** A third-party script the page loads from the server, not from the workspace: its frames map nowhere. */
const CHECKOUT_WIDGET = 'window.checkoutWidget = {\n  run(step) {\n    step();\n  },\n};\n';

export interface ShopServer {
  /** `http://127.0.0.1:<port>`; the port differs each run. */
  origin: string;
  /** The bundled page: /app.js from public/, after the checkout widget. */
  bundledPage: string;
  /** The page as a Vite dev server serves it: /src/main.ts?t=… compiled on the fly, each import a URL of its own. */
  devServerPage: string;
  /** A page that loads `/<name>` (a bundle in public/ built without a source map). */
  pageLoading(name: string): string;
  close(): Promise<void>;
}

/**
 * Serves the shop on 127.0.0.1 (a random port): static files from the workspace's public/, the checkout widget,
 * and, like a Vite dev server, each TypeScript module compiled on request with its map inline and its imports
 * rewritten to URLs (`/src/cart.ts?t=…`, `@sentry/browser` pre-bundled).
 */
export async function serveWebShop(workspace: string, dsn: string): Promise<ShopServer> {
  const stamp = Date.now();
  let sentryModule: string | undefined;
  const page = (scripts: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>Web shop</title></head><body><h1>Web shop</h1>` +
    `<script>window.SHOP_DSN = ${JSON.stringify(dsn)};</script>${scripts}</body></html>`;
  const pages: Record<string, string> = {
    '/': page('<script src="/vendor/checkout-widget.js"></script><script src="/app.js"></script>'),
    '/vite.html': page(`<script type="module" src="/src/main.ts?t=${stamp}"></script>`),
  };
  const devModule = (relative: string) => {
    const file = path.join(workspace, relative);
    // Vite names the source by its absolute path in the map it inlines.
    const { code } = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', sourcemap: 'inline', sourcefile: file, format: 'esm' });
    return code
      .replace(/from "@sentry\/browser"/g, 'from "/@deps/sentry-browser.js"')
      .replace(/from "\.\/(\w+)"/g, `from "/src/$1.ts?t=${stamp}"`);
  };
  const server = http.createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const send = (type: string, body: string | Buffer) => response.writeHead(200, { 'content-type': type }).end(body);
    try {
      if (pages[pathname]) return send('text/html', pages[pathname]);
      if (pathname.startsWith('/page/')) return send('text/html', page(`<script src="/${pathname.slice(6)}"></script>`));
      if (pathname === '/vendor/checkout-widget.js') return send('text/javascript', CHECKOUT_WIDGET);
      if (pathname === '/@deps/sentry-browser.js') {
        sentryModule ??= buildSync({
          stdin: { contents: "export * from '@sentry/browser';", resolveDir: REPO },
          bundle: true,
          format: 'esm',
          platform: 'browser',
          write: false,
          logLevel: 'silent',
        }).outputFiles[0].text;
        return send('text/javascript', sentryModule);
      }
      if (/^\/src\/\w+\.ts$/.test(pathname)) return send('text/javascript', devModule(pathname.slice(1)));
      const file = path.join(workspace, 'public', path.normalize(pathname));
      return send(file.endsWith('.map') ? 'application/json' : 'text/javascript', readFileSync(file));
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    bundledPage: `${origin}/`,
    devServerPage: `${origin}/vite.html`,
    pageLoading: (name) => `${origin}/page/${name}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
