// Where things live on a Jenkins: job paths through folders, the tree queries that keep answers small, and the
// base URL the user configured (which may carry a context path such as `/jenkins/`).

/** How many levels of `jobs` one tree query asks for: root jobs, folders, and the folders inside them. */
export const JOB_TREE_DEPTH = 3;
const JOB_FIELDS = 'name,fullName,url,color';

/** `jobs[name,…,jobs[name,…,jobs[name,…]]]`: one request for a folder tree `depth` levels deep. */
export function jobsTree(depth = JOB_TREE_DEPTH): string {
  let tree = `jobs[${JOB_FIELDS}]`;
  for (let level = 1; level < depth; level++) {
    tree = `jobs[${JOB_FIELDS},${tree}]`;
  }
  return tree;
}

/** The last `limit` builds, with the git plugin's BuildData for commit and branch; `{0,N}` is Jenkins' range syntax. */
export function buildsTree(limit: number): string {
  const count = Math.max(1, Math.floor(limit));
  return `builds[number,url,result,building,timestamp,duration,estimatedDuration,actions[lastBuiltRevision[SHA1,branch[name]]]]{0,${count}}`;
}

export const QUEUE_TREE = 'items[id,url,why,inQueueSince,blocked,buildable,stuck,task[name,url]]';
export const QUEUE_ITEM_TREE = 'id,cancelled,why,executable[number,url]';

/**
 * `a/b/c` → `job/a/job/b/job/c/`, each segment URL-encoded. Relative (no leading slash) so that it resolves
 * under a context path: `new URL(jobPath('a'), 'https://ci.example.com/jenkins/')`. Multibranch projects name
 * branch jobs with the branch already encoded (`feature%2Flogin`), and that `%` is encoded again, as Jenkins does.
 */
export function jobPath(fullName: string): string {
  const segments = fullName.split('/').filter((segment) => segment.length > 0);
  if (segments.length === 0) {
    throw new RangeError('A Jenkins job name must not be empty');
  }
  return segments.map((segment) => `job/${encodeURIComponent(segment)}/`).join('');
}

/** The Jenkins root as a base URL ending in `/`, without user info (fetch refuses URLs that carry credentials). */
export interface JenkinsBase {
  base: URL;
  /** For messages: the root URL without credentials, query or fragment. */
  display: string;
  /** User and password taken out of `https://user:token@host/`, when the URL carried them. */
  user?: string;
  password?: string;
}

export function jenkinsBase(url: string): JenkinsBase {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new RangeError(
      `"${redactUserInfo(url)}" is not a Jenkins URL: use the address of the Jenkins root, e.g. https://ci.example.com/`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RangeError(`"${parsed.protocol}" is not supported for Jenkins: use an http:// or https:// URL`);
  }
  const user = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  parsed.hash = '';
  if (!parsed.pathname.endsWith('/')) {
    parsed.pathname += '/';
  }
  return { base: parsed, display: parsed.href, user, password };
}

/** A URL under the Jenkins root with a tree query; `path` is relative to the root. */
export function apiUrl(base: URL, path: string, tree?: string): URL {
  const url = new URL(path, base);
  if (tree) {
    url.searchParams.set('tree', tree);
  }
  return url;
}

/** `https://ci/queue/item/143/` or `queue/item/143/` → 143; undefined when it does not name a queue item. */
export function queueItemId(queueItemUrl: string): number | undefined {
  const match = /(?:^|\/)queue\/item\/(\d+)\/?(?:api\/json)?(?:[?#].*)?$/.exec(queueItemUrl.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * The full name of the job a Jenkins URL points to (`…/job/a/job/b%20c/` → `a/b c`), or undefined when the URL
 * is not a job's. Queue items only carry the task's short name, so their folder comes from the URL.
 */
export function jobFullNameFromUrl(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(url, 'http://jenkins.invalid/').pathname;
  } catch {
    return undefined;
  }
  const names: string[] = [];
  const pattern = /\/job\/([^/]+)/g;
  for (let match = pattern.exec(pathname); match; match = pattern.exec(pathname)) {
    names.push(safeDecode(match[1]));
  }
  return names.length > 0 ? names.join('/') : undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `https://bot:token@…` → `https://…`: an unreadable URL is quoted back without its credentials. */
function redactUserInfo(url: string): string {
  return url.replace(/[^\s/@]*:[^\s/@]*@/g, '');
}
