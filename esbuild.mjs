// Bundles the extension, the CLI and (with --tests) the suites that run inside the extension host.
// Heavy SDKs added by later stages must be loaded with dynamic import() so they stay out of activation.
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { writeConfigValidator } from './scripts/build/configValidator.mjs';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

// dockerode's BuildKit-only modules (see scripts/build/buildkitStub.cjs).
const withoutBuildkit = {
  name: 'without-buildkit',
  setup(build) {
    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /dockerode[\\/]lib/.test(args.importer) ? { path: new URL('./scripts/build/buildkitStub.cjs', import.meta.url).pathname } : undefined,
    );
  },
};

// Packages that ship an ES module and a CommonJS build are bundled from the CommonJS one, whose `require`s work in
// these CommonJS bundles: fdir's ES module (under tinyglobby's) calls createRequire(import.meta.url), and
// import.meta.url is undefined in a CommonJS bundle, so the bundle threw as it loaded.
const requireResolve = createRequire(import.meta.url).resolve;
const COMMONJS_BUILDS = ['tinyglobby'];
const commonJsBuilds = {
  name: 'commonjs-builds',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(?:${COMMONJS_BUILDS.join('|')})$`) }, (args) => ({ path: requireResolve(args.path) }));
  },
};

const common = {
  plugins: [withoutBuildkit, commonJsBuilds],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // ssh2 (dockerode's transport for ssh:// hosts) tries optional native addons and falls back to JavaScript.
  external: ['vscode', 'cpu-features', '*.node'],
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

// Libraries that several bundles use are bundled once, into dist/lib/<name>.js, and required from there (the CLI
// and most engines share yaml and simple-git; the CLI and the release engine dockerode; the CLI and the deploy
// engine client-node): one copy of each in the package instead of one per bundle. Libraries used by one bundle,
// or much smaller once shaken per bundle (tap-parser, the Sentry SDK), stay inside.
// `only` names the values a library is shaken down to (client-node's kubeconfig reader and port-forward): importing anything else
// from it fails the build, instead of being undefined at run time.
const SHARED_LIBRARIES = {
  yaml: {},
  'simple-git': {},
  semver: {},
  dockerode: {},
  'tar-stream': {},
  '@kubernetes/client-node': { only: ['KubeConfig', 'PortForward'] },
};
const libraryFile = (name) => `lib/${name.replace(/^@/, '').replace(/\//g, '-')}.js`;
const sharedLibraries = {
  name: 'shared-libraries',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      // A library's own nested copy of another (node_modules below node_modules) is its business.
      if (!Object.hasOwn(SHARED_LIBRARIES, args.path) || /node_modules/.test(args.importer)) return undefined;
      const file = `./${libraryFile(args.path)}`;
      return SHARED_LIBRARIES[args.path].only ? { path: args.path, namespace: 'shared-library' } : { path: file, external: true };
    });
    build.onResolve({ filter: /^\.\/lib\//, namespace: 'shared-library' }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: 'shared-library' }, (args) => ({
      contents: [
        `import * as library from ${JSON.stringify(`./${libraryFile(args.path)}`)};`,
        ...SHARED_LIBRARIES[args.path].only.map((name) => `export const ${name} = library.${name};`),
      ].join('\n'),
      loader: 'js',
    }));
  },
};
const libraries = Object.entries(SHARED_LIBRARIES).map(([name, { only }]) => ({
  ...common,
  stdin: {
    contents: only ? `export { ${only.join(', ')} } from ${JSON.stringify(name)};` : `module.exports = require(${JSON.stringify(name)});`,
    resolveDir: '.',
    loader: 'js',
  },
  outfile: `dist/${libraryFile(name)}`,
}));
const shared = { ...common, plugins: [...common.plugins, sharedLibraries] };

const builds = [
  ...libraries,
  // Activation: the contributed commands only (src/extension.ts); the workbench loads in the task after it.
  { ...shared, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...shared, entryPoints: ['src/ui/workbench.ts'], outfile: 'dist/workbench.js' },
  { ...shared, entryPoints: ['src/cli/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // Loaded by the extension on the first pipeline run (src/pipeline/ui/pipelineEngineLoader.ts).
  { ...shared, entryPoints: ['src/pipeline/pipelineEngine.ts'], outfile: 'dist/pipelineEngine.js' },
  // Loaded on the first release or Releases view refresh (src/release/ui/releaseEngineLoader.ts).
  { ...shared, entryPoints: ['src/release/releaseEngine.ts'], outfile: 'dist/releaseEngine.js' },
  // Loaded when remote CI is first needed (src/ci/ui/ciService.ts).
  { ...shared, entryPoints: ['src/ci/ciEngine.ts'], outfile: 'dist/ciEngine.js' },
  // Loaded on the first Start Work or board change (src/plan/ui/boardService.ts).
  { ...shared, entryPoints: ['src/plan/planEngine.ts'], outfile: 'dist/planEngine.js' },
  // Loaded for folders whose board is hosted: Jira, Linear, GitHub, Notion (src/plan/ui/remoteBoard.ts).
  { ...shared, entryPoints: ['src/plan/hostedBoards.ts'], outfile: 'dist/hostedBoards.js' },
  // Loaded when a monitor feature is first used (src/monitor/ui/monitorEngineLoader.ts).
  { ...shared, entryPoints: ['src/monitor/monitorEngine.ts'], outfile: 'dist/monitorEngine.js' },
  // The error receiver's decoder thread (src/monitor/errors/ingestThread.ts), beside the bundles that start it.
  { ...shared, entryPoints: ['src/monitor/errors/ingestWorker.ts'], outfile: 'dist/ingestWorker.js' },
  // The watcher that stops a command when its host dies (src/core/processGuard.ts), beside the bundles that start it.
  { ...common, entryPoints: ['src/core/processGuardMain.ts'], outfile: 'dist/processGuard.js' },
  // Loaded on the first deploy or Environments refresh: it carries @kubernetes/client-node.
  { ...shared, entryPoints: ['src/deploy/deployEngine.ts'], outfile: 'dist/deployEngine.js' },
  // Loaded on first use (src/loop/ui/loopEngineLoader.ts): trace, delivery metrics, after-belt steps; it reads git.
  { ...shared, entryPoints: ['src/loop/loopEngine.ts'], outfile: 'dist/loopEngine.js' },
  // Loaded only when the user turns Conveyor's own crash reports on (src/crashReporter/ui/crashReporting.ts).
  { ...shared, entryPoints: ['src/crashReporter/crashReporter.ts'], outfile: 'dist/crashReporter.js' },
];
// Webview front ends: plain browser code, no Node, no vscode module.
builds.push({
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  minify: production,
  sourcemap: false,
  logLevel: 'warning',
  entryPoints: { board: 'webviews/board/main.ts', 'board-style': 'webviews/board/board.css' },
  outdir: 'dist/webviews',
  entryNames: '[name]',
  assetNames: '[name]',
  loader: { '.ttf': 'file' },
});
builds.push({
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  minify: production,
  sourcemap: false,
  logLevel: 'warning',
  entryPoints: { monitor: 'webviews/monitor/main.ts', 'monitor-style': 'webviews/monitor/monitor.css' },
  outdir: 'dist/webviews',
  entryNames: '[name]',
});
if (args.has('--tests')) {
  builds.push({
    ...common,
    minify: false,
    sourcemap: 'inline',
    entryPoints: ['test/e2e/suite/index.ts'],
    outfile: 'out/test/suite/index.js',
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
}

// The schema's validator is code generated from it; schema edits reach it here (and a unit test catches a stale one).
writeConfigValidator();

if (args.has('--watch')) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[esbuild] watching');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`[esbuild] ${builds.length} bundles in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
