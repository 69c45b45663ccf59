import * as vscode from 'vscode';
import type { ErrorIssue } from '../errors/errorModel';
import { addToConfigList } from '../../core/config/configEdit';
import type { GoalConfig, UptimeCheckConfig } from '../../core/config/conveyorConfig';
import { registerConveyorCommand } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { ErrorService } from './errorService';
import type { GoalService } from './goalService';
import type { UptimeService } from './uptimeService';
import { frameWhere } from './monitorNodes';
import { registerMapUrlToFolder } from './mapUrlToFolder';

interface MonitorServices {
  errors: ErrorService;
  uptime: UptimeService;
  goals: GoalService;
}

export function registerMonitorCommands(model: WorkspaceModel, services: MonitorServices, log: vscode.LogOutputChannel): vscode.Disposable {
  const { errors, uptime, goals } = services;
  const host = { model, log };
  const open = async (location: { file: string; line: number; column: number }) => {
    const position = new vscode.Position(location.line - 1, Math.max(0, location.column - 1));
    await vscode.window.showTextDocument(vscode.Uri.file(location.file), { selection: new vscode.Range(position, position) });
  };
  /** A command on an issue row, or given an issue id (the row's click, the CodeLens and the hover pass one). */
  const onIssue = (id: string, run: (issue: ErrorIssue) => unknown) =>
    registerConveyorCommand(
      host,
      id,
      ({ ref }, arg?: unknown) => {
        const issueId = typeof arg === 'string' ? arg : ref?.id;
        const issue = issueId ? errors.issue(issueId) : undefined;
        return issue && run(issue);
      },
      { refs: ['error'] },
    );
  const receiver = { failure: 'Could not start the local error receiver' };

  return vscode.Disposable.from(
    registerConveyorCommand(
      host,
      'conveyor.errors.copyDsn',
      async () => {
        const dsn = await errors.startReceiver();
        if (!dsn) return;
        await vscode.env.clipboard.writeText(dsn);
        void vscode.window.showInformationMessage(
          `Copied the local Sentry DSN ${dsn}. Set SENTRY_DSN to it in your app: its errors appear in the Errors view and next to the code.`,
        );
      },
      receiver,
    ),
    registerConveyorCommand(host, 'conveyor.errors.startReceiver', () => errors.startReceiver(), receiver),
    registerConveyorCommand(host, 'conveyor.errors.stopReceiver', () => errors.stopReceiver()),
    registerConveyorCommand(host, 'conveyor.errors.clearLocal', async () => {
      const ok = await vscode.window.showWarningMessage('Forget every error the local receiver has stored?', { modal: true }, 'Clear');
      if (ok) await errors.clearLocal();
    }),
    registerConveyorCommand(host, 'conveyor.errors.refresh', () => errors.refreshHosted()),
    registerConveyorCommand(
      host,
      'conveyor.errors.signIn',
      async ({ status }) => {
        if (status.monitor.sentry) await errors.signIn(status);
        else
          void vscode.window.showInformationMessage(
            `${status.name} has no hosted Sentry in conveyor.yml (sentry.org and sentry.project); the local receiver needs no sign-in.`,
          );
      },
      { folder: { placeHolder: 'Sign in to the Sentry of which folder?' } },
    ),
    onIssue('conveyor.errors.openIssue', async (issue) => {
      const location = errors.locationOf(issue.id);
      if (location) return open(location);
      await vscode.commands.executeCommand('conveyor.errors.showStack', issue.id);
    }),
    registerMapUrlToFolder(host, errors),
    onIssue('conveyor.errors.openInSentry', async (issue) => {
      if (issue.url) await vscode.env.openExternal(vscode.Uri.parse(issue.url));
    }),
    onIssue('conveyor.errors.showStack', async (issue) => {
      const frames = issue.latestEvent?.frames ?? [];
      // Innermost first, as a stack trace reads.
      const items = await Promise.all(
        frames.map(async (frame, index) => {
          const location = await errors.mapFrame(issue, index);
          return {
            label: `${location ? '$(file-code)' : '$(library)'} ${frame.function ?? '<anonymous>'}`,
            description: frameWhere(frame),
            detail: location
              ? vscode.workspace.asRelativePath(location.file) + `:${location.line}`
              : frame.inApp === false
                ? 'not your code'
                : 'not in this workspace',
            location,
          };
        }),
      );
      const picked = await vscode.window.showQuickPick(items.reverse(), {
        title: `${issue.shortId}: ${issue.title}`,
        placeHolder: frames.length ? 'Go to a frame of the stack' : 'This event has no stack trace',
        matchOnDescription: true,
      });
      if (picked?.location) await open(picked.location);
    }),

    registerConveyorCommand(
      host,
      'conveyor.uptime.add',
      async ({ status }) => {
        const url = await vscode.window.showInputBox({
          title: 'Add Uptime Check (1/2)',
          prompt: 'URL to probe with GET',
          placeHolder: 'https://example.com/health',
          ignoreFocusOut: true,
          validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'An http:// or https:// URL'),
        });
        if (!url) return;
        const suggested = new URL(url.trim()).host;
        const name = await vscode.window.showInputBox({
          title: 'Add Uptime Check (2/2)',
          prompt: 'Name',
          value: suggested,
          ignoreFocusOut: true,
          validateInput: (v) => (v.trim() ? undefined : 'A name is needed'),
        });
        if (!name) return;
        const check: UptimeCheckConfig = { name: name.trim(), url: url.trim(), interval: 60 };
        const file = await addToConfigList(status.folder, 'uptime', { ...check });
        await model.reload(status.folder);
        void vscode.window.showInformationMessage(
          `Added the uptime check "${check.name}" to ${vscode.workspace.asRelativePath(file)}; it is probed every ${check.interval} s.`,
        );
      },
      { folder: { placeHolder: 'Add an uptime check to which folder?' }, failure: 'Could not add the uptime check' },
    ),
    registerConveyorCommand(
      host,
      'conveyor.uptime.probeNow',
      async ({ ref }) => {
        if (ref) await uptime.probeNow(ref.folder, ref.name);
      },
      { needsTrust: 'uptime checks wait', refs: ['uptime-check'] },
    ),

    registerConveyorCommand(
      host,
      'conveyor.goals.add',
      async ({ status, failed }) => {
        const kind = await vscode.window.showQuickPick(
          [
            { label: '$(dashboard) Page speed', description: 'Lighthouse performance score of a URL', source: 'lighthouse' as const },
            {
              label: '$(json) Any metric',
              description: 'a number read from a JSON endpoint (users, revenue…)',
              source: 'http-json' as const,
            },
          ],
          { title: 'Add Goal', placeHolder: 'What does the goal measure?' },
        );
        if (!kind) return;
        const url = await vscode.window.showInputBox({
          title: 'Add Goal',
          prompt: kind.source === 'lighthouse' ? 'Page URL' : 'JSON endpoint URL',
          ignoreFocusOut: true,
          validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'An http:// or https:// URL'),
        });
        if (!url) return;
        let valuePath: string | undefined;
        if (kind.source === 'http-json') {
          valuePath = await vscode.window.showInputBox({
            title: 'Add Goal',
            prompt: 'Where the number is in the JSON answer',
            placeHolder: 'data.users.total',
            ignoreFocusOut: true,
            validateInput: (v) => (v.trim() ? undefined : 'A path such as data.total or items[0].value'),
          });
          if (!valuePath) return;
        }
        const name = await vscode.window.showInputBox({
          title: 'Add Goal',
          prompt: 'Name',
          value: kind.source === 'lighthouse' ? 'Page speed' : valuePath,
          ignoreFocusOut: true,
          validateInput: (v) => (v.trim() ? undefined : 'A name is needed'),
        });
        if (!name) return;
        const targetText = await vscode.window.showInputBox({
          title: 'Add Goal',
          prompt: kind.source === 'lighthouse' ? 'Target score (0–100), empty for none' : 'Target value, empty for none',
          value: kind.source === 'lighthouse' ? '90' : '',
          ignoreFocusOut: true,
          validateInput: (v) => (v.trim() === '' || Number.isFinite(Number(v)) ? undefined : 'A number'),
        });
        if (targetText === undefined) return;
        const goal: GoalConfig = {
          name: name.trim(),
          source: kind.source,
          url: url.trim(),
          ...(kind.source === 'lighthouse' ? { metric: 'performance' } : { valuePath: valuePath?.trim() }),
          ...(targetText.trim() ? { target: Number(targetText), direction: 'up' } : {}),
        };
        const file = await addToConfigList(status.folder, 'goals', { ...goal });
        await model.reload(status.folder);
        void vscode.window
          .showInformationMessage(`Added the goal "${goal.name}" to ${vscode.workspace.asRelativePath(file)}.`, 'Measure Now')
          .then((choice) => {
            if (choice) void goals.measure(status.folder, goal.name).catch(failed(`Could not measure ${goal.name}`));
          });
      },
      { folder: { placeHolder: 'Add a goal to which folder?' }, failure: 'Could not add the goal' },
    ),
    registerConveyorCommand(host, 'conveyor.goals.measure', ({ status, ref }) => goals.measure(status.folder, ref?.name), {
      folder: { placeHolder: 'Measure the goals of which folder?' },
      refs: ['goal'],
      failure: 'Could not measure the goals',
    }),
  );
}
