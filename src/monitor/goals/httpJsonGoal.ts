// An http-json goal: GET a URL that answers JSON (a metrics endpoint, an admin API) and read one number.
import type { GoalConfig } from '../../core/config/conveyorConfig';
import { kindOfStatus, messageOf } from '../../core/errors';
import { HttpClient } from '../../core/http/httpClient';
import { parseJsonAnswer, readNumberAt } from './valuePath';

export interface HttpJsonOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Answers larger than this are refused rather than parsed. */
  maxBytes?: number;
}

/** Metrics endpoints can be slow to aggregate: a goal waits longer than an API call. */
const GOAL_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/** The goal's current value; throws an Error whose message is one sentence for the user. */
export async function measureHttpJson(goal: GoalConfig, options: HttpJsonOptions = {}): Promise<number> {
  const { url, valuePath } = goal;
  if (!url) throw new Error(`Goal "${goal.name}" needs a url to read JSON from.`);
  if (!valuePath) throw new Error(`Goal "${goal.name}" needs a valuePath, e.g. data.users.total.`);
  const http = new HttpClient({
    service: url,
    timeoutMs: options.timeoutMs ?? GOAL_TIMEOUT_MS,
    headers: { accept: 'application/json' },
    describeNetwork: (failure) =>
      failure.kind === 'timeout'
        ? `${url} did not answer within ${failure.timeoutMs / 1000} s.`
        : `${url} could not be reached: ${failure.reason}.`,
  });
  try {
    // Every status is an answer here: the body of a failed or oversized one is dropped unread.
    const answer = await http.send({ url, signal: options.signal, accept: () => true });
    const { ok, status, statusText } = answer.response;
    const length = Number(answer.headers.get('content-length') ?? 0);
    if (!ok) {
      await answer.discard();
      throw http.error(kindOfStatus(status), `${url} answered ${status} ${statusText}.`.replace(' .', '.'), { status });
    }
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (length > maxBytes) {
      await answer.discard();
      throw http.error('malformed', `${url} answered ${length} bytes, more than a goal reads.`, { status });
    }
    // Counted as it arrives, decompressed: a chunked or gzip answer has no length, or only its compressed one.
    const text = await answer.read((response) => textUpTo(response, maxBytes));
    if (text === undefined)
      throw http.error('malformed', `${url} answered more than ${maxBytes} bytes, more than a goal reads.`, { status });
    try {
      return readNumberAt(parseJsonAnswer(text), valuePath);
    } catch (error) {
      throw http.error('malformed', `${url}: ${messageOf(error)}.`, { status, cause: error });
    }
  } catch (error) {
    if (options.signal?.aborted) throw new Error('Measurement cancelled.', { cause: error });
    throw error;
  }
}

/** The body as text, or undefined (and the rest dropped) once it passes `maxBytes`. */
async function textUpTo(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
