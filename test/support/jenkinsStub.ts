// A Jenkins on 127.0.0.1 that replays recorded JSON (test/fixtures/jenkins, see its README): the job tree
// (pruned to the depth the tree query asks for), a job's builds (`{0,N}` honoured), the queue, the crumb
// issuer with its session cookie, builds queued by POST and their queue items turning into builds, and
// progressive console text served in scripted pieces. Failures are scripted per path.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { StubServer } from './stubServer';
import type { Fault, StubExchange, StubHeaders } from './stubServer';

export const JENKINS_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'jenkins');

export function jenkinsFixture(name: string): string {
  return readFileSync(path.join(JENKINS_FIXTURES, name), 'utf8');
}

export interface JenkinsStubOptions {
  /** Where to listen (see StubServerOptions.host). */
  host?: string;
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
  readonly triggered: TriggeredBuild[] = [];
  private readonly failures = new Map<string, StubFailure>();
  private readonly logs = new Map<string, { script: LogScript; polls: number }>();
  private readonly sessions = new Map<string, string>();
  private readonly queueItems = new Map<number, { job: string; polls: number; number?: number }>();
  private readonly nextBuildNumber = new Map<string, number>();
  private nextQueueId = FIRST_QUEUE_ID;
  private readonly root: TreeNode;

  private constructor(
    private readonly server: StubServer<StubRequest>,
    private readonly options: JenkinsStubOptions,
  ) {
    this.root = this.recorded(options.root ?? 'jobs-tree.json') as unknown as TreeNode;
  }

  static async start(options: JenkinsStubOptions = {}): Promise<JenkinsStub> {
    let stub: JenkinsStub | undefined;
    const server = await StubServer.start<StubRequest>({
      urlPath: '/',
      jsonType: 'application/json;charset=utf-8',
      record: (e) => ({ method: e.method, path: e.url.pathname, query: e.url.searchParams, headers: e.headers, body: e.body }),
      handle: (e) => stub?.handle(e),
      host: options.host,
    });
    return (stub = new JenkinsStub(server, options));
  }

  /** The Jenkins root, http://127.0.0.1:PORT/. */
  get url(): string {
    return this.server.url;
  }

  get requests(): StubRequest[] {
    return this.server.requests;
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

  close(): Promise<void> {
    return this.server.stop();
  }

  /** A recorded fixture with its Jenkins root replaced by the stub's. */
  private recorded(name: string): Json {
    return JSON.parse(jenkinsFixture(name).replace(RECORDED_ROOTS, this.url)) as Json;
  }

  private handle(exchange: StubExchange): void {
    const failure = this.failures.get(exchange.url.pathname);
    if (failure) return exchange.fault(faultOf(failure));
    if (this.authorized(exchange)) this.route(exchange);
  }

  private route(exchange: StubExchange): void {
    const { method, url } = exchange;
    const { pathname, searchParams } = url;
    if (method === 'GET' && pathname === '/api/json') {
      return exchange.sendJson(200, { _class: this.root._class, jobs: prune(this.root.jobs ?? [], treeDepth(searchParams.get('tree'))) });
    }
    if (method === 'GET' && pathname === '/queue/api/json') {
      return exchange.sendJson(200, this.recorded('queue.json'));
    }
    if (method === 'GET' && pathname === '/crumbIssuer/api/json') {
      return this.crumb(exchange);
    }
    const queueItem = /^\/queue\/item\/(\d+)\/api\/json$/.exec(pathname);
    if (method === 'GET' && queueItem) {
      return this.queueItem(Number(queueItem[1]), exchange);
    }
    const job = /^\/((?:job\/[^/]+\/)+)(.*)$/.exec(pathname);
    const node = job ? findJob(this.root, fullNameOf(job[1])) : undefined;
    if (!job || !node) {
      return sendHtml(exchange, 404, notFoundPage(pathname));
    }
    const fullName = fullNameOf(job[1]);
    const rest = job[2];
    if (method === 'GET' && rest === 'api/json') {
      return exchange.sendJson(200, this.jobAnswer(node, fullName, searchParams.get('tree')));
    }
    if (method === 'POST' && (rest === 'build' || rest === 'buildWithParameters') && !node.jobs) {
      return this.queueBuild(fullName, rest, exchange);
    }
    const log = /^(\d+)\/logText\/progressiveText$/.exec(rest);
    if (method === 'GET' && log && !node.jobs) {
      return this.progressiveText(fullName, Number(log[1]), Number(searchParams.get('start') ?? '0'), exchange);
    }
    sendHtml(exchange, 404, notFoundPage(pathname));
  }

  /** Without credentials Jenkins takes the caller for anonymous (403); with a wrong token it answers 401. */
  private authorized(exchange: StubExchange): boolean {
    const credentials = this.options.credentials;
    if (!credentials) {
      return true;
    }
    const header = exchange.headers.authorization;
    if (!header) {
      sendHtml(exchange, 403, page('Authentication required', 'Authentication required'), {
        'X-You-Are-Authenticated-As': 'anonymous',
        'X-You-Are-In-Group-Disabled':
          'JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose',
        'X-Required-Permission': 'hudson.model.Hudson.Read',
        'X-Permission-Implied-By': 'hudson.model.Hudson.Administer',
      });
      return false;
    }
    if (header !== `Basic ${Buffer.from(`${credentials.user}:${credentials.apiToken}`).toString('base64')}`) {
      sendHtml(exchange, 401, page('Error 401 Unauthorized', `HTTP ERROR 401 Invalid password/token for user: ${credentials.user}`), {
        'WWW-Authenticate': 'Basic realm="Jenkins"',
      });
      return false;
    }
    return true;
  }

  private crumb(exchange: StubExchange): void {
    if (this.options.crumbIssuer && this.options.crumbIssuer !== 'session') {
      return sendHtml(exchange, 404, notFoundPage('/crumbIssuer/api/json'));
    }
    const session = randomBytes(12).toString('hex');
    const crumb = randomBytes(32).toString('hex');
    this.sessions.set(session, crumb);
    exchange.sendJson(
      200,
      { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb, crumbRequestField: 'Jenkins-Crumb' },
      {
        'Set-Cookie': `${SESSION_COOKIE}=${session}; Path=/; HttpOnly`,
      },
    );
  }

  private crumbValid(req: http.IncomingMessage): boolean {
    if (this.options.crumbIssuer === 'absent') {
      return true;
    }
    const session = /(?:^|;\s*)JSESSIONID\.[0-9a-f]+=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const crumb = req.headers['jenkins-crumb'];
    return session !== undefined && typeof crumb === 'string' && this.sessions.get(session) === crumb;
  }

  private queueBuild(fullName: string, endpoint: 'build' | 'buildWithParameters', exchange: StubExchange): void {
    if (!this.crumbValid(exchange.req)) {
      return sendHtml(
        exchange,
        403,
        page('Error 403 No valid crumb was included in the request', 'HTTP ERROR 403 No valid crumb was included in the request'),
      );
    }
    const queueId = this.nextQueueId++;
    const parameters = Object.fromEntries([...exchange.url.searchParams, ...new URLSearchParams(exchange.body)]);
    this.triggered.push({ job: fullName, endpoint, parameters, queueId });
    this.queueItems.set(queueId, { job: fullName, polls: 0 });
    exchange.send(201, '', { Location: `${this.url}queue/item/${queueId}/`, 'Content-Length': '0' });
  }

  /** The recorded pending item until it has been polled enough, then the recorded item that left the queue. */
  private queueItem(id: number, exchange: StubExchange): void {
    const item = this.queueItems.get(id);
    const node = item && findJob(this.root, item.job);
    if (!item || !node) {
      return sendHtml(exchange, 404, notFoundPage(`/queue/item/${id}/api/json`));
    }
    item.polls++;
    const task = { ...(this.recorded('queue-item-pending.json').task as Json), name: node.name, url: node.url };
    if (item.polls <= (this.options.queuePollsBeforeStart ?? 1)) {
      return exchange.sendJson(200, { ...this.recorded('queue-item-pending.json'), id, url: `queue/item/${id}/`, task });
    }
    item.number ??= this.buildNumberFor(item.job);
    const running = this.recorded('queue-item-running.json');
    const executable = { ...(running.executable as Json), number: item.number, url: `${node.url}${item.number}/` };
    exchange.sendJson(200, { ...running, id, url: `queue/item/${id}/`, task, executable });
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
              {
                ...this.recorded('build-changeset.json'),
                number: 6,
                building: true,
                result: null,
                duration: 0,
                timestamp: Date.now() - 30_000,
              },
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
  private progressiveText(fullName: string, buildNumber: number, start: number, exchange: StubExchange): void {
    const key = `${fullName}#${buildNumber}`;
    const log = this.logs.get(key) ?? { script: { parts: defaultLogParts() }, polls: 0 };
    this.logs.set(key, log);
    const parts = log.script.parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part));
    const full = Buffer.concat(parts);
    log.polls++;
    const revealed = parts.slice(0, Math.min(log.polls, parts.length)).reduce((size, part) => size + part.length, 0);
    const more = revealed < full.length || log.script.endless === true;
    exchange.send(
      200,
      full.subarray(Math.min(start, revealed), revealed),
      { 'Content-Type': 'text/plain;charset=UTF-8', 'X-Text-Size': String(revealed) },
      more ? { 'X-More-Data': 'true' } : {},
    );
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

/** Jenkins' answer to a scripted failure. */
function faultOf(failure: StubFailure): Fault {
  if (failure === 'hang') return 'hang';
  if (failure === 'html-login') return { status: 200, text: loginPage(), headers: HTML };
  return {
    status: failure.status,
    text: failure.body ?? page(`Error ${failure.status}`, `HTTP ERROR ${failure.status}`),
    headers: { ...HTML, ...failure.headers },
  };
}

const HTML = { 'Content-Type': 'text/html;charset=utf-8' };

function sendHtml(exchange: StubExchange, status: number, html: string, headers: StubHeaders = {}): void {
  exchange.send(status, html, HTML, headers);
}

function page(title: string, heading: string): string {
  return `<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n<title>${title}</title>\n</head>\n<body><h2>${heading}</h2>\n<hr><a href="https://eclipse.org/jetty">Powered by Jetty:// 10.0.20</a><hr/>\n</body>\n</html>\n`;
}

function notFoundPage(pathname: string): string {
  return page(
    'Error 404 Not Found',
    `HTTP ERROR 404 Not Found</h2>\n<table><tr><th>URI:</th><td>${pathname}</td></tr><tr><th>STATUS:</th><td>404</td></tr></table><h2>`,
  );
}

function loginPage(): string {
  return '<!DOCTYPE html><html class=""><head resURL="/static/7c7e8f4a" data-rooturl="" data-resurl="/static/7c7e8f4a"><title>Sign in [Jenkins]</title></head><body><form method="post" name="login" action="j_spring_security_check"><input name="j_username" id="j_username" type="text"><input name="j_password" type="password"><button type="submit">Sign in</button></form></body></html>';
}
