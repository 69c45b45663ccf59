// A Jenkins on 127.0.0.1 that replays recorded JSON (test/fixtures/jenkins, see its README): the job tree
// (pruned to the depth the tree query asks for), a job's builds (`{0,N}` honoured), the queue, the crumb
// issuer with its session cookie, builds queued by POST and their queue items turning into builds, and
// progressive console text served in scripted pieces. Failures are scripted per path.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export const JENKINS_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'jenkins');

export function jenkinsFixture(name: string): string {
  return readFileSync(path.join(JENKINS_FIXTURES, name), 'utf8');
}

export interface JenkinsStubOptions {
  /** When set, requests must carry this user's API token (basic auth), as on a Jenkins without anonymous read. */
  credentials?: { user: string; apiToken: string };
  /**
   * `session`: crumbs tied to a session cookie, required on POST (default). `absent`: no crumb issuer (404) and
   * none required. `absent-but-required`: the issuer answers 404 yet POSTs need a crumb (a proxy hiding it).
   */
  crumbIssuer?: 'session' | 'absent' | 'absent-but-required';
  /** Fixture answered at `/api/json`: the composed folder tree (default) or a recorded flat job list. */
  root?: 'jobs-tree.json' | 'jobs.json';
  /** How many polls of a new queue item answer "waiting" before it has a build. Default 1. */
  queuePollsBeforeStart?: number;
}

/** A scripted answer for every request to one path: a status (with headers and body), a login page with 200, or no answer. */
export type StubFailure = { status: number; headers?: Record<string, string>; body?: string } | 'html-login' | 'hang';

export interface StubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TriggeredBuild {
  job: string;
  endpoint: 'build' | 'buildWithParameters';
  parameters: Record<string, string>;
  queueId: number;
}

/** Console text served in pieces: each poll reveals one more piece; `endless` keeps saying more is coming. */
export interface LogScript {
  parts: (string | Buffer)[];
  endless?: boolean;
}

interface TreeNode {
  _class?: string;
  name: string;
  fullName?: string;
  url: string;
  color?: string;
  jobs?: TreeNode[];
}

type Json = Record<string, unknown>;

const SESSION_COOKIE = 'JSESSIONID.5c0ffee1';
const FIRST_QUEUE_ID = 143;
// Every recorded response names the Jenkins it came from; answers name the stub instead.
const RECORDED_ROOTS = /https?:\/\/(?:localhost|127\.0\.0\.1|10\.1\.248\.14):\d+\/(?:jenkins\/)?/g;

export class JenkinsStub {
  readonly requests: StubRequest[] = [];
  readonly triggered: TriggeredBuild[] = [];
  private readonly failures = new Map<string, StubFailure>();
  private readonly logs = new Map<string, { script: LogScript; polls: number }>();
  private readonly sessions = new Map<string, string>();
  private readonly queueItems = new Map<number, { job: string; polls: number; number?: number }>();
  private readonly nextBuildNumber = new Map<string, number>();
  private nextQueueId = FIRST_QUEUE_ID;
  private root: TreeNode = { name: '', url: '' };

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly options: JenkinsStubOptions,
  ) {}

  static async start(options: JenkinsStubOptions = {}): Promise<JenkinsStub> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const stub = new JenkinsStub(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, options);
    stub.root = stub.recorded(options.root ?? 'jobs-tree.json') as unknown as TreeNode;
    server.on('request', (req, res) => void stub.handle(req, res));
    return stub;
  }

  /** Answers every request to `pathname` (e.g. `/api/json`) with `failure` from now on. */
  fail(pathname: string, failure: StubFailure): void {
    this.failures.set(pathname, failure);
  }

  setLog(jobFullName: string, buildNumber: number, script: LogScript): void {
    this.logs.set(`${jobFullName}#${buildNumber}`, { script, polls: 0 });
  }

  /** Requests whose path ends with `suffix`, in order. */
  requestsTo(suffix: string): StubRequest[] {
    return this.requests.filter((r) => r.path.endsWith(suffix));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A recorded fixture with its Jenkins root replaced by the stub's. */
  private recorded(name: string): Json {
    return JSON.parse(jenkinsFixture(name).replace(RECORDED_ROOTS, this.url)) as Json;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
    const failure = this.failures.get(url.pathname);
    if (failure) {
      return answerFailure(res, failure);
    }
    if (!this.authorized(req, res)) {
      return;
    }
    this.route(req.method ?? 'GET', url, body, req, res);
  }

  private route(method: string, url: URL, body: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const { pathname, searchParams } = url;
    if (method === 'GET' && pathname === '/api/json') {
      return sendJson(res, { _class: this.root._class, jobs: prune(this.root.jobs ?? [], treeDepth(searchParams.get('tree'))) });
    }
    if (method === 'GET' && pathname === '/queue/api/json') {
      return sendJson(res, this.recorded('queue.json'));
    }
    if (method === 'GET' && pathname === '/crumbIssuer/api/json') {
      return this.crumb(res);
    }
    const queueItem = /^\/queue\/item\/(\d+)\/api\/json$/.exec(pathname);
    if (method === 'GET' && queueItem) {
      return this.queueItem(Number(queueItem[1]), res);
    }
    const job = /^\/((?:job\/[^/]+\/)+)(.*)$/.exec(pathname);
    const node = job ? findJob(this.root, fullNameOf(job[1])) : undefined;
    if (!job || !node) {
      return sendHtml(res, 404, notFoundPage(pathname));
    }
    const fullName = fullNameOf(job[1]);
    const rest = job[2];
    if (method === 'GET' && rest === 'api/json') {
      return sendJson(res, this.jobAnswer(node, fullName, searchParams.get('tree')));
    }
    if (method === 'POST' && (rest === 'build' || rest === 'buildWithParameters') && !node.jobs) {
      return this.queueBuild(fullName, rest, body, req, res);
    }
    const log = /^(\d+)\/logText\/progressiveText$/.exec(rest);
    if (method === 'GET' && log && !node.jobs) {
      return this.progressiveText(fullName, Number(log[1]), Number(searchParams.get('start') ?? '0'), res);
    }
    sendHtml(res, 404, notFoundPage(pathname));
  }

  /** Without credentials Jenkins takes the caller for anonymous (403); with a wrong token it answers 401. */
  private authorized(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const credentials = this.options.credentials;
    if (!credentials) {
      return true;
    }
    const header = req.headers.authorization;
    if (!header) {
      sendHtml(res, 403, page('Authentication required', 'Authentication required'), {
        'X-You-Are-Authenticated-As': 'anonymous',
        'X-You-Are-In-Group-Disabled': 'JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose',
        'X-Required-Permission': 'hudson.model.Hudson.Read',
        'X-Permission-Implied-By': 'hudson.model.Hudson.Administer',
      });
      return false;
    }
    if (header !== `Basic ${Buffer.from(`${credentials.user}:${credentials.apiToken}`).toString('base64')}`) {
      sendHtml(res, 401, page('Error 401 Unauthorized', `HTTP ERROR 401 Invalid password/token for user: ${credentials.user}`), { 'WWW-Authenticate': 'Basic realm="Jenkins"' });
      return false;
    }
    return true;
  }

  private crumb(res: http.ServerResponse): void {
    if (this.options.crumbIssuer && this.options.crumbIssuer !== 'session') {
      return sendHtml(res, 404, notFoundPage('/crumbIssuer/api/json'));
    }
    const session = randomBytes(12).toString('hex');
    const crumb = randomBytes(32).toString('hex');
    this.sessions.set(session, crumb);
    sendJson(res, { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb, crumbRequestField: 'Jenkins-Crumb' }, 200, {
      'Set-Cookie': `${SESSION_COOKIE}=${session}; Path=/; HttpOnly`,
    });
  }

  private crumbValid(req: http.IncomingMessage): boolean {
    if (this.options.crumbIssuer === 'absent') {
      return true;
    }
    const session = /(?:^|;\s*)JSESSIONID\.[0-9a-f]+=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const crumb = req.headers['jenkins-crumb'];
    return session !== undefined && typeof crumb === 'string' && this.sessions.get(session) === crumb;
  }

  private queueBuild(fullName: string, endpoint: 'build' | 'buildWithParameters', body: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.crumbValid(req)) {
      return sendHtml(res, 403, page('Error 403 No valid crumb was included in the request', 'HTTP ERROR 403 No valid crumb was included in the request'));
    }
    const queueId = this.nextQueueId++;
    const query = new URL(req.url ?? '/', this.url).searchParams;
    const parameters = Object.fromEntries([...query, ...new URLSearchParams(body)]);
    this.triggered.push({ job: fullName, endpoint, parameters, queueId });
    this.queueItems.set(queueId, { job: fullName, polls: 0 });
    res.writeHead(201, { Location: `${this.url}queue/item/${queueId}/`, 'Content-Length': '0' }).end();
  }

  /** The recorded pending item until it has been polled enough, then the recorded item that left the queue. */
  private queueItem(id: number, res: http.ServerResponse): void {
    const item = this.queueItems.get(id);
    const node = item && findJob(this.root, item.job);
    if (!item || !node) {
      return sendHtml(res, 404, notFoundPage(`/queue/item/${id}/api/json`));
    }
    item.polls++;
    const task = { ...(this.recorded('queue-item-pending.json').task as Json), name: node.name, url: node.url };
    if (item.polls <= (this.options.queuePollsBeforeStart ?? 1)) {
      return sendJson(res, { ...this.recorded('queue-item-pending.json'), id, url: `queue/item/${id}/`, task });
    }
    item.number ??= this.buildNumberFor(item.job);
    const running = this.recorded('queue-item-running.json');
    const executable = { ...(running.executable as Json), number: item.number, url: `${node.url}${item.number}/` };
    sendJson(res, { ...running, id, url: `queue/item/${id}/`, task, executable });
  }

  private buildNumberFor(job: string): number {
    const next = this.nextBuildNumber.get(job) ?? 15;
    this.nextBuildNumber.set(job, next + 1);
    return next;
  }

  private jobAnswer(node: TreeNode, fullName: string, tree: string | null): Json {
    if (tree?.startsWith('jobs')) {
      return node.jobs ? { _class: node._class, jobs: prune(node.jobs, treeDepth(tree)) } : { _class: node._class };
    }
    if (node.jobs) {
      return { _class: node._class };
    }
    const builds = this.buildsOf(fullName, node.url);
    const range = /\{(\d+),(\d+)\}\s*$/.exec(tree ?? '');
    return { _class: node._class, builds: range ? builds.slice(Number(range[1]), Number(range[2])) : builds };
  }

  /**
   * `shop/shop-api/main` has one build per result, newest first. #3 is a recording with the git plugin's
   * BuildData, as recorded; the others are recordings with `number`, `result` and `building` changed so that
   * every result appears (README lists them). `fish` has its own recorded build #10. Builds live at the job's URL.
   */
  private buildsOf(fullName: string, jobUrl: string): Json[] {
    const builds: Json[] =
      fullName === 'fish'
        ? [this.recorded('build-changeset.json')]
        : fullName === 'shop/shop-api/main'
          ? [
              { ...this.recorded('build-changeset.json'), number: 6, building: true, result: null, duration: 0, timestamp: Date.now() - 30_000 },
              { ...this.recorded('build-success.json'), number: 5, result: 'UNSTABLE' },
              { ...this.recorded('build-changeset.json'), number: 4, result: 'FAILURE' },
              this.recorded('build-git-builddata.json'),
              { ...this.recorded('build-aborted.json'), number: 2 },
              { ...this.recorded('build-success.json'), number: 1, result: 'NOT_BUILT' },
            ]
          : [];
    return builds.map((build) => ({ ...build, url: `${jobUrl}${String(build.number)}/` }));
  }

  /** Bytes [start, end of the pieces revealed so far); X-More-Data only while more is to come, as Jenkins does. */
  private progressiveText(fullName: string, buildNumber: number, start: number, res: http.ServerResponse): void {
    const key = `${fullName}#${buildNumber}`;
    const log = this.logs.get(key) ?? { script: { parts: defaultLogParts() }, polls: 0 };
    this.logs.set(key, log);
    const parts = log.script.parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part));
    const full = Buffer.concat(parts);
    log.polls++;
    const revealed = parts.slice(0, Math.min(log.polls, parts.length)).reduce((size, part) => size + part.length, 0);
    const more = revealed < full.length || log.script.endless === true;
    res.writeHead(200, {
      'Content-Type': 'text/plain;charset=UTF-8',
      'X-Text-Size': String(revealed),
      ...(more ? { 'X-More-Data': 'true' } : {}),
    });
    res.end(full.subarray(Math.min(start, revealed), revealed));
  }
}

/** The recorded console, cut into four pieces at line ends: three with more to come, then the last. */
export function defaultLogParts(): string[] {
  const lines = jenkinsFixture('console-text.txt').split(/(?<=\n)/);
  const size = Math.ceil(lines.length / 4);
  return [0, 1, 2, 3].map((i) => lines.slice(i * size, (i + 1) * size).join(''));
}

/** How deep a tree query nests `jobs[`; a plain `/api/json` lists one level. */
function treeDepth(tree: string | null): number {
  return tree ? Math.max(1, (tree.match(/jobs\[/g) ?? []).length) : 1;
}

/** Jenkins leaves out what the tree does not ask for: below the deepest `jobs[`, folders come without `jobs`. */
function prune(jobs: TreeNode[], depth: number): TreeNode[] {
  return jobs.map((job) => {
    const { jobs: children, ...rest } = job;
    return children && depth > 1 ? { ...rest, jobs: prune(children, depth - 1) } : rest;
  });
}

function findJob(root: TreeNode, fullName: string): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const name of fullName.split('/')) {
    node = node?.jobs?.find((job) => job.name === name);
  }
  return node;
}

function fullNameOf(jobPath: string): string {
  return jobPath
    .split('/')
    .filter((segment, i) => i % 2 === 1 && segment.length > 0)
    .map((segment) => decodeURIComponent(segment))
    .join('/');
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answerFailure(res: http.ServerResponse, failure: StubFailure): void {
  if (failure === 'hang') {
    return;
  }
  if (failure === 'html-login') {
    return sendHtml(res, 200, loginPage());
  }
  sendHtml(res, failure.status, failure.body ?? page(`Error ${failure.status}`, `HTTP ERROR ${failure.status}`), failure.headers);
}

function sendJson(res: http.ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8', ...headers }).end(JSON.stringify(body));
}

function sendHtml(res: http.ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/html;charset=utf-8', ...headers }).end(html);
}

function page(title: string, heading: string): string {
  return `<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n<title>${title}</title>\n</head>\n<body><h2>${heading}</h2>\n<hr><a href="https://eclipse.org/jetty">Powered by Jetty:// 10.0.20</a><hr/>\n</body>\n</html>\n`;
}

function notFoundPage(pathname: string): string {
  return page('Error 404 Not Found', `HTTP ERROR 404 Not Found</h2>\n<table><tr><th>URI:</th><td>${pathname}</td></tr><tr><th>STATUS:</th><td>404</td></tr></table><h2>`);
}

function loginPage(): string {
  return '<!DOCTYPE html><html class=""><head resURL="/static/7c7e8f4a" data-rooturl="" data-resurl="/static/7c7e8f4a"><title>Sign in [Jenkins]</title></head><body><form method="post" name="login" action="j_spring_security_check"><input name="j_username" id="j_username" type="text"><input name="j_password" type="password"><button type="submit">Sign in</button></form></body></html>';
}
