// Which kubeconfig files kubectl would read, and the current context they name — without
// @kubernetes/client-node, so the status bar can say where deploys go without loading the deploy engine.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

export interface KubeConfigSource {
  /** Explicit files (`--kubeconfig`, or what the extension resolved for the user); wins over KUBECONFIG. */
  kubeconfigPaths?: string[];
  /** Where KUBECONFIG is read from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Used when neither paths nor KUBECONFIG are given; defaults to ~/.kube/config. */
  defaultPath?: string;
  /**
   * Set when the workspace chose `kubeconfigPaths` (its settings): a command the credentials run (an exec
   * plugin, an auth provider's cmd-path) runs only when this answers true. The user's own files need no approval.
   */
  approveCommand?: (command: KubeCredentialCommand) => Promise<boolean>;
}

/** A command a kubeconfig user runs to get its credentials. */
export interface KubeCredentialCommand {
  /** The kubeconfig file that defines the user. */
  file: string;
  user: string;
  /** The command line (variables it sets first), as the user would read it: `AWS_PROFILE=ci aws eks get-token`. */
  command: string;
}

/** Which files make up the kubeconfig, in kubectl's order of precedence. */
export function kubeconfigFiles(source: KubeConfigSource = {}): string[] {
  if (source.kubeconfigPaths && source.kubeconfigPaths.length > 0) return source.kubeconfigPaths.map((p) => path.resolve(p));
  const fromEnv = (source.env ?? process.env).KUBECONFIG;
  if (fromEnv) {
    const files = fromEnv.split(path.delimiter).filter((p) => p.trim() !== '');
    if (files.length > 0) return files.map((p) => path.resolve(p));
  }
  return [source.defaultPath ?? path.join(os.homedir(), '.kube', 'config')];
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name?: string; context?: { namespace?: string } }[];
}

/**
 * The current context and its namespace as kubectl merges the files: the first file to set a current context
 * wins, and so does the first to define a context. Undefined context when no file names one.
 */
export async function currentKubeContext(source: KubeConfigSource = {}): Promise<{ context?: string; namespace?: string }> {
  const files: KubeconfigFile[] = [];
  for (const file of kubeconfigFiles(source)) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    try {
      files.push((parse(text) as KubeconfigFile | null) ?? {});
    } catch (error) {
      throw new Error(`The kubeconfig file ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
  }
  if (files.length === 0) throw new Error(`No kubeconfig found (looked for ${kubeconfigFiles(source).join(', ')})`);
  const context = files.map((f) => f['current-context']).find((c) => typeof c === 'string' && c !== '');
  if (!context) return {};
  const defined = files.flatMap((f) => f.contexts ?? []).find((c) => c.name === context);
  return { context, namespace: defined?.context?.namespace ?? 'default' };
}
