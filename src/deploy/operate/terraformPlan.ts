// Reads `terraform plan -json`: Terraform's machine-readable UI, one JSON message per line
// (https://developer.hashicorp.com/terraform/internals/machine-readable-ui). Unknown message types and
// properties are ignored, as that document asks of consumers of a 1.x stream.

export type TerraformAction = 'create' | 'update' | 'replace' | 'delete' | 'read' | 'noop' | 'move' | 'remove' | 'import' | (string & {});

export interface TerraformResourceChange {
  /** `module.db.aws_db_instance.main`, `random_pet.name[0]` */
  address: string;
  action: TerraformAction;
  /** Why, when Terraform says: `cannot_update`, `tainted`, `delete_because_no_resource_config`… */
  reason?: string;
  resourceType?: string;
  /** `module.db`; absent for the root module. */
  module?: string;
}

export interface TerraformChangeSummary {
  add: number;
  change: number;
  remove: number;
  import: number;
  /** `plan`, `apply` or `destroy`. */
  operation: string;
}

export interface TerraformDiagnostic {
  severity: 'error' | 'warning' | (string & {});
  summary: string;
  detail?: string;
  file?: string;
  line?: number;
}

export interface TerraformPlan {
  terraformVersion?: string;
  summary?: TerraformChangeSummary;
  changes: TerraformResourceChange[];
  /** Changes made outside Terraform since the last apply. */
  drift: TerraformResourceChange[];
  diagnostics: TerraformDiagnostic[];
}

interface UiMessage {
  type?: string;
  ui?: string;
  terraform?: string;
  change?: {
    resource?: { addr?: string; module?: string; resource_type?: string };
    action?: string;
    reason?: string;
  };
  changes?: Partial<TerraformChangeSummary>;
  diagnostic?: {
    severity?: string;
    summary?: string;
    detail?: string;
    range?: { filename?: string; start?: { line?: number } };
  };
}

export function parseTerraformJsonLines(text: string): TerraformPlan {
  const plan: TerraformPlan = { changes: [], drift: [], diagnostics: [] };
  for (const line of text.split('\n')) {
    const message = parseLine(line);
    if (!message) continue;
    switch (message.type) {
      case 'version':
        plan.terraformVersion = message.terraform;
        if (message.ui && !message.ui.startsWith('1.')) {
          plan.diagnostics.push({
            severity: 'error',
            summary: `Terraform ${message.terraform ?? ''} speaks machine-readable UI ${message.ui}, which Conveyor does not understand (it reads 1.x).`,
          });
        }
        break;
      case 'planned_change': {
        const change = resourceChange(message);
        if (change) plan.changes.push(change);
        break;
      }
      case 'resource_drift': {
        const change = resourceChange(message);
        if (change) plan.drift.push(change);
        break;
      }
      case 'change_summary':
        plan.summary = {
          add: message.changes?.add ?? 0,
          change: message.changes?.change ?? 0,
          remove: message.changes?.remove ?? 0,
          import: message.changes?.import ?? 0,
          operation: message.changes?.operation ?? 'plan',
        };
        break;
      case 'diagnostic':
        if (message.diagnostic?.summary) {
          plan.diagnostics.push({
            severity: message.diagnostic.severity ?? 'error',
            summary: message.diagnostic.summary,
            detail: message.diagnostic.detail || undefined,
            file: message.diagnostic.range?.filename,
            line: message.diagnostic.range?.start?.line,
          });
        }
        break;
      default:
        break;
    }
  }
  return plan;
}

/** `Plan: 2 to add, 1 to change, 2 to destroy.` (Terraform's own wording) or `No changes.` */
export function describePlan(plan: TerraformPlan): string {
  const s = plan.summary;
  if (!s) return plan.diagnostics.some((d) => d.severity === 'error') ? 'Plan failed.' : 'No plan summary.';
  if (s.add + s.change + s.remove + s.import === 0) return 'No changes.';
  const imported = s.import > 0 ? `${s.import} to import, ` : '';
  return `Plan: ${imported}${s.add} to add, ${s.change} to change, ${s.remove} to destroy.`;
}

function resourceChange(message: UiMessage): TerraformResourceChange | undefined {
  const address = message.change?.resource?.addr;
  if (!address || !message.change?.action) return undefined;
  return {
    address,
    action: message.change.action,
    reason: message.change.reason || undefined,
    resourceType: message.change.resource?.resource_type,
    module: message.change.resource?.module || undefined,
  };
}

function parseLine(line: string): UiMessage | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(trimmed) as unknown;
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
