// The CLI as one file, for repositories that vendor it (Export Pipeline to CI): dist/cli.js with the shared
// libraries it requires from dist/lib/ (see esbuild.mjs) inlined as module factories, so CI needs only Node.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

const SHARED_REQUIRE = /require\("(\.\/lib\/[\w.-]+\.js)"\)/g;

/** How a single-file CLI begins (the built dist/cli.js begins with its shebang and "use strict"). */
const HEADER = '#!/usr/bin/env node\n// Conveyor CLI, one file: the shared libraries it requires are inlined below.\n';

export async function singleFileCli(cliBundle: string): Promise<string> {
  const cli = await readFile(cliBundle, 'utf8');
  // `conveyor ci export` run from a vendored copy: it is one file already.
  if (cli.startsWith(HEADER)) return cli;
  const ids = [...new Set(Array.from(cli.matchAll(SHARED_REQUIRE), (match) => match[1]))];
  const factories = await Promise.all(
    ids.map(
      async (id) =>
        `${JSON.stringify(id)}: (module, exports, require) => {\n${await readFile(path.join(path.dirname(cliBundle), id), 'utf8')}\n}`,
    ),
  );
  return [
    `${HEADER}const shared = {\n${factories.join(',\n')}\n};`,
    'const loaded = new Map();',
    '// The CLI requires its libraries through this: from the factories above, anything else from Node.',
    'const requireShared = Object.assign(',
    '  (id) => {',
    '    if (!Object.hasOwn(shared, id)) return require(id);',
    '    if (!loaded.has(id)) {',
    '      const module = { exports: {} };',
    '      loaded.set(id, module);',
    '      shared[id](module, module.exports, require);',
    '    }',
    '    return loaded.get(id).exports;',
    '  },',
    '  { main: require.main, resolve: require.resolve, cache: require.cache },',
    ');',
    `((require) => {\n${cli.replace(/^#!.*\n/, '')}\n})(requireShared);`,
    '',
  ].join('\n');
}
