// An http-json goal: GET a URL that answers JSON (a metrics endpoint, an admin API) and read one number.
import type { GoalConfig } from '../../core/config/conveyorConfig';
import { networkReason } from '../../core/networkReason';
import { parseJsonAnswer, readNumberAt } from './valuePath';

export interface HttpJsonOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Answers larger than this are refused rather than parsed. */
  maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/** The goal's current value; throws an Error whose message is one sentence for the user. */
export async function measureHttpJson(goal: GoalConfig, options: HttpJsonOptions = {}): Promise<number> {
  if (!goal.url) throw new Error(`Goal "${goal.name}" needs a url to read JSON from.`);
  if (!goal.valuePath) throw new Error(`Goal "${goal.name}" needs a valuePath, e.g. data.users.total.`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])]);
  const failed = (error: unknown) => {
    if (error instanceof Error && error.name === 'TimeoutError') return new Error(`${goal.url} did not answer within ${timeoutMs / 1000} s.`);
    if (error instanceof Error && error.name === 'AbortError') return new Error('Measurement cancelled.');
    return new Error(`${goal.url} could not be reached: ${networkReason(error)}.`);
  };
  const response = await fetch(goal.url, { signal, headers: { accept: 'application/json' } }).catch((error: unknown) => {
    throw failed(error);
  });
  const length = Number(response.headers.get('content-length') ?? 0);
  if (!response.ok || length > (options.maxBytes ?? DEFAULT_MAX_BYTES)) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(response.ok ? `${goal.url} answered ${length} bytes, more than a goal reads.` : `${goal.url} answered ${response.status} ${response.statusText}.`.replace(' .', '.'));
  }
  const text = await response.text().catch((error: unknown) => {
    throw failed(error);
  });
  try {
    return readNumberAt(parseJsonAnswer(text), goal.valuePath);
  } catch (error) {
    throw new Error(`${goal.url}: ${(error as Error).message}.`, { cause: error });
  }
}
