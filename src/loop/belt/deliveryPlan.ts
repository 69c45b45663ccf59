// Which environments the belt visits, in which order, and how each one is verified: `delivery` in
// conveyor.yml, else defaults from what the folder already has (its environments in order, production last,
// environments that confirm are not auto, uptime checks that name the environment).
import type { ConveyorConfig, DeliveryEnvironmentConfig, UptimeCheckConfig } from '../../core/config/conveyorConfig';
import { isProductionName, type EnvironmentDefinition } from '../../deploy/environmentDefinition';

export const DEFAULT_BAKE_S = 60;
export const DEFAULT_VERIFY_INTERVAL_S = 5;

export interface VerifyPolicy {
  bakeMs: number;
  intervalMs: number;
  uptime: UptimeCheckConfig[];
  maxNewErrors: number;
}

export interface DeliveryStep {
  environment: EnvironmentDefinition;
  /** Promote here without asking. */
  auto: boolean;
  verify: VerifyPolicy;
}

export interface DeliveryPlan {
  steps: DeliveryStep[];
  /** Why the belt cannot run as configured (unknown environment or uptime check names). */
  problems: string[];
}

export function deliveryPlan(config: ConveyorConfig, environments: readonly EnvironmentDefinition[]): DeliveryPlan {
  const problems: string[] = [];
  const byName = new Map(environments.map((e) => [e.name, e]));
  const checks = config.uptime ?? [];
  const configured = config.delivery?.environments;
  const entries: DeliveryEnvironmentConfig[] = configured ?? defaultOrder(environments).map((environment) => ({ name: environment.name }));
  const steps: DeliveryStep[] = [];
  for (const entry of entries) {
    const environment = byName.get(entry.name);
    if (!environment) {
      problems.push(
        `delivery names environment "${entry.name}", which is not one of ${[...byName.keys()].join(', ') || 'no environments'}`,
      );
      continue;
    }
    const names = entry.verify?.uptime;
    const uptime = names ? names.map((name) => checks.find((c) => c.name === name)) : checks.filter((c) => c.environment === entry.name);
    names?.forEach(
      (name, i) =>
        uptime[i] === undefined && problems.push(`delivery.${entry.name}.verify.uptime names "${name}", which is not an uptime check`),
    );
    steps.push({
      environment,
      auto: entry.auto ?? !environment.confirm,
      verify: {
        bakeMs: (entry.verify?.bake ?? DEFAULT_BAKE_S) * 1000,
        intervalMs: (entry.verify?.interval ?? DEFAULT_VERIFY_INTERVAL_S) * 1000,
        uptime: uptime.filter((c): c is UptimeCheckConfig => c !== undefined),
        maxNewErrors: entry.verify?.maxNewErrors ?? 0,
      },
    });
  }
  return { steps, problems };
}

/** Production is where the belt ends: the plan's last environment. */
export function productionOf(plan: DeliveryPlan): string | undefined {
  return plan.steps.at(-1)?.environment.name;
}

/** The configured order, with production (and anything that confirms) moved to the end. */
function defaultOrder(environments: readonly EnvironmentDefinition[]): EnvironmentDefinition[] {
  const last = (e: EnvironmentDefinition) => e.confirm || isProductionName(e.name);
  return [...environments.filter((e) => !last(e)), ...environments.filter(last)];
}
