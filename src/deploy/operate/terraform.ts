// The read-only Infrastructure node: what `terraform plan` would change in a folder. Apply is the UI's
// decision (behind a confirmation); this module only runs it when asked.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findExecutable } from '../../core/findExecutable';
import { runProcess, type CommandSpec } from '../../core/processRunner';
import { parseTerraformJsonLines, type TerraformPlan } from './terraformPlan';

export interface TerraformOptions {
  /** Replaces PATH and friends for the child (tests run without terraform on PATH). */
  env?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Raw output as it comes (for an output channel). */
  onOutput?: (text: string) => void;
}

export type TerraformPlanResult =
  | { status: 'no-terraform-files' }
  | { status: 'not-installed'; message: string }
  | { status: 'planned'; plan: TerraformPlan }
  | { status: 'failed'; message: string; plan: TerraformPlan };

export interface TerraformApplyResult {
  ok: boolean;
  message: string;
  output: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export async function findTerraformFiles(folder: string): Promise<string[]> {
  const entries = await fs.readdir(folder).catch(() => [] as string[]);
  return entries.filter((entry) => entry.endsWith('.tf')).sort();
}

/** The terraform executable on `pathVariable`, if any. */
export function findTerraform(pathVariable = process.env.PATH ?? ''): Promise<string | undefined> {
  return findExecutable('terraform', pathVariable);
}

/** Providers and modules only: `-backend=false` so a plan never touches remote state configuration. */
export function terraformInitCommand(folder: string, terraform = 'terraform'): CommandSpec {
  return { command: terraform, args: ['init', '-input=false', '-backend=false', '-no-color'], cwd: folder, env: { TF_IN_AUTOMATION: '1' } };
}

export function terraformPlanCommand(folder: string, terraform = 'terraform'): CommandSpec {
  return {
    command: terraform,
    args: ['plan', '-input=false', '-no-color', '-json', '-lock=false'],
    cwd: folder,
    env: { TF_IN_AUTOMATION: '1' },
  };
}

export function terraformApplyCommands(folder: string, terraform = 'terraform'): CommandSpec[] {
  return [
    // A full init (with the backend): apply must write to the configured state, never a local stand-in.
    { command: terraform, args: ['init', '-input=false', '-no-color'], cwd: folder, env: { TF_IN_AUTOMATION: '1' } },
    { command: terraform, args: ['apply', '-input=false', '-auto-approve', '-no-color'], cwd: folder, env: { TF_IN_AUTOMATION: '1' } },
  ];
}

export async function terraformPlan(folder: string, options: TerraformOptions = {}): Promise<TerraformPlanResult> {
  if ((await findTerraformFiles(folder)).length === 0) return { status: 'no-terraform-files' };
  const terraform = await findTerraform(options.env?.PATH ?? process.env.PATH);
  if (!terraform) return { status: 'not-installed', message: notInstalledMessage() };
  if (!(await exists(path.join(folder, '.terraform')))) {
    const init = await run(terraformInitCommand(folder, terraform), options);
    if (!init.ok)
      return { status: 'failed', message: `terraform init failed: ${lastLines(init.output)}`, plan: parseTerraformJsonLines('') };
  }
  const planned = await run(terraformPlanCommand(folder, terraform), options);
  const plan = parseTerraformJsonLines(planned.stdout);
  if (!planned.ok) {
    const errors = plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.summary);
    return { status: 'failed', message: `terraform plan failed: ${errors.join('; ') || lastLines(planned.output)}`, plan };
  }
  return { status: 'planned', plan };
}

export async function terraformApply(folder: string, options: TerraformOptions = {}): Promise<TerraformApplyResult> {
  const terraform = await findTerraform(options.env?.PATH ?? process.env.PATH);
  if (!terraform) return { ok: false, message: notInstalledMessage(), output: '' };
  let output = '';
  for (const spec of terraformApplyCommands(folder, terraform)) {
    const result = await run(spec, options);
    output += result.output;
    if (!result.ok) return { ok: false, message: `terraform ${spec.args[0]} failed: ${lastLines(result.output)}`, output };
  }
  const complete = /Apply complete![^\n]*/.exec(output);
  return { ok: true, message: complete ? complete[0] : 'terraform apply finished.', output };
}

function notInstalledMessage(): string {
  return 'Terraform is not installed (no `terraform` on PATH): install it from https://developer.hashicorp.com/terraform/install to see the plan.';
}

async function run(spec: CommandSpec, options: TerraformOptions): Promise<{ ok: boolean; stdout: string; output: string }> {
  let stdout = '';
  let output = '';
  const env = { ...spec.env, ...options.env };
  const result = await runProcess(
    { ...spec, env },
    {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal: options.signal,
      onOutput: (chunk, stream) => {
        const text = chunk.toString('utf8');
        if (stream === 'stdout') stdout += text;
        output += text;
        options.onOutput?.(text);
      },
    },
  );
  if (result.spawnError) output += result.spawnError;
  if (result.timedOut) output += `\n(timed out after ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s)`;
  return { ok: result.exitCode === 0, stdout, output };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' ').trim() || 'no output';
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
