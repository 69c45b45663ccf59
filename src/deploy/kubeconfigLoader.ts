// Kubeconfig handling the way kubectl does it: KUBECONFIG may list several files (merged, first one to
// define a name wins), else one default file; switching context persists `current-context` into the FIRST
// file. Parsing and authentication (token, client certificates, exec plugins) are client-node's.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import { isMap, isSeq, parseDocument } from 'yaml';
import { DeployError } from './deployError';
import { writeFileAtomic } from '../core/fsUtil';
import { kubeconfigFiles, type KubeConfigSource, type KubeCredentialCommand } from './kubeconfigLocator';

export { kubeconfigFiles, type KubeConfigSource, type KubeCredentialCommand };

export interface LoadedKubeConfig {
  config: KubeConfig;
  /** The files it was merged from, in order; the first one receives context switches. */
  files: string[];
  /** The file that defines each user (the first to name it wins). */
  userFiles: Map<string, string>;
}

export interface KubeContextInfo {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
  server?: string;
  current: boolean;
}

export async function loadKubeConfig(source: KubeConfigSource = {}): Promise<LoadedKubeConfig> {
  const files = kubeconfigFiles(source);
  const explicit = (source.kubeconfigPaths?.length ?? 0) > 0;
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const userFiles = new Map<string, string>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  let found = 0;
  for (const file of files) {
    const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      // kubectl skips missing files listed in KUBECONFIG but refuses a missing --kubeconfig.
      if (error.code === 'ENOENT' && !explicit) return undefined;
      throw new DeployError(
        'not-found',
        `Cannot read the kubeconfig file ${file}: ${error.code === 'ENOENT' ? 'it does not exist' : error.message}.`,
      );
    });
    if (text === undefined) continue;
    found++;
    if (text.trim() === '') continue;
    const single = new KubeConfig();
    try {
      single.loadFromString(text);
      single.makePathsAbsolute(path.dirname(file));
    } catch (error) {
      throw new DeployError('not-found', `The kubeconfig file ${file} cannot be read: ${(error as Error).message}.`);
    }
    for (const c of single.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of single.users) {
      if (users.has(u.name)) continue;
      users.set(u.name, u);
      userFiles.set(u.name, file);
    }
    for (const c of single.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    currentContext ||= single.currentContext ?? '';
  }
  if (found === 0)
    throw new DeployError('not-found', `No kubeconfig found (looked for ${files.join(', ')}): set KUBECONFIG or pass a kubeconfig file.`);
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return { config, files, userFiles };
}

/**
 * The command `context`'s user runs for its credentials, if any: an exec plugin (client-node spawns it), or an
 * auth provider's `cmd-path` (client-node runs it through a shell).
 */
export function credentialCommand(loaded: LoadedKubeConfig, context: string): KubeCredentialCommand | undefined {
  const name = loaded.config.getContextObject(context)?.user;
  const user = name === undefined ? undefined : loaded.config.getUser(name);
  if (!name || !user) return undefined;
  const exec = user.exec as { command?: unknown; args?: unknown; env?: unknown } | undefined;
  const provider = (user.authProvider as { config?: Record<string, unknown> } | undefined)?.config;
  // The environment is part of what runs (PATH, LD_PRELOAD), so it is part of what the user approves.
  const env = Array.isArray(exec?.env)
    ? (exec.env as { name?: unknown; value?: unknown }[]).map((e) => `${String(e.name)}=${String(e.value)}`)
    : [];
  const words =
    typeof exec?.command === 'string'
      ? [...env, exec.command, ...(Array.isArray(exec.args) ? exec.args.map(String) : [])]
      : typeof provider?.['cmd-path'] === 'string'
        ? [provider['cmd-path'], ...(typeof provider['cmd-args'] === 'string' ? [provider['cmd-args']] : [])]
        : [];
  if (words.length === 0) return undefined;
  return { file: loaded.userFiles.get(name) ?? loaded.files[0], user: name, command: words.join(' ') };
}

/** Refuses a workspace-chosen kubeconfig whose user for `context` runs a command the user has not approved. */
export async function checkCredentialCommand(loaded: LoadedKubeConfig, context: string, source: KubeConfigSource): Promise<void> {
  const command = source.approveCommand && credentialCommand(loaded, context);
  if (!command || (await source.approveCommand?.(command))) return;
  throw new DeployError(
    'not-allowed',
    `The kubeconfig ${command.file}, which this workspace's settings choose, signs in as ${command.user} by running "${command.command}": Conveyor runs it only in a trusted workspace and once you allow it. Allow it when asked, or set conveyor.deploy.kubeconfig in your user settings.`,
  );
}

export function listContexts(config: KubeConfig): KubeContextInfo[] {
  return config.getContexts().map((c) => ({
    name: c.name,
    cluster: c.cluster,
    user: c.user,
    ...(c.namespace ? { namespace: c.namespace } : {}),
    ...(config.getCluster(c.cluster)?.server ? { server: config.getCluster(c.cluster)!.server } : {}),
    current: c.name === config.getCurrentContext(),
  }));
}

/** The namespace kubectl would use for a context: its own, else `default`. */
export function contextNamespace(config: KubeConfig, context = config.getCurrentContext()): string {
  return config.getContextObject(context)?.namespace ?? 'default';
}

/**
 * A copy of the configuration switched to `context` (and, when given, that context's namespace). The input
 * is left untouched, so one extension session can deploy to two environments at once.
 */
export function withContext(config: KubeConfig, context: string, namespace?: string): KubeConfig {
  if (!config.getContextObject(context)) {
    const known = config.getContexts().map((c) => c.name);
    throw new DeployError(
      'not-found',
      `The kubeconfig has no context "${context}"${known.length ? ` (it has: ${known.join(', ')})` : ''}.`,
    );
  }
  const switched = new KubeConfig();
  switched.loadFromOptions({
    clusters: config.getClusters(),
    users: config.getUsers(),
    contexts: config.getContexts().map((c) => (c.name === context && namespace ? { ...c, namespace } : c)),
    currentContext: context,
  });
  return switched;
}

/**
 * Persists a switch like `kubectl config use-context` (current-context into the first file) and, with a
 * namespace, like `kubectl config set-context --current --namespace` (into the file defining the context).
 * Each file is rewritten atomically with its comments and permissions kept.
 */
export async function persistContextSwitch(files: string[], context: string, namespace?: string): Promise<void> {
  if (files.length === 0) throw new DeployError('not-found', 'No kubeconfig file to write the context switch to.');
  const [first] = files;
  await editKubeconfig(first, (doc) => doc.set('current-context', context));
  if (namespace === undefined) return;
  for (const file of files) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const doc = parseDocument(text);
    const entries = doc.get('contexts');
    if (!isSeq(entries)) continue;
    const entry = entries.items.find((item) => isMap(item) && item.get('name') === context);
    if (!isMap(entry)) continue;
    await editKubeconfig(file, (d) => d.setIn(['contexts', entries.items.indexOf(entry), 'context', 'namespace'], namespace));
    return;
  }
  throw new DeployError('not-found', `No kubeconfig file defines the context "${context}".`);
}

async function editKubeconfig(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): Promise<void> {
  const existing = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return 'apiVersion: v1\nkind: Config\n';
    throw error;
  });
  const doc = parseDocument(existing);
  edit(doc);
  // A kubeconfig holds credentials: keep the file's mode, and create new ones readable by the owner only.
  const mode = await fs.stat(file).then(
    (s) => s.mode & 0o777,
    () => 0o600,
  );
  await writeFileAtomic(file, doc.toString(), mode);
}
