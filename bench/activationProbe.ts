// Child process of bench/activation.ts (built to plain JavaScript, so require() is Node's own, as in the
// extension host): loads one extension bundle fresh and prints the milliseconds from require() to the end of
// activate(), then to the end of the work activate() deferred to the next task (Conveyor's workbench).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { installVscodeStub } from './vscodeStub';

const [bundle, folder, packageJsonFile] = process.argv.slice(2) as [string, string, string];
installVscodeStub(folder);
// The parts of ExtensionContext activate() reads (storage and extension URIs as plain objects with fsPath).
const context = {
  subscriptions: [] as unknown[],
  extensionPath: path.dirname(bundle),
  extensionUri: { fsPath: path.dirname(bundle) },
  globalStorageUri: { fsPath: path.join(path.dirname(bundle), '.bench-storage') },
  workspaceState: { get: () => undefined, update: () => Promise.resolve() },
  secrets: { get: () => Promise.resolve(undefined) },
  // What the extension host hands every extension: its own package.json (the contributed commands).
  extension: { packageJSON: JSON.parse(readFileSync(packageJsonFile, 'utf8')) as unknown },
};
// The extension reports a workbench that failed to load on console.error: then there is nothing to time.
const reportError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  reportError(...args);
  process.exit(3);
};
const started = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the point is to time require() itself
const extension = require(bundle) as { activate(context: unknown): unknown };
extension.activate(context);
const activated = performance.now() - started;
// Queued after activate()'s own setImmediate, so it runs once the deferred load has finished.
setImmediate(() => {
  process.stdout.write(`${activated} ${performance.now() - started}`);
  process.exit(0);
});
