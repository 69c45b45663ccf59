// `conveyor trace <KEY|sha|vX.Y.Z|error-id> [folder] [--json]`: exits 0 when the records know what was asked
// (the trace may still have gaps), 1 when nothing is known of it.
import { queryOf } from '../loop/trace/loopTrace';
import { traceFrom } from '../loop/trace/traceFrom';
import { traceText } from '../loop/trace/traceText';

export async function traceCommand(folder: string, argument: string, json: boolean, write: (text: string) => void): Promise<number> {
  const trace = await traceFrom(folder, queryOf(argument));
  write(json ? `${JSON.stringify(trace, null, 2)}\n` : traceText(trace));
  return trace.found ? 0 : 1;
}
