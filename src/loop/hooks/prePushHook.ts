// An opt-in `pre-push` git hook that runs the pipeline through the CLI before every push, so a failing
// commit never leaves the machine. It honours core.hooksPath, keeps a hook that was there (moved aside and
// run first, with the same arguments and refs), never overwrites one, and removal puts it back.
import { execFile } from 'node:child_process';
import { shellQuote } from '../../core/shellQuote';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MARKER = '# conveyor pre-push hook';
/** Where a hook that was already there waits; ours runs it first. */
export const CHAINED_HOOK = 'pre-push.before-conveyor';

export interface ConveyorCli {
  /** A Node (or Electron run as Node) executable. */
  node: string;
  /** dist/cli.js. */
  script: string;
}

export type HookState = { kind: 'none' | 'conveyor' | 'other'; file: string; chained: boolean };

/** The hooks folder git uses for this repository: core.hooksPath when set, else .git/hooks. */
export async function hooksDirectory(folder: string): Promise<string> {
  const { stdout } = await run('git', ['rev-parse', '--git-path', 'hooks'], { cwd: folder });
  return path.resolve(folder, stdout.trim());
}

export async function prePushHookState(folder: string): Promise<HookState> {
  const dir = await hooksDirectory(folder);
  const file = path.join(dir, 'pre-push');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const chained = await exists(path.join(dir, CHAINED_HOOK));
  return { kind: text === undefined ? 'none' : text.includes(MARKER) ? 'conveyor' : 'other', file, chained };
}

export async function installPrePushHook(folder: string, cli: ConveyorCli): Promise<HookState> {
  const { stdout: top } = await run('git', ['rev-parse', '--show-toplevel'], { cwd: folder });
  const relative = path.relative(top.trim(), path.resolve(folder)) || '.';
  const state = await prePushHookState(folder);
  const dir = path.dirname(state.file);
  if (state.kind === 'other') {
    if (state.chained)
      throw new Error(`${path.join(dir, CHAINED_HOOK)} already exists: Conveyor will not overwrite a hook; move one of them first`);
    await rename(state.file, path.join(dir, CHAINED_HOOK));
  }
  await mkdir(dir, { recursive: true });
  await writeFile(`${state.file}.conveyor-tmp`, hookScript(relative, cli), { mode: 0o755 });
  await rename(`${state.file}.conveyor-tmp`, state.file);
  await chmod(state.file, 0o755);
  return prePushHookState(folder);
}

/** Removes Conveyor's hook and puts back the one it chained; a hook that is not Conveyor's is left alone. */
export async function removePrePushHook(folder: string): Promise<HookState> {
  const state = await prePushHookState(folder);
  if (state.kind === 'other') throw new Error(`${state.file} is not Conveyor's hook: it was left as it is`);
  if (state.kind === 'conveyor') await rm(state.file);
  const chained = path.join(path.dirname(state.file), CHAINED_HOOK);
  if (state.chained) await rename(chained, state.file);
  return prePushHookState(folder);
}

function hookScript(relativeFolder: string, cli: ConveyorCli): string {
  return `#!/bin/sh
${MARKER}: runs the pipeline before a push. Remove it with "Conveyor: Remove Pre-push Hook"
# or \`conveyor hook remove\`; skip it once with \`git push --no-verify\`.
hooks=$(dirname "$0")
if [ -x "$hooks/${CHAINED_HOOK}" ]; then
  refs=$(mktemp) || exit 1
  cat > "$refs"
  "$hooks/${CHAINED_HOOK}" "$@" < "$refs"
  status=$?
  rm -f "$refs"
  [ $status -eq 0 ] || exit $status
fi
cli=${shellQuote(cli.script)}
if [ ! -f "$cli" ]; then
  echo "conveyor pre-push: the Conveyor CLI is no longer at $cli (the extension was updated?): install the hook again, or push with --no-verify" >&2
  exit 1
fi
top=$(git rev-parse --show-toplevel) || exit 1
echo "conveyor pre-push: running the pipeline (git push --no-verify skips it)" >&2
ELECTRON_RUN_AS_NODE=1 exec ${shellQuote(cli.node)} "$cli" pipeline run "$top/${relativeFolder.replace(/["$`\\]/g, '\\$&')}" >&2
`;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
