// A Jenkins seen through its JSON API: the job tree, a job's recent builds, the queue, starting a build and
// following its console. Plain Node (global fetch), no VS Code: the CI view, the commands and tests share it.
// Tree queries keep answers small: one request for the job tree, one per job for its builds.
import type { CiRun } from '../ciModel';
import type { ServiceError } from '../../core/errors';
import { isServiceError } from '../../core/errors';
import { JenkinsHttp, withBody } from './jenkinsHttp';
import type { Purpose } from './jenkinsHttp';
import { readBuilds, readCrumb, readJobs, readQueue, readQueueItemProgress } from './jenkinsModel';
import type { JenkinsJob, JenkinsQueueItem } from './jenkinsModel';
import { apiUrl, buildsTree, jenkinsBase, jobPath, jobsTree, QUEUE_ITEM_TREE, QUEUE_TREE, queueItemId } from './jenkinsUrls';
import type { JenkinsBase } from './jenkinsUrls';

export type { JenkinsJob, JenkinsQueueItem } from './jenkinsModel';

export interface JenkinsClientOptions {
  /** The Jenkins root, e.g. `https://ci.example.com/` or `https://example.com/jenkins/`. */
  url: string;
  user?: string;
  /** An API token of `user` (Jenkins › user › Security › API Token); a password works too, but needs CSRF crumbs. */
  apiToken?: string;
  /** For tests and proxies; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Per request, including reading its body. Default: the HTTP client's (15 s). */
  timeoutMs?: number;
}

export interface FollowLogOptions {
  /** Stops following; the promise then resolves, as stopping is what the caller asked for. */
  signal?: AbortSignal;
  /** Pause between polls while Jenkins says more text is coming. Default 1 s. */
  pollMs?: number;
}

/** What every poll of one console shares; one decoder spans them all. */
interface LogFollow {
  url: URL;
  purpose: Purpose;
  decoder: TextDecoder;
  onText: (chunk: string) => void;
  signal?: AbortSignal;
}

const DEFAULT_POLL_MS = 1_000;
const MAX_BUILDS = 100;

export class JenkinsClient {
  /** The Jenkins root as messages name it, without credentials. */
  readonly url: string;
  private readonly base: JenkinsBase;
  private readonly http: JenkinsHttp;

  constructor(options: JenkinsClientOptions) {
    this.base = jenkinsBase(options.url);
    this.url = this.base.display;
    const user = options.user ?? this.base.user;
    const apiToken = options.apiToken ?? this.base.password;
    if (apiToken !== undefined && user === undefined) {
      throw new RangeError('A Jenkins API token needs the user it belongs to: set the user too');
    }
    this.http = new JenkinsHttp({ base: this.base, user, apiToken, fetch: options.fetch, timeoutMs: options.timeoutMs });
  }

  /**
   * The job tree in one request, three levels deep (root, folders, folders in folders). A folder deeper than
   * that has no `children`; `jobs(itsFullName)` loads the tree below it.
   */
  async jobs(folderFullName?: string): Promise<JenkinsJob[]> {
    const where = folderFullName ? `folder ${folderFullName}` : 'the Jenkins root';
    const purpose: Purpose = {
      doing: `reading the jobs of ${where}`,
      may: `read the jobs of ${where}`,
      notFound: folderFullName
        ? `No folder ${folderFullName} on ${this.url}`
        : `No Jenkins API at ${this.url}api/json (404): is the URL the Jenkins root?`,
    };
    const path = folderFullName ? jobPath(folderFullName) : '';
    const body = await this.http.getJson(apiUrl(this.base.base, `${path}api/json`, jobsTree()), purpose);
    const jobs = readJobs(body, folderFullName);
    if (!jobs) {
      throw this.http.error(
        'malformed',
        `Jenkins at ${this.url} answered without a list of jobs for ${where}: is the URL the Jenkins root${folderFullName ? `, and is ${folderFullName} a folder` : ''}?`,
      );
    }
    return jobs;
  }

  /** The last `limit` builds of a job, newest first, with commit and branch when the git plugin recorded them. */
  async builds(jobFullName: string, limit = 10): Promise<CiRun[]> {
    const purpose = this.jobPurpose(jobFullName, `the builds of ${jobFullName}`);
    const count = Math.min(MAX_BUILDS, Math.max(1, Math.floor(limit)));
    const body = await this.http.getJson(apiUrl(this.base.base, `${jobPath(jobFullName)}api/json`, buildsTree(count)), purpose);
    const builds = readBuilds(body, jobFullName);
    if (!builds) {
      throw this.http.error(
        'malformed',
        `Jenkins at ${this.url} answered without a list of builds for ${jobFullName}: is it a folder rather than a job?`,
      );
    }
    return builds.slice(0, count);
  }

  /** What waits in the build queue, and why. */
  async queue(): Promise<JenkinsQueueItem[]> {
    const purpose: Purpose = {
      doing: 'reading the build queue',
      may: 'read the build queue',
      notFound: `No build queue at ${this.url}queue/api/json (404): is the URL the Jenkins root?`,
    };
    const body = await this.http.getJson(apiUrl(this.base.base, 'queue/api/json', QUEUE_TREE), purpose);
    const items = readQueue(body, this.base.base);
    if (!items) {
      throw this.http.error('malformed', `Jenkins at ${this.url} answered without a list of queue items: is the URL the Jenkins root?`);
    }
    return items;
  }

  /**
   * Queues a build (`buildWithParameters` when parameters are given, even none, so that defaults apply) and
   * answers where it waits. Sends a CSRF crumb when Jenkins issues one.
   */
  async build(jobFullName: string, parameters?: Record<string, string>): Promise<{ queueItemUrl: string }> {
    const purpose: Purpose = {
      ...this.jobPurpose(jobFullName, `a build of ${jobFullName}`),
      may: `build ${jobFullName}`,
      doing: `starting a build of ${jobFullName}`,
    };
    const crumb = await this.crumbHeaders();
    const url = apiUrl(this.base.base, `${jobPath(jobFullName)}${parameters ? 'buildWithParameters' : 'build'}`);
    const body = parameters ? new URLSearchParams(parameters).toString() : undefined;
    const headers: Record<string, string> = { ...crumb, ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) };
    const crumbRefused = (refused: { status: number; body: string }) =>
      refused.status === 403 && /no valid crumb/i.test(refused.body) ? this.crumbRejected(jobFullName, crumb !== undefined) : undefined;
    // Manual redirects: older Jenkins answers 302 to the queue, and the Location is the answer either way.
    const { answer, text } = await this.http.fetchText(
      url,
      { method: 'POST', headers, body, redirect: 'manual', describeStatus: crumbRefused },
      purpose,
    );
    const location = answer.headers.get('location');
    if (answer.status === 201 || (answer.status >= 300 && answer.status < 400 && location)) {
      if (!location) {
        throw this.http.error(
          'unsupported',
          `Jenkins at ${this.url} queued a build of ${jobFullName} but did not say where (no Location header): look for it in the job's history`,
        );
      }
      return { queueItemUrl: new URL(location, url).href };
    }
    throw this.http.statusError(withBody(answer, text), purpose);
  }

  /**
   * The build a queue item became, once it started; undefined while it waits. Asks this client's Jenkins root
   * for the item by id, not the URL as given: Jenkins builds Location from its configured root URL, which can
   * differ from the address the user reaches it by, and credentials must not follow a URL to another host.
   */
  async queueItemBuild(queueItemUrl: string): Promise<{ number: number; url: string } | undefined> {
    const id = queueItemId(queueItemUrl);
    if (id === undefined) {
      throw this.http.error('not-found', `"${queueItemUrl}" is not a Jenkins queue item URL (…/queue/item/<id>/)`);
    }
    const purpose: Purpose = {
      doing: `reading queue item ${id}`,
      may: `read queue item ${id}`,
      notFound: `Jenkins at ${this.url} no longer knows queue item ${id}: it forgets items a few minutes after their build starts; look for the build in the job's history`,
    };
    const body = await this.http.getJson(apiUrl(this.base.base, `queue/item/${id}/api/json`, QUEUE_ITEM_TREE), purpose);
    const progress = readQueueItemProgress(body);
    if (!progress) {
      throw this.http.error('malformed', `Jenkins at ${this.url} answered queue item ${id} with something that is not a queue item`);
    }
    if (progress.started) {
      return { number: progress.number, url: progress.url };
    }
    if (progress.cancelled) {
      throw this.http.error('not-found', `The queued build (queue item ${id}) was cancelled on ${this.url}`);
    }
    return undefined;
  }

  /**
   * Streams a build's console to `onText` as Jenkins writes it: polls `progressiveText` from the last offset
   * while Jenkins answers `X-More-Data: true`. Text is handed on as it arrives and not kept, so a long console
   * costs no memory; one decoder spans all polls, so a character split between two polls comes out whole.
   */
  async followLog(
    jobFullName: string,
    buildNumber: number,
    onText: (chunk: string) => void,
    options: FollowLogOptions = {},
  ): Promise<void> {
    const { signal } = options;
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    const follow: LogFollow = {
      url: apiUrl(this.base.base, `${jobPath(jobFullName)}${buildNumber}/logText/progressiveText`),
      purpose: {
        doing: `reading the console of ${jobFullName} #${buildNumber}`,
        may: `read the console of ${jobFullName} #${buildNumber}`,
        notFound: `No build #${buildNumber} of ${jobFullName} on ${this.url}`,
      },
      decoder: new TextDecoder(),
      onText,
      signal,
    };
    let start = 0;
    try {
      while (!signal?.aborted) {
        const poll = await this.pollLog(follow, start);
        start = poll.next;
        if (!poll.more) {
          emit(follow.decoder.decode(), onText);
          return;
        }
        await pause(pollMs, signal);
      }
    } catch (error) {
      if (signal?.aborted && !isServiceError(error)) {
        return;
      }
      throw error;
    }
  }

  /** One `progressiveText` request from byte `start`: hands its text on, answers where to go on and whether to. */
  private async pollLog(follow: LogFollow, start: number): Promise<{ next: number; more: boolean }> {
    const url = new URL(follow.url);
    url.searchParams.set('start', String(start));
    const answer = await this.http.send(url, { signal: follow.signal }, follow.purpose);
    if (!answer.response.ok) {
      throw this.http.statusError(withBody(answer, await answer.text()), follow.purpose);
    }
    const received = await answer.read((response) => streamText(response, follow.decoder, follow.onText));
    const size = answer.headers.get('x-text-size');
    // X-Text-Size is the byte offset to ask from next; without it, the bytes received say the same.
    const next = size !== null && /^\d+$/.test(size.trim()) ? Number(size) : start + received;
    return { next: Math.max(start, next), more: answer.headers.get('x-more-data')?.trim().toLowerCase() === 'true' };
  }

  /**
   * The CSRF crumb header and the session cookie it belongs to (Jenkins ties crumbs to the session), or
   * undefined when the crumb issuer answers 404: CSRF protection is off, or the Jenkins does not issue crumbs.
   */
  private async crumbHeaders(): Promise<Record<string, string> | undefined> {
    const purpose: Purpose = { doing: 'asking for a CSRF crumb', may: 'ask for a CSRF crumb', notFound: '' };
    const { answer, text } = await this.http.fetchText(
      apiUrl(this.base.base, 'crumbIssuer/api/json'),
      { headers: { Accept: 'application/json' }, accept: [404] },
      purpose,
    );
    if (answer.status === 404) {
      return undefined;
    }
    if (!answer.response.ok) {
      throw this.http.statusError(withBody(answer, text), purpose);
    }
    const crumb = readCrumb(this.http.parseJson(answer, text, purpose));
    if (!crumb) {
      throw this.http.error('malformed', `Jenkins at ${this.url} answered the crumb request without a crumb`);
    }
    const cookies = answer.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';')[0].trim())
      .filter((cookie) => cookie.includes('='));
    return { [crumb.field]: crumb.crumb, ...(cookies.length > 0 ? { Cookie: cookies.join('; ') } : {}) };
  }

  private crumbRejected(jobFullName: string, sentCrumb: boolean): ServiceError {
    const message = sentCrumb
      ? `Jenkins at ${this.url} rejected the CSRF crumb sent to build ${jobFullName} (403 No valid crumb): a proxy may drop the session cookie the crumb belongs to; sign in with an API token rather than a password`
      : `Jenkins at ${this.url} wants a CSRF crumb to build ${jobFullName} (403 No valid crumb), but its crumb issuer (crumbIssuer/api/json) answered 404: sign in with an API token (Jenkins 2.176 and later need no crumb with one), or ask an administrator about CSRF protection`;
    return this.http.error('forbidden', message, 403);
  }

  private jobPurpose(jobFullName: string, what: string): Purpose {
    return { doing: `reading ${what}`, may: `read ${what}`, notFound: `No job ${jobFullName} on ${this.url}` };
  }
}

/** Hands each decoded piece of the body to `onText` as it arrives; answers the number of bytes read. */
async function streamText(response: Response, decoder: TextDecoder, onText: (chunk: string) => void): Promise<number> {
  if (!response.body) {
    return 0;
  }
  let bytes = 0;
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    bytes += read.value.byteLength;
    emit(decoder.decode(read.value, { stream: true }), onText);
  }
  return bytes;
}

function emit(text: string, onText: (chunk: string) => void): void {
  if (text.length > 0) {
    onText(text);
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
