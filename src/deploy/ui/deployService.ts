import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import type { FolderStatus } from '../../loop/folderStatus';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type * as DeployEngine from '../deployEngine';
import { deployEngine } from './deployEngineLoader';
import type { EnvironmentDefinition } from '../environmentDefinition';
import { currentKubeContext, type KubeConfigSource, type KubeCredentialCommand } from '../kubeconfigLocator';
import type { ClusterWatch } from '../operate/clusterWatch';
import type { DeploymentRow } from '../operate/workloadRows';
import type { ForwardInfo, ForwardRequest, PortForwards } from '../operate/portForward';
import type { EnvironmentState, EnvironmentViewState, InfrastructureState, LastRollout } from './deployNodes';
import { messageOf } from '../../core/errors';
import type { RememberedConsent } from '../../core/rememberedConsent';
import { settingWithOrigin } from '../../ui/hostConsent';

/** Scale events listed under an autoscaler row; Kubernetes keeps events for about an hour anyway. */
const RECENT_SCALE_EVENTS = 5;

interface Connected {
  config: KubeConfig;
  context: string;
  namespace: string;
  watch: ClusterWatch;
}

/**
 * Kubernetes for the Environments view and the deploy commands: one kubeconfig (the `conveyor.deploy.kubeconfig`
 * setting, else KUBECONFIG, else ~/.kube/config, like kubectl), a watch per environment's context and namespace
 * that runs only while the view is visible, and the last rollout of each environment.
 */
export class DeployService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly connections = new Map<string, Promise<Connected>>();
  private readonly connected = new Map<string, Connected>();
  private readonly problems = new Map<string, string>();
  private readonly rollouts = new Map<string, LastRollout>();
  private readonly infrastructure = new Map<string, InfrastructureState>();
  private visible = false;
  private currentContext: { context?: string; namespace?: string; problem?: string } = {};
  private readonly listeners: vscode.Disposable[];
  /** Created with the first forward, so the deploy engine stays unloaded until then. */
  private portForwards?: PortForwards;
  /** The folder and environment each forward belongs to, by its id. */
  private readonly forwardHomes = new Map<string, { folder: string; env: string }>();

  constructor(
    private readonly model: WorkspaceModel,
    private readonly log: vscode.LogOutputChannel,
    private readonly kubeCommands: RememberedConsent,
  ) {
    this.listeners = [
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('conveyor.deploy.kubeconfig')) void this.reconnect();
      }),
      model.onDidChange(() => {
        this.dropStaleConnections();
        if (this.visible) void this.connectAll();
      }),
    ];
    void model.ready.then(() => this.readCurrentContext());
  }

  /**
   * The kubeconfig files to read: the setting, else KUBECONFIG / ~/.kube/config (decided by the engine). Files the
   * workspace's settings choose run their credential commands only in a trusted workspace, once the user allowed
   * each; `askAgain` (an explicit deploy) asks even after a refusal this session.
   */
  kubeconfigSource(options: { askAgain?: boolean } = {}): KubeConfigSource {
    const setting = settingWithOrigin<string | string[]>('conveyor.deploy', 'kubeconfig');
    const paths = (Array.isArray(setting.value) ? setting.value : setting.value ? [setting.value] : []).filter((p) => p.trim() !== '');
    if (paths.length === 0) return { env: process.env };
    const approveCommand = setting.chosenBy ? (command: KubeCredentialCommand) => this.approveCommand(command, options) : undefined;
    return { kubeconfigPaths: paths, env: process.env, approveCommand };
  }

  viewState(folder: string): EnvironmentViewState {
    const status = this.model.statusOf(folder);
    const environments = status?.deploy.environments ?? [];
    return {
      trusted: vscode.workspace.isTrusted,
      visible: this.visible,
      current: this.currentContext,
      infrastructure: this.infrastructure.get(folder),
      environments: environments.map((env) => {
        const key = keyOf(folder, env);
        const connection = this.connected.get(key);
        return {
          name: env.name,
          context: connection?.context,
          namespace: connection?.namespace,
          problem: this.problems.get(key) ?? connection?.watch.errorMessage,
          watchState: connection?.watch.state,
          deployments: connection ? connection.watch.workloads().map((d) => this.withDetails(connection.watch, d)) : [],
          lastRollout: this.lastRollout(folder, env.name),
          forwards: this.forwards().filter((f) => this.forwardHomes.get(f.id)?.folder === folder && f.environment === env.name),
        };
      }),
    };
  }

  private withDetails(watch: ClusterWatch, workload: DeploymentRow): EnvironmentState['deployments'][number] {
    const autoscaler = workload.kind === 'Deployment' ? watch.autoscaler(workload.name) : undefined;
    return {
      ...workload,
      pods: watch.pods(workload.name),
      ...(autoscaler
        ? { autoscaler: { ...autoscaler, events: watch.autoscalerEvents(autoscaler.name).slice(0, RECENT_SCALE_EVENTS) } }
        : {}),
    };
  }

  /** Watches run only while the Environments view is visible: hidden, no request reaches the cluster. */
  setViewVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) void this.connectAll();
    else for (const connection of this.connected.values()) connection.watch.stop();
    this.changed.fire();
  }

  lastRollout(folder: string, environment: string): LastRollout | undefined {
    return this.rollouts.get(`${folder}\n${environment}`);
  }

  currentRollout(): LastRollout | undefined {
    return [...this.rollouts.values()].sort((a, b) => b.at - a.at)[0];
  }

  current(): { context?: string; namespace?: string; problem?: string } {
    return this.currentContext;
  }

  /** The kube client config of an environment (its context, else the current one). */
  async connection(status: FolderStatus, env: EnvironmentDefinition): Promise<Connected> {
    const key = keyOf(status.folder, env);
    let pending = this.connections.get(key);
    if (!pending) {
      pending = this.connect(env);
      this.connections.set(key, pending);
      const asked = pending;
      pending.then(
        (connection) => {
          // Reconnected or dropped while connecting: this one is no longer wanted.
          if (this.connections.get(key) !== asked) return connection.watch.dispose();
          this.connected.set(key, connection);
          this.problems.delete(key);
          connection.watch.onChanged(() => this.changed.fire());
          if (this.visible) connection.watch.start();
          this.changed.fire();
        },
        (error: unknown) => {
          if (this.connections.get(key) !== asked) return;
          this.connections.delete(key);
          this.problems.set(key, messageOf(error));
          this.changed.fire();
        },
      );
    }
    return pending;
  }

  recordRollout(folder: string, environment: string, rollout: Omit<LastRollout, 'at'>): void {
    this.rollouts.set(`${folder}\n${environment}`, { ...rollout, at: Date.now() });
    this.changed.fire();
  }

  /** Switching the context writes `current-context` into the first kubeconfig file, as kubectl does. */
  async switchContext(context: string, namespace?: string): Promise<void> {
    const engine = deployEngine();
    const { files } = await engine.loadKubeConfig(this.kubeconfigSource());
    await engine.persistContextSwitch(files, context, namespace);
    await this.reconnect();
  }

  async contexts(): Promise<DeployEngine.KubeContextInfo[]> {
    const engine = deployEngine();
    const { config } = await engine.loadKubeConfig(this.kubeconfigSource());
    return engine.listContexts(config);
  }

  /** Connections of environments that are gone or now name another context or namespace, and of removed folders. */
  private dropStaleConnections(): void {
    const wanted = new Set(this.model.folders().flatMap((status) => status.deploy.environments.map((env) => keyOf(status.folder, env))));
    for (const [key, connection] of this.connected) {
      if (wanted.has(key)) continue;
      connection.watch.dispose();
      this.connected.delete(key);
    }
    for (const key of [...this.connections.keys()]) if (!wanted.has(key)) this.connections.delete(key);
    for (const key of [...this.problems.keys()]) if (!wanted.has(key)) this.problems.delete(key);
  }

  async reconnect(): Promise<void> {
    for (const connection of this.connected.values()) connection.watch.dispose();
    this.connected.clear();
    this.connections.clear();
    this.problems.clear();
    await this.readCurrentContext();
    if (this.visible) await this.connectAll();
    this.changed.fire();
  }

  /** Every forward started from this window, active or ended. */
  forwards(): ForwardInfo[] {
    return this.portForwards?.list() ?? [];
  }

  /** Starts a port-forward to the environment; its problems (a pod gone, an error channel) are shown as warnings. */
  async startForward(
    status: FolderStatus,
    env: EnvironmentDefinition,
    request: Omit<ForwardRequest, 'namespace' | 'environment'>,
  ): Promise<ForwardInfo> {
    const { config, namespace } = await this.connection(status, env);
    const engine = deployEngine();
    this.portForwards ??= new engine.PortForwards({
      onChange: () => this.changed.fire(),
      onProblem: (forward, message) => {
        this.log.warn(`Port-forward ${forward.url}: ${message}`);
        void vscode.window.showWarningMessage(message);
      },
    });
    const forward = await this.portForwards.start(config, { ...request, namespace, environment: env.name });
    this.forwardHomes.set(forward.id, { folder: status.folder, env: env.name });
    this.log.info(`Port-forward ${forward.url} → ${request.target.kind}/${request.target.name}:${request.remotePort} (pod ${forward.pod})`);
    this.changed.fire();
    return forward;
  }

  stopForward(id: string): void {
    this.portForwards?.stop(id);
    this.forwardHomes.delete(id);
  }

  /** `terraform plan` for a folder with Terraform files (trusted workspaces; read-only). */
  async planInfrastructure(folder: string): Promise<void> {
    const engine = deployEngine();
    const files = await engine.findTerraformFiles(folder);
    if (files.length === 0) {
      this.infrastructure.delete(folder);
      return this.changed.fire();
    }
    if (!vscode.workspace.isTrusted) {
      this.infrastructure.set(folder, {
        files,
        status: 'not-planned',
        message: 'Restricted Mode: terraform runs once you trust this workspace.',
      });
      return this.changed.fire();
    }
    this.infrastructure.set(folder, { ...this.infrastructure.get(folder), files, status: 'planning' });
    this.changed.fire();
    const result = await engine
      .terraformPlan(folder)
      .catch((error: unknown) => ({ status: 'failed' as const, message: messageOf(error), plan: undefined }));
    const plan = 'plan' in result ? result.plan : undefined;
    this.infrastructure.set(folder, {
      files,
      status: result.status === 'no-terraform-files' ? 'not-planned' : result.status,
      message: 'message' in result ? result.message : undefined,
      summary: plan?.summary,
      changes: plan?.changes.map((c) => ({ address: c.address, action: c.action, reason: c.reason })),
    });
    this.changed.fire();
  }

  async applyInfrastructure(folder: string): Promise<{ ok: boolean; message: string }> {
    const result = await deployEngine().terraformApply(folder, { onOutput: (text) => this.log.info(text.trimEnd()) });
    await this.planInfrastructure(folder);
    return result;
  }

  private async connectAll(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    for (const status of this.model.folders()) {
      if (!this.infrastructure.has(status.folder)) void this.planInfrastructure(status.folder);
      for (const env of status.deploy.environments) {
        const connection = await this.connection(status, env).catch(() => undefined);
        connection?.watch.start();
      }
    }
  }

  private async connect(env: EnvironmentDefinition): Promise<Connected> {
    const engine = deployEngine();
    const { client, context, namespace } = await engine.connectEnvironment(env, this.kubeconfigSource());
    const watch = new engine.ClusterWatch(client.config, namespace);
    return { config: client.config, context, namespace, watch };
  }

  /** For the status bar: read without the deploy engine (and its 2 MB of client-node), so activation stays light. */
  private async readCurrentContext(): Promise<void> {
    if (!this.model.folders().some((f) => f.deploy.environments.length > 0)) return;
    try {
      this.currentContext = await currentKubeContext(this.kubeconfigSource());
    } catch (error) {
      this.currentContext = { problem: messageOf(error) };
      this.log.warn(`Kubeconfig: ${this.currentContext.problem}`);
    }
    this.changed.fire();
  }

  private async approveCommand(command: KubeCredentialCommand, options: { askAgain?: boolean }): Promise<boolean> {
    if (!vscode.workspace.isTrusted) return false;
    return this.kubeCommands.ask(
      `${command.file}\n${command.command}`,
      `This workspace's settings choose the kubeconfig ${command.file}, whose user ${command.user} signs in by running "${command.command}". Run it?`,
      options,
    );
  }

  dispose(): void {
    vscode.Disposable.from(...this.listeners).dispose();
    for (const connection of this.connected.values()) connection.watch.dispose();
    this.portForwards?.dispose();
    this.changed.dispose();
  }
}

/**
 * A connection is to an environment as conveyor.yml describes it now: another context or namespace written
 * there is another connection (the old one, watching the old namespace, goes at the next sync).
 */
function keyOf(folder: string, env: EnvironmentDefinition): string {
  return JSON.stringify([folder, env.name, env.context ?? null, env.namespace ?? null]);
}
