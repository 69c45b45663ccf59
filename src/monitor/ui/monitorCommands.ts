import * as vscode from 'vscode';
import type { ViewNode } from '../../core/viewNode';
import { addToConfigList } from '../../core/config/configEdit';
import type { GoalConfig, UptimeCheckConfig } from '../../core/config/conveyorConfig';
import { pickFolder } from '../../ui/folderPicker';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { ErrorService } from './errorService';
import type { GoalService } from './goalService';
import type { UptimeService } from './uptimeService';
import { messageOf } from '../../core/errors';

interface MonitorServices {
  errors: ErrorService;
  uptime: UptimeService;
  goals: GoalService;
}

/** `<folder>/uptime/<name>`, `<folder>/goals/<name>`, `…/<issue id>`: the last segment of a view row's id. */
function lastSegment(node: unknown): string | undefined {
  const id = (node as ViewNode | undefined)?.id;
  return id?.slice(id.lastIndexOf('/') + 1);
}

/** The folder of an Uptime or Goals row (`<folder>/<kind>/<name>`). */
function folderOf(node: unknown, kind: 'uptime' | 'goals'): string | undefined {
  const id = (node as ViewNode | undefined)?.id ?? '';
  const at = id.lastIndexOf(`/${kind}/`);
  return at === -1 ? undefined : id.slice(0, at);
}

export function registerMonitorCommands(model: WorkspaceModel, services: MonitorServices, log: vscode.LogOutputChannel): vscode.Disposable {
  const { errors, uptime, goals } = services;
  const fail = (what: string) => (error: unknown) => {
    const message = messageOf(error);
    log.error(`${what}: ${message}`);
    void vscode.window.showErrorMessage(`${what}: ${message}`);
  };
  const open = async (location: { file: string; line: number; column: number }) => {
    const position = new vscode.Position(location.line - 1, Math.max(0, location.column - 1));
    await vscode.window.showTextDocument(vscode.Uri.file(location.file), { selection: new vscode.Range(position, position) });
  };

  return vscode.Disposable.from(
    vscode.commands.registerCommand('conveyor.errors.copyDsn', async () => {
      const dsn = await errors.startReceiver().catch(fail('Could not start the local error receiver'));
      if (!dsn) return;
      await vscode.env.clipboard.writeText(dsn);
      void vscode.window.showInformationMessage(`Copied the local Sentry DSN ${dsn}. Set SENTRY_DSN to it in your app: its errors appear in the Errors view and next to the code.`);
    }),
    vscode.commands.registerCommand('conveyor.errors.startReceiver', () => errors.startReceiver().catch(fail('Could not start the local error receiver'))),
    vscode.commands.registerCommand('conveyor.errors.stopReceiver', () => errors.stopReceiver()),
    vscode.commands.registerCommand('conveyor.errors.clearLocal', async () => {
      const ok = await vscode.window.showWarningMessage('Forget every error the local receiver has stored?', { modal: true }, 'Clear');
      if (ok) await errors.clearLocal();
    }),
    vscode.commands.registerCommand('conveyor.errors.refresh', () => errors.refreshHosted()),
    vscode.commands.registerCommand('conveyor.errors.signIn', async (folder?: unknown) => {
      const status = await pickFolder(model, typeof folder === 'string' ? folder : undefined, 'Sign in to the Sentry of which folder?');
      if (status?.monitor.sentry) await errors.signIn(status);
      else if (status) void vscode.window.showInformationMessage(`${status.name} has no hosted Sentry in conveyor.yml (sentry.org and sentry.project); the local receiver needs no sign-in.`);
    }),
    vscode.commands.registerCommand('conveyor.errors.openIssue', async (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : lastSegment(arg);
      const issue = id ? errors.issue(id) : undefined;
      if (!issue) return;
      const location = errors.locationOf(issue.id);
      if (location) return open(location);
      await vscode.commands.executeCommand('conveyor.errors.showStack', issue.id);
    }),
    vscode.commands.registerCommand('conveyor.errors.openInSentry', async (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : lastSegment(arg);
      const url = id ? errors.issue(id)?.url : undefined;
      if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
    }),
    vscode.commands.registerCommand('conveyor.errors.showStack', async (arg?: unknown) => {
      const id = typeof arg === 'string' ? arg : lastSegment(arg);
      const issue = id ? errors.issue(id) : undefined;
      if (!issue) return;
      const frames = issue.latestEvent?.frames ?? [];
      // Innermost first, as a stack trace reads.
      const items = await Promise.all(
        frames.map(async (frame, index) => {
          const location = await errors.mapFrame(issue, index);
          return {
            label: `${location ? '$(file-code)' : '$(library)'} ${frame.function ?? '<anonymous>'}`,
            description: `${frame.filename ?? frame.absPath ?? frame.module ?? '?'}:${frame.lineno ?? '?'}${frame.colno ? `:${frame.colno}` : ''}`,
            detail: location ? vscode.workspace.asRelativePath(location.file) + `:${location.line}` : frame.inApp === false ? 'not your code' : 'not in this workspace',
            location,
          };
        }),
      );
      const picked = await vscode.window.showQuickPick(items.reverse(), { title: `${issue.shortId}: ${issue.title}`, placeHolder: frames.length ? 'Go to a frame of the stack' : 'This event has no stack trace', matchOnDescription: true });
      if (picked?.location) await open(picked.location);
    }),

    vscode.commands.registerCommand('conveyor.uptime.add', async (folder?: unknown) => {
      const status = await pickFolder(model, typeof folder === 'string' ? folder : undefined, 'Add an uptime check to which folder?');
      if (!status) return;
      const url = await vscode.window.showInputBox({
        title: 'Add Uptime Check (1/2)',
        prompt: 'URL to probe with GET',
        placeHolder: 'https://example.com/health',
        ignoreFocusOut: true,
        validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'An http:// or https:// URL'),
      });
      if (!url) return;
      const suggested = new URL(url.trim()).host;
      const name = await vscode.window.showInputBox({ title: 'Add Uptime Check (2/2)', prompt: 'Name', value: suggested, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'A name is needed') });
      if (!name) return;
      const check: UptimeCheckConfig = { name: name.trim(), url: url.trim(), interval: 60 };
      await addToConfigList(status.folder, 'uptime', { ...check }).then(async (file) => {
        await model.reload(status.folder);
        void vscode.window.showInformationMessage(`Added the uptime check "${check.name}" to ${vscode.workspace.asRelativePath(file)}; it is probed every ${check.interval} s.`);
      }, fail('Could not add the uptime check'));
    }),
    vscode.commands.registerCommand('conveyor.uptime.probeNow', async (node?: unknown) => {
      const name = lastSegment(node);
      const folder = folderOf(node, 'uptime') ?? model.activeFolder()?.folder;
      if (!name || !folder) return;
      if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage('Restricted Mode: uptime checks wait until you trust this workspace.');
      await uptime.probeNow(folder, name);
    }),

    vscode.commands.registerCommand('conveyor.goals.add', async (folder?: unknown) => {
      const status = await pickFolder(model, typeof folder === 'string' ? folder : undefined, 'Add a goal to which folder?');
      if (!status) return;
      const kind = await vscode.window.showQuickPick(
        [
          { label: '$(dashboard) Page speed', description: 'Lighthouse performance score of a URL', source: 'lighthouse' as const },
          { label: '$(json) Any metric', description: 'a number read from a JSON endpoint (users, revenue…)', source: 'http-json' as const },
        ],
        { title: 'Add Goal', placeHolder: 'What does the goal measure?' },
      );
      if (!kind) return;
      const url = await vscode.window.showInputBox({ title: 'Add Goal', prompt: kind.source === 'lighthouse' ? 'Page URL' : 'JSON endpoint URL', ignoreFocusOut: true, validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'An http:// or https:// URL') });
      if (!url) return;
      let valuePath: string | undefined;
      if (kind.source === 'http-json') {
        valuePath = await vscode.window.showInputBox({ title: 'Add Goal', prompt: 'Where the number is in the JSON answer', placeHolder: 'data.users.total', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'A path such as data.total or items[0].value') });
        if (!valuePath) return;
      }
      const name = await vscode.window.showInputBox({ title: 'Add Goal', prompt: 'Name', value: kind.source === 'lighthouse' ? 'Page speed' : valuePath, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'A name is needed') });
      if (!name) return;
      const targetText = await vscode.window.showInputBox({ title: 'Add Goal', prompt: kind.source === 'lighthouse' ? 'Target score (0–100), empty for none' : 'Target value, empty for none', value: kind.source === 'lighthouse' ? '90' : '', ignoreFocusOut: true, validateInput: (v) => (v.trim() === '' || Number.isFinite(Number(v)) ? undefined : 'A number') });
      if (targetText === undefined) return;
      const goal: GoalConfig = { name: name.trim(), source: kind.source, url: url.trim(), ...(kind.source === 'lighthouse' ? { metric: 'performance' } : { valuePath: valuePath?.trim() }), ...(targetText.trim() ? { target: Number(targetText), direction: 'up' } : {}) };
      await addToConfigList(status.folder, 'goals', { ...goal }).then(async (file) => {
        await model.reload(status.folder);
        void vscode.window.showInformationMessage(`Added the goal "${goal.name}" to ${vscode.workspace.asRelativePath(file)}.`, 'Measure Now').then((choice) => {
          if (choice) void goals.measure(status.folder, goal.name).catch(fail(`Could not measure ${goal.name}`));
        });
      }, fail('Could not add the goal'));
    }),
    vscode.commands.registerCommand('conveyor.goals.measure', async (node?: unknown) => {
      const folder = folderOf(node, 'goals') ?? (await pickFolder(model, undefined, 'Measure the goals of which folder?'))?.folder;
      if (!folder) return;
      await goals.measure(folder, node ? lastSegment(node) : undefined).catch(fail('Could not measure the goals'));
    }),
  );
}
