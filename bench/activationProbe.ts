// Child process of bench/activation.ts: loads one extension bundle fresh and prints the milliseconds
// from require() to the end of activate().
import * as path from 'node:path';
import { installVscodeStub } from './vscodeStub';

const [bundle, folder] = process.argv.slice(2) as [string, string];
installVscodeStub(folder);
// The parts of ExtensionContext activate() reads (storage and extension URIs as plain objects with fsPath).
const context = {
  subscriptions: [] as unknown[],
  extensionPath: path.dirname(bundle),
  extensionUri: { fsPath: path.dirname(bundle) },
  globalStorageUri: { fsPath: path.join(path.dirname(bundle), '.bench-storage') },
  workspaceState: { get: () => undefined, update: () => Promise.resolve() },
  secrets: { get: () => Promise.resolve(undefined) },
};
const started = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the point is to time require() itself
const extension = require(bundle) as { activate(context: unknown): unknown };
extension.activate(context);
process.stdout.write(String(performance.now() - started));
process.exit(0);
