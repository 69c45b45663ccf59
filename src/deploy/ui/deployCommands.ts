import * as vscode from 'vscode';
import type { RefOf } from '../../core/viewNode';
import type { FolderStatus } from '../../loop/folderStatus';
import { registerConveyorCommand } from '../../ui/commands';
import type { CommandOptions, ReportFailure } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { EnvironmentDefinition } from '../environmentDefinition';
import type { AutoscaleBounds } from '../operate/autoscale';
import type { WorkloadRef } from '../workloadStatus';
import type { DeployService } from './deployService';
import { deployEngine } from './deployEngineLoader';
import { openForward, showForwards, startPortForward } from './portForwardPrompts';
import { messageOf } from '../../core/errors';

/** What an Environments row stands for: an environment, and the deployment and pod when the row is one. */
interface Target {
  status: FolderStatus;
  env: EnvironmentDefinition;
  /** The workload's name (a pod row's owner); with `workload` on a workload row. */
  deployment?: string;
  workload?: WorkloadRef;
  pod?: string;
}

const CHANGE_BOUNDS = 'Change Autoscaling Bounds…';
const REMOVE_AUTOSCALING = 'Remove Autoscaling';
/** What `kubectl autoscale` aims at without --cpu-percent. */
const DEFAULT_TARGET_CPU = 80;

const workloadForwardKind = { Deployment: 'deployment', StatefulSet: 'statefulset', DaemonSet: 'daemonset' } as const;

/** The Restricted Mode text of every command that talks to a cluster. */
const cluster = (doing: string) => `${doing} talks to your cluster, so it waits`;

function targetOf(status: FolderStatus | undefined, ref: RefOf<'environment' | 'deployment' | 'pod'> | undefined): Target | undefined {
  const env = ref && status?.deploy.environments.find((e) => e.name === ref.env);
  if (!status || !ref || !env) return undefined;
  return {
    status,
    env,
    deployment: ref.kind === 'deployment' ? ref.name : ref.kind === 'pod' ? ref.deployment : undefined,
    workload: ref.kind === 'deployment' ? { kind: ref.workloadKind, name: ref.name } : undefined,
    pod: ref.kind === 'pod' ? ref.name : undefined,
  };
}

export function registerDeployCommands(model: WorkspaceModel, service: DeployService, log: vscode.LogOutputChannel): vscode.Disposable {
  const host = { model, log };
  const pickEnvironment = async (status: FolderStatus, placeHolder: string): Promise<EnvironmentDefinition | undefined> => {
    const environments = status.deploy.environments;
    if (environments.length === 0) {
      void vscode.window
        .showInformationMessage(
          `${status.name} has no environments: add one under environments in conveyor.yml (context, namespace, manifests).`,
          'Open conveyor.yml',
        )
        .then((c) => c && void vscode.commands.executeCommand('conveyor.openConfig', status.folder));
      return undefined;
    }
    if (environments.length === 1) return environments[0];
    const picked = await vscode.window.showQuickPick(
      environments.map((e) => ({
        label: e.name,
        description: [e.context, e.namespace].filter(Boolean).join(' / '),
        detail: e.confirm ? 'Asks before deploying' : undefined,
        env: e,
      })),
      { placeHolder },
    );
    return picked?.env;
  };

  const deploy = async (status: FolderStatus, tag: string | undefined, env: EnvironmentDefinition | undefined) => {
    const engine = deployEngine();
    const entries = await engine.listReleaseRecords(status.folder);
    let release;
    if (tag) release = engine.selectRelease(entries, tag);
    else {
      const candidates = entries.filter((e) => e.record?.image);
      if (candidates.length === 0) throw new Error('No release with an image digest yet: create one from the Releases view.');
      const picked = await vscode.window.showQuickPick(
        candidates.map((e) => ({
          label: e.tag,
          description: `${e.record?.image?.repository ?? ''}@${e.record?.image?.digest.slice(0, 19) ?? ''}…`,
          detail: e.record?.gateOverride ? 'Released without a ready mark' : `Commit ${e.commit.slice(0, 7)}`,
          tag: e.tag,
        })),
        { placeHolder: 'Deploy which release?' },
      );
      if (!picked) return;
      release = engine.selectRelease(entries, picked.tag);
    }
    const environment = env ?? (await pickEnvironment(status, `Deploy ${release.version} to…`));
    if (!environment) return;
    service.recordRollout(status.folder, environment.name, {
      environment: environment.name,
      release: release.version,
      state: 'running',
      message: 'Starting',
    });
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Deploying ${release.version} to ${environment.name}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return engine.deployRelease({
          folder: status.folder,
          environment,
          release,
          kubeconfig: service.kubeconfigSource({ askAgain: true }),
          signal: abort.signal,
          // Production (confirm: true) asks first, showing the server's own dry run of what will change.
          confirm: async (plan) => {
            const summary = plan.objects
              .map((o) => `${o.action} ${o.ref.kind}/${o.ref.name}${o.changes.length ? `: ${o.changes.join(', ')}` : ''}`)
              .join('\n');
            const choice = await vscode.window.showWarningMessage(
              `Deploy ${release.version} to ${environment.name} (${plan.context} / ${plan.namespace})?`,
              { modal: true, detail: summary },
              'Deploy',
            );
            return choice === 'Deploy';
          },
          onProgress: (p) => {
            progress.report({ message: p.rollout ? `${p.rollout.deployment}: ${p.rollout.ready}/${p.rollout.desired} ready` : p.message });
            log.info(`Deploy ${environment.name}: ${p.message}`);
            if (p.rollout)
              service.recordRollout(status.folder, environment.name, {
                environment: environment.name,
                release: release.version,
                state: 'running',
                message: p.rollout.message,
              });
          },
        });
      },
    );
    log.info(engine.describeResult(result).trimEnd());
    if (!result.confirmed) {
      service.recordRollout(status.folder, environment.name, {
        environment: environment.name,
        release: release.version,
        state: 'failed',
        message: 'Not confirmed: nothing was applied.',
      });
      return;
    }
    if (result.ok) {
      service.recordRollout(status.folder, environment.name, {
        environment: environment.name,
        release: release.version,
        state: 'complete',
        message: `Rolled out in ${(result.durationMs / 1000).toFixed(1)} s`,
      });
      void vscode.window.showInformationMessage(
        `Deployed ${release.version} to ${environment.name}: rolled out in ${(result.durationMs / 1000).toFixed(1)} s.`,
      );
      return;
    }
    const reasons = result.rollouts.flatMap((r) => r.problems).map((p) => `${p.pod}: ${p.reason}${p.message ? ` (${p.message})` : ''}`);
    const message = `${result.failure?.message ?? 'The rollout failed'}${reasons.length ? ` — ${reasons.slice(0, 3).join('; ')}` : ''}`;
    if (result.rolledBack) {
      service.recordRollout(status.folder, environment.name, {
        environment: environment.name,
        release: release.version,
        state: 'rolled-back',
        message,
      });
      void vscode.window.showErrorMessage(`Deploy of ${release.version} to ${environment.name} failed and was rolled back: ${message}`);
      return;
    }
    service.recordRollout(status.folder, environment.name, {
      environment: environment.name,
      release: release.version,
      state: 'failed',
      message,
    });
    const choice = await vscode.window.showErrorMessage(
      `Deploy of ${release.version} to ${environment.name} failed: ${message}`,
      'Roll Back',
      'Show Log',
    );
    if (choice === 'Show Log') log.show();
    if (choice === 'Roll Back')
      await rollBack(
        status,
        environment,
        result.rollouts.map((r) => ({ kind: r.kind, name: r.deployment })),
      );
  };

  const rollBack = async (status: FolderStatus, environment: EnvironmentDefinition, workloads: WorkloadRef[]) => {
    const engine = deployEngine();
    const outcomes = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Rolling back ${workloads.map((w) => w.name).join(', ')} in ${environment.name}`,
      },
      (progress) =>
        engine.rollBack({
          environment,
          kubeconfig: service.kubeconfigSource({ askAgain: true }),
          deployments: [],
          workloads,
          onProgress: (p) => progress.report({ message: p.message }),
        }),
    );
    const failed = outcomes.filter((o) => o.error || o.rollout?.status !== 'complete');
    const summary = outcomes
      .map((o) =>
        o.error
          ? `${o.deployment}: ${o.error}`
          : `${o.deployment} → revision ${o.result?.toRevision ?? '?'}${o.result?.release ? ` (${o.result.release})` : ''}`,
      )
      .join('; ');
    service.recordRollout(status.folder, environment.name, {
      environment: environment.name,
      release: outcomes[0]?.result?.release ?? 'previous revision',
      state: failed.length ? 'failed' : 'complete',
      message: `Rolled back: ${summary}`,
    });
    if (failed.length) void vscode.window.showErrorMessage(`Roll back in ${environment.name} did not complete: ${summary}`);
    else void vscode.window.showInformationMessage(`Rolled back in ${environment.name}: ${summary}.`);
  };

  /** The environment's kube config and namespace, for the operate commands. */
  const connected = async (target: Target) => service.connection(target.status, target.env);

  /** Asks for min, max and target CPU (prefilled from `current`) and applies the autoscaler. */
  const autoscale = async (target: Target & { deployment: string }, current: Partial<AutoscaleBounds>, failed: ReportFailure) => {
    const { config, namespace, watch } = await connected(target);
    const replicas = watch.deployments().find((d) => d.name === target.deployment)?.desired ?? 1;
    const title = `Autoscale ${target.deployment}`;
    const min = await askWholeNumber(title, 'Min replicas', current.min ?? Math.max(replicas, 1), 1);
    if (min === undefined) return;
    const max = await askWholeNumber(title, `Max replicas (${min} or more)`, current.max ?? Math.max(min * 2, 2), min);
    if (max === undefined) return;
    const targetCPU = await askWholeNumber(title, "Target CPU (% of the pods' CPU requests)", current.targetCPU ?? DEFAULT_TARGET_CPU, 1);
    if (targetCPU === undefined) return;
    await deployEngine()
      .autoscaleDeployment(config, namespace, target.deployment, { min, max, targetCPU })
      .then(
        () => vscode.window.setStatusBarMessage(`Autoscaling ${target.deployment}: ${min}–${max} replicas at ${targetCPU}% CPU`, 5000),
        failed(`Could not autoscale ${target.deployment}`),
      );
  };

  const removeAutoscaling = async (target: Target & { deployment: string }, failed: ReportFailure) => {
    const ok = await vscode.window.showWarningMessage(
      `Remove the autoscaling of ${target.deployment} in ${target.env.name}?`,
      { modal: true, detail: 'The deployment keeps the replica count it has now; nothing scales it on load any more.' },
      REMOVE_AUTOSCALING,
    );
    if (!ok) return;
    const { config, namespace } = await connected(target);
    await deployEngine()
      .removeAutoscaling(config, namespace, target.deployment)
      .then(
        (removed) =>
          vscode.window.setStatusBarMessage(
            removed ? `Removed the autoscaling of ${target.deployment}` : `${target.deployment} had no autoscaler`,
            5000,
          ),
        failed(`Could not remove the autoscaling of ${target.deployment}`),
      );
  };

  /** A command on an Environments row, run while conveyor.yml still has the row's environment. */
  const onTarget = <K extends 'environment' | 'deployment' | 'pod'>(
    id: string,
    run: (target: Target, failed: ReportFailure) => unknown,
    options: CommandOptions<K>,
  ) =>
    registerConveyorCommand(
      host,
      id,
      ({ status, ref, failed }) => {
        const target = targetOf(status, ref);
        return target && run(target, failed);
      },
      options,
    );

  return vscode.Disposable.from(
    registerConveyorCommand(
      host,
      'conveyor.deploy.deployRelease',
      ({ status, ref }) =>
        deploy(
          status,
          ref?.kind === 'release' ? ref.tag : undefined,
          ref?.kind === 'environment' ? status.deploy.environments.find((e) => e.name === ref.env) : undefined,
        ),
      {
        needsTrust: cluster('Deploying'),
        folder: { placeHolder: 'Deploy a release of which folder?' },
        refs: ['release', 'environment'],
        failure: 'Deploy failed',
      },
    ),
    onTarget(
      'conveyor.deploy.rollback',
      async (target) => {
        const workloads = target.workload
          ? [target.workload]
          : (await connected(target)).watch.deployments().map((d) => ({ kind: d.kind, name: d.name }));
        if (workloads.length === 0) return void vscode.window.showInformationMessage(`No workloads in ${target.env.name} to roll back.`);
        const ok = target.env.confirm
          ? await vscode.window.showWarningMessage(
              `Roll back ${workloads.map((w) => w.name).join(', ')} in ${target.env.name} to the previous revision?`,
              { modal: true },
              'Roll Back',
            )
          : 'Roll Back';
        if (ok) await rollBack(target.status, target.env, workloads);
      },
      { needsTrust: cluster('Rolling back'), refs: ['environment', 'deployment'], failure: 'Roll back failed' },
    ),
    onTarget(
      'conveyor.deploy.scale',
      async (target, failed) => {
        const { workload } = target;
        if (!workload || !deployEngine().isScalable(workload)) return;
        const deployment = workload.name;
        const { config, namespace, watch } = await connected(target);
        // A manual scale of an autoscaled deployment lasts until the autoscaler's next sync (15 s by default).
        const autoscaler =
          workload.kind === 'Deployment'
            ? await deployEngine()
                .autoscalerOf(config, namespace, deployment)
                .catch((error: unknown) => void log.warn(`Scale ${deployment}: could not check for an autoscaler: ${messageOf(error)}`))
            : undefined;
        if (autoscaler) {
          const bounds = deployEngine().boundsOf(autoscaler);
          const choice = await vscode.window.showWarningMessage(
            `${deployment} is autoscaled (${bounds.min}–${bounds.max} replicas): its autoscaler will undo a manual scale.`,
            { modal: true, detail: `Change the autoscaler's bounds instead to keep the replica count where you want it.` },
            CHANGE_BOUNDS,
            'Scale Anyway',
          );
          if (choice === CHANGE_BOUNDS) return autoscale({ ...target, deployment }, bounds, failed);
          if (choice !== 'Scale Anyway') return;
        }
        const current = watch.deployments().find((d) => d.name === deployment)?.desired ?? 1;
        const answer = await askWholeNumber(`Scale ${deployment}`, 'Replicas', current, 0);
        if (answer === undefined) return;
        await deployEngine()
          .scaleWorkload(config, namespace, workload, answer)
          .then(
            (replicas) => vscode.window.setStatusBarMessage(`Scaled ${deployment} to ${replicas}`, 5000),
            failed(`Could not scale ${deployment}`),
          );
      },
      { needsTrust: cluster('Scaling'), refs: ['deployment'] },
    ),
    onTarget(
      'conveyor.deploy.autoscale',
      async (target, failed) => {
        const { deployment } = target;
        if (!deployment) return;
        const { config, namespace } = await connected(target);
        const found = await deployEngine()
          .autoscalerOf(config, namespace, deployment)
          .then((autoscaler) => ({ autoscaler }), failed(`Could not read the autoscaler of ${deployment}`));
        if (!found) return;
        const existing = found.autoscaler;
        if (!existing) return autoscale({ ...target, deployment }, {}, failed);
        const picked = await vscode.window.showQuickPick([CHANGE_BOUNDS, REMOVE_AUTOSCALING], {
          title: `${deployment} is autoscaled by ${existing.metadata?.name ?? 'an autoscaler'}`,
        });
        if (picked === CHANGE_BOUNDS) await autoscale({ ...target, deployment }, deployEngine().boundsOf(existing), failed);
        if (picked === REMOVE_AUTOSCALING) await removeAutoscaling({ ...target, deployment }, failed);
      },
      { needsTrust: cluster('Autoscaling'), refs: ['deployment'] },
    ),
    onTarget(
      'conveyor.deploy.removeAutoscaling',
      async (target, failed) => target.deployment && removeAutoscaling({ ...target, deployment: target.deployment }, failed),
      { needsTrust: cluster('Removing autoscaling'), refs: ['deployment'] },
    ),
    onTarget(
      'conveyor.deploy.restart',
      async (target, failed) => {
        const { workload } = target;
        if (!workload) return;
        const ok = target.env.confirm
          ? await vscode.window.showWarningMessage(
              `Restart every pod of ${workload.name} in ${target.env.name}?`,
              { modal: true },
              'Restart',
            )
          : 'Restart';
        if (!ok) return;
        const { config, namespace } = await connected(target);
        await deployEngine()
          .restartWorkload(config, namespace, workload)
          .then(() => vscode.window.setStatusBarMessage(`Restarting ${workload.name}`, 5000), failed(`Could not restart ${workload.name}`));
      },
      { needsTrust: cluster('Restarting'), refs: ['deployment'] },
    ),
    onTarget(
      'conveyor.deploy.deletePod',
      async (target, failed) => {
        if (!target.pod) return;
        const ok = await vscode.window.showWarningMessage(
          `Delete pod ${target.pod}? Its deployment starts a new one.`,
          { modal: true },
          'Delete',
        );
        if (!ok) return;
        const { config, namespace } = await connected(target);
        await deployEngine()
          .deletePod(config, namespace, target.pod)
          .catch(failed(`Could not delete ${target.pod}`));
      },
      { needsTrust: cluster('Deleting a pod'), refs: ['pod'] },
    ),
    onTarget(
      'conveyor.deploy.streamLogs',
      async (target) => {
        if (!target.deployment) return;
        const { config, namespace, watch } = await connected(target);
        const pods = watch.pods(target.deployment).filter((p) => !target.pod || p.name === target.pod);
        if (pods.length === 0) return void vscode.window.showInformationMessage(`${target.deployment} has no pods yet.`);
        const containers = [...new Set(pods.flatMap((p) => p.containers))];
        const container =
          containers.length > 1
            ? await vscode.window.showQuickPick(containers, { placeHolder: 'Logs of which container?' })
            : containers[0];
        if (containers.length > 1 && !container) return;
        openLogTerminal(`Logs: ${target.pod ?? target.deployment}`, (write, signal) =>
          deployEngine().streamLogs(
            config,
            namespace,
            pods.map((p) => ({ pod: p.name, container })),
            { follow: true, tailLines: 200, signal, onLine: (line) => write(pods.length > 1 ? line.prefixed : line.text) },
          ),
        );
      },
      { needsTrust: cluster('Streaming logs'), refs: ['deployment', 'pod'] },
    ),
    onTarget(
      'conveyor.deploy.showEvents',
      async (target, failed) => {
        if (!target.deployment) return;
        const { config, namespace } = await connected(target);
        const involved = target.pod
          ? { kind: 'Pod', name: target.pod }
          : { kind: target.workload?.kind ?? 'Deployment', name: target.deployment };
        const events = await deployEngine()
          .listEvents(config, namespace, involved)
          .catch(failed(`Could not read the events of ${involved.name}`));
        if (!events) return;
        await vscode.window.showQuickPick(
          events.length
            ? events.map((e) => ({
                label: `${e.type === 'Warning' ? '$(warning)' : '$(info)'} ${e.reason}`,
                description: `${e.count > 1 ? `×${e.count} · ` : ''}${e.age}`,
                detail: e.message,
              }))
            : [{ label: 'No events', description: '', detail: 'Kubernetes keeps events for about an hour.' }],
          { title: `Events of ${involved.kind.toLowerCase()} ${involved.name}`, matchOnDetail: true },
        );
      },
      { refs: ['deployment', 'pod'] },
    ),
    onTarget(
      'conveyor.deploy.portForward',
      (target) =>
        startPortForward(
          service,
          target.status,
          target.env,
          target.pod
            ? { kind: 'pod', name: target.pod }
            : target.workload
              ? { kind: workloadForwardKind[target.workload.kind], name: target.workload.name }
              : undefined,
        ),
      { needsTrust: cluster('Port-forwarding'), refs: ['environment', 'deployment', 'pod'], failure: 'Could not start the port-forward' },
    ),
    registerConveyorCommand(
      host,
      'conveyor.deploy.stopPortForward',
      ({ ref }) => (ref ? service.stopForward(ref.id) : showForwards(service)),
      { refs: ['port-forward'] },
    ),
    registerConveyorCommand(
      host,
      'conveyor.deploy.openPortForward',
      async ({ ref }) => {
        const forward = service.forwards().find((f) => f.id === ref?.id);
        if (forward) await openForward(forward);
      },
      { refs: ['port-forward'] },
    ),
    registerConveyorCommand(host, 'conveyor.deploy.showPortForwards', () => showForwards(service)),
    registerConveyorCommand(
      host,
      'conveyor.deploy.switchContext',
      async ({ failed }) => {
        const contexts = await service.contexts().catch(failed('Could not read the kubeconfig'));
        if (!contexts) return;
        const picked = await vscode.window.showQuickPick(
          contexts.map((c) => ({
            label: c.name,
            description: [c.namespace ?? 'default', c.server].filter(Boolean).join(' · '),
            picked: c.current,
            context: c,
          })),
          { placeHolder: 'Switch the current kube context' },
        );
        if (!picked) return;
        await service.switchContext(picked.context.name);
      },
      { failure: 'Could not switch the context' },
    ),
    registerConveyorCommand(host, 'conveyor.deploy.refresh', () => service.reconnect()),
    registerConveyorCommand(host, 'conveyor.deploy.planInfrastructure', ({ status }) => service.planInfrastructure(status.folder), {
      needsTrust: cluster('terraform plan'),
      folder: { placeHolder: 'Plan the Terraform of which folder?' },
      failure: 'terraform plan failed',
    }),
    registerConveyorCommand(
      host,
      'conveyor.deploy.applyInfrastructure',
      async ({ ref }) => {
        if (!ref) return;
        const changes = service.viewState(ref.folder).infrastructure?.summary;
        const ok = await vscode.window.showWarningMessage(
          `Apply the Terraform plan of ${model.statusOf(ref.folder)?.name ?? ref.folder}?`,
          {
            modal: true,
            detail: changes
              ? `${changes.add} to add, ${changes.change} to change, ${changes.remove} to destroy. This changes real infrastructure.`
              : 'This changes real infrastructure.',
          },
          'Apply',
        );
        if (!ok) return;
        const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'terraform apply' }, () =>
          service.applyInfrastructure(ref.folder),
        );
        void (result.ok ? vscode.window.showInformationMessage(result.message) : vscode.window.showErrorMessage(result.message));
      },
      { needsTrust: cluster('terraform apply'), refs: ['infrastructure'], failure: 'terraform apply failed' },
    ),
  );
}

/** A whole number of at least `least`, or undefined when the user cancelled. */
async function askWholeNumber(title: string, prompt: string, value: number, least: number): Promise<number | undefined> {
  const answer = await vscode.window.showInputBox({
    title,
    prompt,
    value: String(value),
    validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= least ? undefined : `A whole number, ${least} or more`),
  });
  return answer === undefined ? undefined : Number(answer.trim());
}

/** A terminal that shows a log stream; closing it ends the stream. */
function openLogTerminal(name: string, stream: (write: (line: string) => void, signal: AbortSignal) => Promise<unknown>): void {
  const abort = new AbortController();
  const output = new vscode.EventEmitter<string>();
  const pty: vscode.Pseudoterminal = {
    onDidWrite: output.event,
    open: () => {
      void stream((line) => output.fire(`${line.replace(/\r?\n/g, '\r\n')}\r\n`), abort.signal).then(
        () => output.fire('\r\n[stream ended]\r\n'),
        (error: unknown) => output.fire(`\r\n\x1b[31m${messageOf(error)}\x1b[0m\r\n`),
      );
    },
    close: () => abort.abort(),
  };
  vscode.window.createTerminal({ name, pty, iconPath: new vscode.ThemeIcon('output') }).show();
}
