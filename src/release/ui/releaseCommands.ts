import * as vscode from 'vscode';
import { registerConveyorCommand } from '../../ui/commands';
import type { ReportFailure } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { ReleaseProgress } from '../releaseFlow';
import type { ReleasePlan } from '../releasePlan';
import type { VersionBump } from '../version/conventionalCommits';
import { releaseEngine } from './releaseEngineLoader';
import type { ReleaseService } from './releaseService';
import { isServiceError, messageOf } from '../../core/errors';

/** Create Release (plan → choose version → gate → confirm → progress), registry sign-in, npm token, copy digest. */
export function registerReleaseCommands(model: WorkspaceModel, service: ReleaseService, log: vscode.LogOutputChannel): vscode.Disposable {
  const host = { model, log };
  return vscode.Disposable.from(
    registerConveyorCommand(
      host,
      'conveyor.release.create',
      ({ status, failed }) => createRelease(model, status.folder, service, log, failed),
      {
        needsTrust: 'Conveyor creates no release (git, docker)',
        folder: { placeHolder: 'Release which folder?' },
      },
    ),
    registerConveyorCommand(host, 'conveyor.release.signIn', async () => {
      const registry = await vscode.window.showInputBox({
        title: 'Sign in to a container registry',
        prompt: 'Registry host, e.g. ghcr.io or 127.0.0.1:5000',
        value: model.activeFolder()?.image?.registry.split('/')[0],
      });
      if (registry) await service.signIn(registry.trim());
    }),
    registerConveyorCommand(host, 'conveyor.release.setNpmToken', async () => {
      const registry = await vscode.window.showInputBox({
        title: 'Set npm Registry Token',
        prompt: 'Registry URL, e.g. https://registry.npmjs.org/, https://npm.pkg.github.com/ or a Nexus repository URL',
        value: model.activeFolder()?.package?.registry,
        validateInput: (value) => (/^https?:\/\/[^/\s]+/.test(value.trim()) ? undefined : 'An http:// or https:// URL'),
      });
      if (registry) await service.setNpmToken(registry.trim());
    }),
    registerConveyorCommand(
      host,
      'conveyor.release.copyDigest',
      async ({ ref }) => {
        if (!ref?.image) return;
        const reference = `${ref.image.repository}@${ref.image.digest}`;
        await vscode.env.clipboard.writeText(reference);
        vscode.window.setStatusBarMessage(`Copied ${reference}`, 4000);
      },
      { refs: ['release'] },
    ),
  );
}

async function createRelease(
  model: WorkspaceModel,
  folder: string,
  service: ReleaseService,
  log: vscode.LogOutputChannel,
  failed: ReportFailure,
): Promise<void> {
  const engine = releaseEngine();
  let plan: ReleasePlan;
  try {
    // A fresh look at the folder: the release must see the files as they are now, not as last watched.
    const folderStatus = await model.describeNow(folder);
    plan = await engine.planRelease(folderStatus);
    // HEAD released already: asked before a version is chosen, or a bump would tag the same commit twice.
    const released = engine.gateProblem(plan);
    if (released?.tag) {
      const push = `Push ${released.tag}`;
      if ((await vscode.window.showInformationMessage(released.message, push)) === push) await pushAgain(folder, released.tag, log);
      return;
    }
    const chosen = await chooseVersion(plan);
    if (!chosen) return;
    if (chosen !== plan.version)
      plan = await engine.planRelease(
        folderStatus,
        ['major', 'minor', 'patch'].includes(chosen) ? { bump: chosen as VersionBump } : { version: chosen },
      );
  } catch (error) {
    return failed('Cannot plan a release')(error);
  }
  const problem = engine.gateProblem(plan);
  let override: { reason: string } | undefined;
  if (problem?.kind === 'gate') {
    const choice = await vscode.window.showWarningMessage(
      problem.message,
      { modal: true, detail: 'Releasing anyway is recorded in the release (who, when, why).' },
      'Run Pipeline',
      'Release Anyway…',
    );
    if (choice === 'Run Pipeline') await vscode.commands.executeCommand('conveyor.pipeline.run', folder);
    if (choice !== 'Release Anyway…') return;
    const reason = await vscode.window.showInputBox({
      title: 'Why release a commit the pipeline did not mark ready?',
      prompt: 'Recorded in the release record',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'A reason is required'),
    });
    if (!reason) return;
    override = { reason: reason.trim() };
  } else if (problem) {
    void vscode.window.showErrorMessage(problem.message);
    return;
  }
  const target = plan.image ? `${plan.image.repository}:${plan.version}` : 'no image';
  const npmPackage = plan.package
    ? `\nPackage: ${plan.package.name}@${plan.version} to ${plan.package.registry} as ${plan.package.distTag} (published for good)`
    : '';
  const confirm = await vscode.window.showInformationMessage(
    `Release v${plan.version}?`,
    {
      modal: true,
      detail: `${plan.currentVersion} → ${plan.version} (${plan.reason})\nFrom ${plan.head.slice(0, 7)}, ${plan.commits.length} commit(s) since ${plan.previousTag ?? 'the start'}\nImage: ${target}${npmPackage}\n\n${plan.changelog}`,
    },
    'Release',
    'Release and Push',
  );
  if (!confirm) return;
  await runRelease(plan, { override, pushGit: confirm === 'Release and Push' }, service, log);
}

/**
 * Pushes a release that was made and tagged here but not pushed: offered when its push fails (again as long as
 * it fails), and when Create Release finds HEAD is that release already.
 */
async function pushAgain(folder: string, tag: string, log: vscode.LogOutputChannel): Promise<void> {
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pushing ${tag} to origin` }, () =>
      releaseEngine().pushRelease(folder, tag),
    );
    log.info(`Pushed ${tag} and its branch to origin`);
    void vscode.window.showInformationMessage(`Pushed ${tag} and its branch to origin.`);
  } catch (error) {
    const message = messageOf(error);
    log.error(`Pushing ${tag} failed: ${message}`);
    const choice = await vscode.window.showErrorMessage(
      `Release ${tag} is still not pushed: ${message}. Push it later with git push --follow-tags.`,
      'Push Again',
      'Show Log',
    );
    if (choice === 'Show Log') log.show();
    if (choice === 'Push Again') await pushAgain(folder, tag, log);
  }
}

async function runRelease(
  plan: ReleasePlan,
  choice: { override?: { reason: string }; pushGit: boolean },
  service: ReleaseService,
  log: vscode.LogOutputChannel,
): Promise<void> {
  const engine = releaseEngine();
  const npmToken = plan.package ? await service.npmTokenFor(plan.package.registry) : undefined;
  const dockerHost = service.dockerHost();
  try {
    // Inside the try: a credential helper that fails is reported like any other failed release.
    const credentials = plan.image ? await service.credentialsFor(plan.image.host) : undefined;
    const record = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Releasing v${plan.version}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const report = progressReporter(progress, log);
        return engine.executeRelease(plan, {
          override: choice.override && { ...choice.override, by: vscode.env.machineId.slice(0, 8) },
          pushGit: choice.pushGit,
          credentials,
          npmToken,
          docker: plan.image ? engine.connectEngine(dockerHost) : undefined,
          signal: abort.signal,
          onProgress: report,
        });
      },
    );
    const published = record.package && `${record.package.name}@${record.package.version} (${record.package.distTag})`;
    log.info(
      `Released ${record.tag} at ${record.commit}${record.image ? ` as ${record.image.repository}@${record.image.digest}` : ''}${published ? `, published ${published} ${record.package?.integrity}` : ''}`,
    );
    service.invalidate(plan.folder);
    void vscode.commands.executeCommand('conveyor.releases.focus');
    void vscode.window.showInformationMessage(
      `Released ${record.tag}${record.image ? ` — ${record.image.repository}@${record.image.digest.slice(0, 19)}…` : ''}${published ? ` — ${published}` : ''}`,
    );
  } catch (error) {
    const message = messageOf(error);
    log.error(`Release v${plan.version} failed: ${message}`);
    // The registry client says so by kind; a push refused by the Docker engine only says it in words.
    // The registry's own error, thrown as it is before the release commit, or the cause of the ReleaseError after it.
    const serviceError = isServiceError(error) ? error : error instanceof Error ? error.cause : undefined;
    const npmRefused =
      plan.package &&
      (isServiceError(serviceError, 'unauthorized') || isServiceError(serviceError, 'forbidden')) &&
      serviceError.service.startsWith('the npm registry');
    const unauthorized =
      !npmRefused && (isServiceError(error, 'unauthorized') || /\b401\b|unauthorized|refused the credentials/i.test(message)) && plan.image;
    // Made and tagged here, only not pushed: the message says so itself, and the push can be tried again.
    const unpushedTag = error instanceof engine.ReleaseError && error.kind === 'unpushed' ? error.tag : undefined;
    const choice = await vscode.window.showErrorMessage(
      unpushedTag ? message : `Release v${plan.version} failed, nothing was tagged: ${message}`,
      ...(unpushedTag ? ['Push Again'] : []),
      ...(unauthorized ? ['Sign In to Registry'] : []),
      ...(npmRefused ? ['Set npm Registry Token…'] : []),
      'Show Log',
    );
    if (choice === 'Show Log') log.show();
    if (choice === 'Push Again' && unpushedTag) await pushAgain(plan.folder, unpushedTag, log);
    if (choice === 'Sign In to Registry' && plan.image) await service.signIn(plan.image.host);
    if (choice === 'Set npm Registry Token…' && plan.package) await service.setNpmToken(plan.package.registry);
  }
}

function progressReporter(
  progress: vscode.Progress<{ message?: string; increment?: number }>,
  log: vscode.LogOutputChannel,
): (p: ReleaseProgress) => void {
  const layers = new Map<string, { current: number; total: number; done: boolean }>();
  let lastMessage = '';
  return (p) => {
    if (p.buildLine) log.trace(`[build] ${p.buildLine}`);
    if (p.layer) {
      const { id, status, current, total } = p.layer;
      const known = layers.get(id) ?? { current: 0, total: 0, done: false };
      layers.set(id, {
        current: current ?? known.current,
        total: total ?? known.total,
        done: known.done || /Pushed|already exists/.test(status),
      });
      const all = [...layers.values()];
      const mb = (n: number) => (n / 1048576).toFixed(1);
      progress.report({
        message: `${p.message}: ${all.filter((l) => l.done).length}/${all.length} layers, ${mb(all.reduce((a, l) => a + l.current, 0))}/${mb(all.reduce((a, l) => a + l.total, 0))} MB`,
      });
      return;
    }
    if (p.message !== lastMessage) {
      lastMessage = p.message;
      log.info(`[release] ${p.message}`);
      progress.report({ message: p.message });
    }
  };
}

async function chooseVersion(plan: ReleasePlan): Promise<string | undefined> {
  const semverInc = (bump: VersionBump) => {
    const [major, minor, patch] = plan.currentVersion.split(/[.-]/).map(Number);
    return bump === 'major' ? `${major + 1}.0.0` : bump === 'minor' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
  };
  const items: (vscode.QuickPickItem & { value: string })[] = [
    ...(plan.bump ? [{ label: plan.version, description: `${plan.bump} — recommended`, detail: plan.reason, value: plan.version }] : []),
    ...(['major', 'minor', 'patch'] as const)
      .filter((b) => b !== plan.bump)
      .map((b) => ({ label: semverInc(b), description: b, value: b })),
    { label: 'Another version…', description: 'type it', value: '' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Release ${plan.currentVersion} → ?`,
    placeHolder: plan.bump ? undefined : plan.reason,
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  if (picked.value) return picked.value;
  return vscode.window.showInputBox({
    title: 'Release version',
    prompt: `Greater than ${plan.currentVersion}`,
    ignoreFocusOut: true,
    validateInput: (v) => (/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/.test(v.trim()) ? undefined : 'A semantic version such as 2.0.0'),
  });
}
