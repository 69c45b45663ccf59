// `traceFrom(folder, query)`: reads the folder's records and error → item links, asks git what only git knows,
// then joins them.
import { resolveCommit, showCommit } from '../../code/commitLog';
import { readItemLinks } from '../../code/itemLinks';
import { ErrorItemLinks } from '../errorItems/errorItemLinks';
import { readLoopRecords, type LoopRecords } from '../loopRecords';
import { assembleTrace, TRACE_COMMITS_SCANNED, type TraceSources } from './assembleTrace';
import type { LoopTrace, TraceQuery } from './loopTrace';

export async function traceFrom(folder: string, query: TraceQuery, given?: LoopRecords): Promise<LoopTrace> {
  const records = given ?? (await readLoopRecords(folder));
  const errorLinks = await new ErrorItemLinks(records.stateDir).all();
  const sources: TraceSources = { records, errorLinks };
  if ('item' in query) {
    // Every commit that mentions the item, on any branch: the board's tooltip keeps a few, the trace all.
    const scan = { scanned: TRACE_COMMITS_SCANNED, kept: TRACE_COMMITS_SCANNED, allRefs: true };
    const links = (await readItemLinks(folder, [query.item], scan)).get(query.item);
    if (links) sources.itemLinks = links;
    // A Sentry short id (`SHOP-1A`, or one that looks like an item key) that no commit or error link names is an error's.
    const issue = records.issues.find((i) => i.shortId.toUpperCase() === query.item);
    const madeFromError = errorLinks.some((l) => l.itemKey.toUpperCase() === query.item);
    if (!links && !madeFromError && issue) return assembleTrace({ errorId: issue.id }, sources);
  } else if ('commit' in query) {
    const sha = await resolveCommit(folder, query.commit);
    const commit = sha ? await showCommit(folder, sha) : undefined;
    if (commit) sources.commit = commit;
  }
  return assembleTrace(query, sources);
}
