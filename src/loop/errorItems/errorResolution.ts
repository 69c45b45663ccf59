// The loop closes on an error: once a release that carries its work item's commits is verified in production
// and the error no longer comes from that release (or a later one), the local receiver's issue is resolved in
// that release. Hosted Sentry resolves its own issues; only the local receiver's are decided here.
import { keyMention } from '../../code/itemLinks';
import { compareReleases } from '../../core/releaseVersion';
import type { ErrorIssue } from '../../monitor/errors/errorModel';
import { deploymentsFrom } from '../metrics/deployments';
import { readLoopRecords, type LoopRecords } from '../loopRecords';
import { ErrorItemLinks, type ErrorItemLink } from './errorItemLinks';

/** Production when the delivery plan is not known (a belt record alone does not say). */
export const DEFAULT_PRODUCTION = 'production';

export interface ErrorResolution {
  errorId: string;
  errorShortId: string;
  itemKey: string;
  /** The production environment it was verified in. */
  environment: string;
  /** Without the `v`: `1.5.0`. */
  version: string;
  /** When that release's verified deployment to production began. */
  deployedAt: string;
}

export interface ResolutionInput {
  records: Pick<LoopRecords, 'releases' | 'belt'>;
  issues: readonly ErrorIssue[];
  links: readonly ErrorItemLink[];
  /** The delivery plan's last environment. */
  production?: string;
}

/** The local issues to resolve, each in the first release of its item that is verified in production and quiet since. */
export function errorResolutions(input: ResolutionInput): ErrorResolution[] {
  const production = input.production ?? DEFAULT_PRODUCTION;
  const verified = deploymentsFrom(input.records.belt).filter((d) => d.environment === production && d.outcome === 'verified');
  const resolutions: ErrorResolution[] = [];
  for (const issue of input.issues) {
    const link = input.links.find((l) => l.errorId === issue.id);
    if (!link || issue.source !== 'local' || issue.status === 'resolved') continue;
    const mention = keyMention(link.itemKey);
    for (const release of input.records.releases) {
      if (!release.commits.some((c) => mention.test(c.subject))) continue;
      // A regression needs a fix released after the one that did not hold.
      if (issue.status === 'regressed' && (compareReleases(release.version, issue.resolvedIn ?? '') ?? 0) <= 0) continue;
      const deployment = verified.find((d) => d.version === release.version);
      if (!deployment || stillSent(issue, release.version, deployment.startedAt)) continue;
      resolutions.push({
        errorId: issue.id,
        errorShortId: issue.shortId,
        itemKey: link.itemKey,
        environment: production,
        version: release.version,
        deployedAt: deployment.startedAt,
      });
      break;
    }
  }
  return resolutions;
}

/** An event since the deployment from that release, a later one, or none named (it may be that release). */
function stillSent(issue: ErrorIssue, version: string, since: string): boolean {
  // Stores written before releases were remembered know only the newest event's.
  const seen = issue.releasesSeen ?? { [issue.lastRelease ?? '']: issue.lastSeen };
  return Object.entries(seen).some(([release, at]) => at >= since && (release === '' || (compareReleases(release, version) ?? 0) >= 0));
}

/** The local receiver's store, in the CLI or behind the editor's error service. */
export interface ResolvableErrors {
  issues(): ErrorIssue[];
  resolve(id: string, release: string): ErrorIssue | undefined;
}

/** Decides and resolves; returns the resolutions made. */
export function resolveFixedErrors(store: ResolvableErrors, input: Omit<ResolutionInput, 'issues'>): ErrorResolution[] {
  return errorResolutions({ ...input, issues: store.issues() }).filter((r) => store.resolve(r.errorId, r.version) !== undefined);
}

/** After a belt run: reads the folder's records (only when some error has an item) and resolves what reached production. */
export async function resolveAfterBelt(
  store: ResolvableErrors,
  folder: { folder: string; stateDir: string; production?: string },
): Promise<ErrorResolution[]> {
  const links = await new ErrorItemLinks(folder.stateDir).all();
  if (links.length === 0) return [];
  const records = await readLoopRecords(folder.folder);
  return resolveFixedErrors(store, { records, links, production: folder.production });
}
