// `conveyor deploy <environment>`: the same engine as the extension's Deploy Release, with progress lines
// for terminals and CI logs. Exit codes: 0 rolled out, 1 failed (reasons printed), 2 usage problems.
import { askOnTerminal } from '../core/askOnTerminal';
import { describeFolder } from '../loop/folderStatus';
import { reportConfigErrors } from './configErrors';
import { listReleaseRecords } from '../release/gitRelease';
import { isDeployError } from '../deploy/deployError';
import type { DeployError } from '../deploy/deployError';
import { deployRelease } from '../deploy/deployFlow';
import type { DeployProgress } from '../deploy/deployFlow';
import { environmentsForContexts, findEnvironment } from '../deploy/environments';
import { loadKubeConfig } from '../deploy/kubeconfigLoader';
import { selectRelease } from '../deploy/releaseChoice';
import { describePlan, describeResult } from '../deploy/deployText';
import { isServiceError, messageOf, type ServiceError } from '../core/errors';

export interface DeployCliOptions {
  folder: string;
  environment?: string;
  /** `v1.2.0` or `1.2.0`; default: the newest ready release. */
  release?: string;
  kubeconfig?: string;
  yes: boolean;
  json: boolean;
  /** Whether stdin/stdout are a terminal (a confirm environment asks there). */
  tty: boolean;
  write: (text: string) => void;
  writeError?: (text: string) => void;
  ask?: (question: string) => Promise<string>;
  signal?: AbortSignal;
}

export async function deployCommand(options: DeployCliOptions): Promise<number> {
  const { write } = options;
  const writeError = options.writeError ?? ((text: string) => process.stderr.write(text));
  if (!options.environment) {
    writeError(
      'conveyor: deploy needs an environment: conveyor deploy <environment> [folder] [--release vX.Y.Z] [--kubeconfig FILE] [--yes] [--json]\n',
    );
    return 2;
  }
  let refusedWithoutTerminal = false;
  try {
    const status = await describeFolder(options.folder);
    if (reportConfigErrors(status, writeError)) return 2;
    let kubeconfig;
    let environment;
    let release;
    // A missing, unreadable or malformed kubeconfig is an input error (exit 2), as a missing environment is.
    try {
      kubeconfig = await loadKubeConfig({ kubeconfigPaths: options.kubeconfig ? [options.kubeconfig] : undefined });
      const contexts = kubeconfig.config.getContexts().map((c) => c.name);
      environment = findEnvironment(environmentsForContexts(status.deploy.environments, contexts), options.environment);
      release = selectRelease(await listReleaseRecords(status.folder), options.release);
    } catch (error) {
      if (!isDeployError(error)) throw error;
      writeError(`conveyor: ${error.message}\n`);
      return 2;
    }
    if (!options.json)
      write(
        `Deploying ${release.version} (${release.commit.slice(0, 7)}, ${release.image}@${release.digest.slice(0, 19)}…) to ${environment.name}\n`,
      );
    const result = await deployRelease({
      folder: status.folder,
      environment,
      release,
      kubeconfig: kubeconfig.config,
      signal: options.signal,
      onProgress: options.json ? undefined : progressPrinter(write),
      confirm: async (plan) => {
        if (!options.json) write(describePlan(plan));
        if (options.yes) return true;
        if (!options.tty) {
          refusedWithoutTerminal = true;
          return false;
        }
        const answer = await (options.ask ?? askOnTerminal)(`Deploy ${release.version} to ${environment.name}? [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      },
    });
    if (options.json) write(`${JSON.stringify(result, null, 2)}\n`);
    else write(describeResult(result));
    if (refusedWithoutTerminal) {
      writeError(`conveyor: environment ${environment.name} asks for confirmation: pass --yes to deploy without a terminal.\n`);
      return 2;
    }
    return result.ok ? 0 : 1;
  } catch (error) {
    if (options.json && (isDeployError(error) || isServiceError(error))) write(`${JSON.stringify(errorJson(error), null, 2)}\n`);
    writeError(`conveyor: ${messageOf(error)}\n`);
    return 1;
  }
}

function progressPrinter(write: (text: string) => void): (p: DeployProgress) => void {
  let last = '';
  return (p) => {
    if (p.message !== last) write(`• ${p.message}\n`);
    last = p.message;
  };
}

function errorJson(error: DeployError | ServiceError): { ok: false; error: { kind: string; message: string; details: object } } {
  const details = isDeployError(error) ? error.details : { status: error.status, ...error.detail };
  return { ok: false, error: { kind: error.kind, message: error.message, details } };
}
