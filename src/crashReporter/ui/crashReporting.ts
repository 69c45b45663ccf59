import * as os from 'node:os';
import * as vscode from 'vscode';
import { loadBundle } from '../../ui/lazyBundle';
import type * as CrashReports from '../crashReporter';
import { messageOf } from '../../core/errors';

const SECTION = 'conveyor.crashReports';

/**
 * Conveyor's own crash reports, opt-in: only while VS Code's telemetry is on AND the user turned
 * `conveyor.crashReports.enabled` on AND gave a DSN. What is sent is what Conveyor logs as an error, with the
 * workspace, home and extension paths and anything token-shaped scrubbed (src/crashReporter/crashReporter.ts).
 * The SDK is a separate bundle, loaded only then: it costs nothing otherwise.
 */
export function registerCrashReporting(log: vscode.LogOutputChannel, extension: { path: string; version: string }): vscode.Disposable {
  let reporter: CrashReports.CrashReporter | undefined;
  const originalError = log.error.bind(log);

  const update = () => {
    const config = vscode.workspace.getConfiguration(SECTION);
    const dsn = config.get<string>('dsn', '').trim();
    const wanted = vscode.env.isTelemetryEnabled && config.get<boolean>('enabled', false) && dsn !== '';
    if (!wanted) {
      void reporter?.close();
      reporter = undefined;
      return;
    }
    if (reporter) return;
    try {
      const engine = loadBundle<typeof CrashReports>('crashReporter.js');
      reporter = engine.createCrashReporter({
        dsn,
        release: `conveyor@${extension.version}`,
        scrubPaths: [
          ...(vscode.workspace.workspaceFolders ?? []).map((f) => ({ path: f.uri.fsPath, label: '<workspace>' })),
          { path: extension.path, label: '<extension>' },
          { path: os.homedir(), label: '~' },
        ],
      });
      originalError("Crash reports are on: Conveyor's errors are sent, scrubbed, to the DSN in conveyor.crashReports.dsn.");
    } catch (error) {
      originalError(`Crash reports stay off: ${messageOf(error)}`);
    }
  };

  // Every error Conveyor logs is what a crash report would say; errors passed along keep their stack.
  log.error = (message: string | Error, ...args: unknown[]) => {
    originalError(message, ...args);
    if (!reporter) return;
    const error = message instanceof Error ? message : (args.find((a): a is Error => a instanceof Error) ?? new Error(String(message)));
    reporter.capture(error, { operation: 'log' });
  };

  update();
  return vscode.Disposable.from(
    vscode.env.onDidChangeTelemetryEnabled(update),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(SECTION) && update()),
    {
      dispose: () => {
        log.error = originalError;
        void reporter?.close();
      },
    },
  );
}
