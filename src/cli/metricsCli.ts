// `conveyor metrics [folder] [--json]`: exits 0 when some deployment is on record, 1 when there is none.
import { metricsText } from '../loop/metrics/metricsText';
import { readDeliveryMetrics } from '../loop/metrics/readDeliveryMetrics';

export async function metricsCommand(folder: string, json: boolean, write: (text: string) => void): Promise<number> {
  const report = await readDeliveryMetrics(folder);
  write(json ? `${JSON.stringify(report, null, 2)}\n` : metricsText(report));
  return report.environments.length > 0 ? 0 : 1;
}
