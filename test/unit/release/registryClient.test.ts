import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { defaultDockerConfigPath, findDockerCredentials, readDockerCredentials } from '../../../src/release/registry/dockerConfig';
import { registryAddress } from '../../../src/release/registry/registryAddress';
import { RegistryClient } from '../../../src/release/registry/registryClient';
import { imageTarget } from '../../../src/release/releasePlan';
import type { ServiceError } from '../../../src/core/errors';
import { nextLink, retryAfterMs } from '../../../src/core/http/headers';
import { parseWwwAuthenticate } from '../../../src/release/registry/wwwAuthenticate';
import { registryError } from '../../support/registryError';
import { StubServer } from '../../support/stubServer';
import type { StubExchange } from '../../support/stubServer';

describe('WWW-Authenticate challenges (unit)', () => {
  it('reads a Bearer challenge with realm, service and scope', () => {
    assert.deepEqual(
      parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull"'),
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/node:pull' },
        },
      ],
    );
  });

  it('reads Basic, unquoted values, escapes, odd spacing and several challenges in one header', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry \\"Realm\\""'), [
      { scheme: 'basic', params: { realm: 'Registry "Realm"' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Basic realm=local , Bearer  realm = "https://a/token" ,error="insufficient_scope"'), [
      { scheme: 'basic', params: { realm: 'local' } },
      { scheme: 'bearer', params: { realm: 'https://a/token', error: 'insufficient_scope' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Negotiate abc==, Basic realm="r"'), [
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
  });

  it('has no challenge in an empty or missing header', () => {
    assert.deepEqual(parseWwwAuthenticate(null), []);
    assert.deepEqual(parseWwwAuthenticate('  '), []);
  });
});

describe('registry addresses, pagination links and Retry-After (unit)', () => {
  it('uses plain HTTP on the loopback and HTTPS elsewhere, unless a scheme is written; Docker Hub goes to its API host', () => {
    assert.equal(registryAddress('127.0.0.1:5000').baseUrl, 'http://127.0.0.1:5000');
    assert.equal(registryAddress('localhost:5000/').baseUrl, 'http://localhost:5000');
    assert.equal(registryAddress('[::1]:5000').baseUrl, 'http://[::1]:5000');
    assert.equal(registryAddress('ghcr.io').baseUrl, 'https://ghcr.io');
    assert.equal(registryAddress('http://registry.lan:5000/v2/').baseUrl, 'http://registry.lan:5000');
    assert.equal(registryAddress('https://127.0.0.1:5443').baseUrl, 'https://127.0.0.1:5443');
    assert.deepEqual(registryAddress('docker.io'), { display: 'docker.io', baseUrl: 'https://registry-1.docker.io', dockerHub: true });
  });

  it('keeps a registry address written with a scheme out of the image name, and for its API', () => {
    const image = (registry: string) =>
      imageTarget({ name: 'app', registry, dockerfile: 'Dockerfile', context: '.', buildArgs: {}, source: 'conveyor.yml' });
    assert.deepEqual(
      [image('http://10.0.0.5:5000')].map((t) => [t.host, t.address, t.repository]),
      [['10.0.0.5:5000', 'http://10.0.0.5:5000', '10.0.0.5:5000/app']],
    );
    assert.deepEqual(
      [image('https://ghcr.io/acme/')].map((t) => [t.host, t.address, t.path, t.repository]),
      [['ghcr.io', 'https://ghcr.io', 'acme/app', 'ghcr.io/acme/app']],
    );
    assert.equal(registryAddress(image('http://10.0.0.5:5000').address).baseUrl, 'http://10.0.0.5:5000');
    assert.deepEqual(
      [image('127.0.0.1:5000/team')].map((t) => [t.host, t.address, t.repository]),
      [['127.0.0.1:5000', '127.0.0.1:5000', '127.0.0.1:5000/team/app']],
    );
  });

  it('follows relative and absolute next links', () => {
    const page = 'http://127.0.0.1:5000/v2/shop-api/tags/list?n=2';
    assert.equal(
      nextLink('</v2/shop-api/tags/list?last=b&n=2>; rel="next"', page),
      'http://127.0.0.1:5000/v2/shop-api/tags/list?last=b&n=2',
    );
    assert.equal(nextLink('<https://other.example/v2/x?last=1>; rel=next', page), 'https://other.example/v2/x?last=1');
    assert.equal(nextLink(null, page), undefined);
  });

  it('reads Retry-After as seconds or a date', () => {
    const retryAfter = (value: string | null, now?: number) =>
      retryAfterMs(new Headers(value === null ? {} : { 'Retry-After': value }), now);
    assert.equal(retryAfter('3'), 3000);
    assert.equal(retryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(retryAfter('soon'), undefined);
    assert.equal(retryAfter(null), undefined);
  });
});

describe('Docker config credentials (unit)', () => {
  let dir: string;
  const config = (content: object | string) => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const auth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cnv-docker-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes `auth` (the password may contain colons) and matches keys written with a scheme or path', async () => {
    const file = config({
      auths: { 'http://127.0.0.1:5000/v2/': { auth: auth('alice', 'pa:ss') }, 'ghcr.io': { username: 'bob', password: 'tok' } },
    });
    assert.deepEqual(await readDockerCredentials('127.0.0.1:5000', file), { username: 'alice', password: 'pa:ss' });
    assert.deepEqual(await readDockerCredentials('ghcr.io', file), { username: 'bob', password: 'tok' });
    assert.equal(await readDockerCredentials('127.0.0.1:5001', file), undefined);
  });

  it('keeps an identity token, and finds Docker Hub credentials under any of its names', async () => {
    const file = config({
      auths: {
        'https://index.docker.io/v1/': { auth: auth('carol', 'pw') },
        'myacr.azurecr.io': { auth: auth('00000000-0000-0000-0000-000000000000', ''), identitytoken: 'refresh-me' },
      },
    });
    for (const name of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      assert.deepEqual(await readDockerCredentials(name, file), { username: 'carol', password: 'pw' }, name);
    }
    assert.deepEqual(await readDockerCredentials('myacr.azurecr.io', file), {
      username: '00000000-0000-0000-0000-000000000000',
      password: '',
      identityToken: 'refresh-me',
    });
  });

  it('says why there are no credentials: no entry, broken entry, no file', async () => {
    const file = config({ auths: { 'ghcr.io': {}, 'bad.example': { auth: Buffer.from('no-colon').toString('base64') } } });
    assert.match((await findDockerCredentials('ghcr.io', file)).reason ?? '', /has no credentials for ghcr.io/);
    assert.match(
      (await findDockerCredentials('bad.example', file)).reason ?? '',
      /the entry for bad.example in .* has an "auth" value that is not base64 of user:password/,
    );
    const plain = config({ auths: {} });
    assert.match(
      (await findDockerCredentials('127.0.0.1:5000', plain)).reason ?? '',
      /has no credentials for 127.0.0.1:5000: run `docker login 127.0.0.1:5000`/,
    );
    assert.match((await findDockerCredentials('ghcr.io', path.join(dir, 'absent.json'))).reason ?? '', /^no Docker config at /);
    assert.match((await findDockerCredentials('ghcr.io', config('{not json'))).reason ?? '', /^cannot read /);
  });

  it('looks where the docker CLI looks', () => {
    assert.equal(defaultDockerConfigPath({ DOCKER_CONFIG: '/etc/ci-docker' }, '/home/u'), '/etc/ci-docker/config.json');
    assert.equal(defaultDockerConfigPath({}, '/home/u'), '/home/u/.docker/config.json');
  });
});

/**
 * A registry and its token service, after the Docker Registry token authentication spec: the registry
 * answers 401 with a Bearer challenge naming the realm, service and scope; the token service checks Basic
 * credentials (or an OAuth2 refresh token) and answers `{token, expires_in}`.
 */
class TokenRegistryStub {
  readonly tokensIssued: string[] = [];
  private readonly grants = new Map<string, string[]>();
  private server: StubServer<{ method: string; url: string; headers: IncomingHttpHeaders }> | undefined;
  private busy = 0;
  base = '';
  tags = ['1.0.0', '1.1.0', '1.2.0', 'latest'];

  async start(): Promise<this> {
    this.server = await StubServer.start({
      jsonType: 'application/json',
      record: (e) => ({ method: e.method, url: e.path, headers: e.headers }),
      handle: (e) => (e.url.pathname === '/token' ? this.token(e, new URLSearchParams(e.body)) : this.registry(e)),
    });
    this.base = new URL(this.server.url).host;
    return this;
  }

  get requests(): { method: string; url: string; headers: IncomingHttpHeaders }[] {
    return this.server?.requests ?? [];
  }

  stop(): Promise<void> {
    return this.server?.stop() ?? Promise.resolve();
  }

  setBusy(times: number): void {
    this.busy = times;
  }

  private token(e: StubExchange, form: URLSearchParams): void {
    const basic = e.headers.authorization?.replace(/^Basic /, '');
    const [user, password] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    const byRefresh = e.method === 'POST' && form.get('grant_type') === 'refresh_token';
    if ((basic && (user !== 'alice' || password !== 's3cret')) || (byRefresh && form.get('refresh_token') !== 'refresh-me')) {
      return e.sendJson(401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
    }
    const token = `tok-${this.tokensIssued.length + 1}`;
    this.tokensIssued.push(token);
    const scopes = byRefresh ? [form.get('scope') ?? ''] : e.url.searchParams.getAll('scope');
    this.grants.set(token, basic || byRefresh ? scopes : []);
    e.sendJson(200, byRefresh ? { access_token: token, expires_in: 300 } : { token, expires_in: 300 });
  }

  private registry(e: StubExchange): void {
    const { pathname } = e.url;
    const repository = /^\/v2\/(.+)\/(tags\/list|manifests\/.+)$/.exec(pathname)?.[1];
    const scope = repository ? `repository:${repository}:pull` : '';
    const token = e.headers.authorization?.replace(/^Bearer /, '');
    const granted = token !== undefined && this.grants.has(token);
    if (!granted || (scope && !this.grants.get(token)!.includes(scope))) {
      const challenge = `Bearer realm="http://${this.base}/token",service="registry.test"${scope ? `,scope="${scope}"` : ''}${granted ? ',error="insufficient_scope"' : ''}`;
      return e.sendJson(401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'WWW-Authenticate': challenge });
    }
    if (repository === 'busy' && this.busy > 0) {
      this.busy--;
      return e.sendJson(429, { errors: [{ code: 'TOOMANYREQUESTS' }] }, { 'Retry-After': '0' });
    }
    if (pathname === '/v2/') return e.sendJson(200, {});
    if (pathname === '/v2/shop-api/tags/list') return this.tagPage(e);
    if (pathname === '/v2/shop-api/manifests/1.2.0' && e.method === 'HEAD') {
      return e.sendJson(200, undefined, {
        'Docker-Content-Digest': 'sha256:' + 'ab'.repeat(32),
        'Content-Type': 'application/vnd.oci.image.index.v1+json',
      });
    }
    e.sendJson(404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
  }

  private tagPage(e: StubExchange): void {
    const n = Number(e.url.searchParams.get('n') ?? this.tags.length);
    const last = e.url.searchParams.get('last');
    const start = last ? this.tags.indexOf(last) + 1 : 0;
    const page = this.tags.slice(start, start + n);
    const more = start + n < this.tags.length;
    e.sendJson(
      200,
      { name: 'shop-api', tags: page },
      more ? { Link: `</v2/shop-api/tags/list?last=${page[page.length - 1]}&n=${n}>; rel="next"` } : {},
    );
  }
}

describe('registry client against a token-auth registry (unit, stub)', () => {
  let stub: TokenRegistryStub;
  beforeEach(async () => (stub = await new TokenRegistryStub().start()));
  afterEach(() => stub.stop());

  it('gets a Bearer token with the credentials, follows tag pages and reuses the token for the same scope', async () => {
    const client = new RegistryClient(stub.base, { username: 'alice', password: 's3cret' });
    assert.deepEqual(await client.tags('shop-api', { pageSize: 3 }), ['1.0.0', '1.1.0', '1.2.0', 'latest']);
    assert.equal(await client.manifestDigest('shop-api', '1.2.0'), `sha256:${'ab'.repeat(32)}`);
    assert.equal(await client.manifestDigest('shop-api', '9.9.9'), undefined, 'an unknown tag has no digest');
    assert.deepEqual(stub.tokensIssued, ['tok-1'], 'one token for repository:shop-api:pull');
    const tokenRequest = stub.requests.find((r) => r.url.startsWith('/token'));
    assert.equal(tokenRequest?.url, '/token?service=registry.test&scope=repository%3Ashop-api%3Apull&account=alice');
    const head = stub.requests.find((r) => r.method === 'HEAD');
    assert.equal(
      head?.headers.accept,
      'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    );
    assert.equal(head?.headers.authorization, 'Bearer tok-1');
  });

  it('exchanges an identity token (OAuth2 refresh token) for an access token', async () => {
    const client = new RegistryClient(stub.base, {
      username: '00000000-0000-0000-0000-000000000000',
      password: '',
      identityToken: 'refresh-me',
    });
    assert.deepEqual(await client.tags('shop-api'), ['1.0.0', '1.1.0', '1.2.0', 'latest']);
    const tokenRequest = stub.requests.find((r) => r.url.startsWith('/token'));
    assert.equal(tokenRequest?.method, 'POST');
  });

  it('reports refused credentials without the password, and anonymous access as needing sign-in', async () => {
    const wrong = await registryError(new RegistryClient(stub.base, { username: 'alice', password: 'hunter2' }).tags('shop-api'));
    assert.equal(wrong.kind, 'unauthorized');
    assert.equal(
      wrong.message,
      `${stub.base} refused the credentials for shop-api (401): check the user and password in your Docker config or sign in again`,
    );
    assert.ok(!wrong.message.includes('hunter2') && !String(wrong.stack).includes('hunter2'));

    const anonymous = await registryError(new RegistryClient(stub.base).tags('shop-api'));
    assert.equal(anonymous.kind, 'unauthorized');
    assert.equal(
      anonymous.message,
      `${stub.base} requires sign-in to read shop-api (401): run \`docker login ${stub.base}\` or check the repository name`,
    );
    assert.ok(!anonymous.message.includes('tok-'), 'no token in the message');
  });

  it('pings with a token for the API root', async () => {
    await new RegistryClient(stub.base).ping();
    assert.equal(stub.requests.filter((r) => r.url === '/v2/').length, 2, 'challenged once, then accepted');
  });

  it('waits out one 429 as Retry-After says, and reports a second one', async () => {
    const client = new RegistryClient(stub.base, { username: 'alice', password: 's3cret' });
    stub.tags = [];
    stub.setBusy(1);
    await assert.rejects(
      client.tags('busy'),
      (error: ServiceError) => error.kind === 'not-found',
      'after the wait the request goes through (to a 404 here)',
    );
    stub.setBusy(2);
    const limited = await registryError(client.tags('busy'));
    assert.equal(limited.kind, 'rate-limited');
    assert.equal(limited.message, `${stub.base} is rate-limiting requests (429): try again in 0 s`);
  });

  it('names a missing repository and an invalid name', async () => {
    const client = new RegistryClient(stub.base, { username: 'alice', password: 's3cret' });
    const missing = await registryError(client.tags('nope'));
    assert.equal(missing.kind, 'not-found');
    assert.equal(missing.message, `${stub.base} has no tags of nope (404): check the repository name, or push an image first`);
    const invalid = await registryError(client.tags('Shop API'));
    assert.match(invalid.message, /"Shop API" is not a valid repository name/);
  });
});

describe('registry client failures before any answer (unit, stub)', () => {
  it('reports a refused connection and a registry that does not answer in time', async () => {
    const silent = await StubServer.start({ handle: () => undefined });
    const { port } = silent;
    try {
      const timeout = await registryError(new RegistryClient(`127.0.0.1:${port}`, undefined, { timeoutMs: 200 }).ping());
      assert.equal(timeout.kind, 'timeout');
      assert.equal(timeout.message, `Registry 127.0.0.1:${port} did not answer within 0.2 s`);
    } finally {
      await silent.stop();
    }
    const refused = await registryError(new RegistryClient(`127.0.0.1:${port}`).ping());
    assert.equal(refused.kind, 'unreachable');
    assert.equal(refused.message, `Cannot reach registry 127.0.0.1:${port}: connection refused`);
  });

  it('answers a Basic challenge with the credentials and sends them up front afterwards', async () => {
    const seen: (string | undefined)[] = [];
    const server = await StubServer.start({
      jsonType: 'application/json',
      handle: (e) => {
        seen.push(e.headers.authorization);
        if (e.headers.authorization !== `Basic ${Buffer.from('bob:pw').toString('base64')}`)
          return e.sendJson(401, {}, { 'WWW-Authenticate': 'Basic realm="r"' });
        e.sendJson(200, { name: 'app', tags: null });
      },
    });
    const host = new URL(server.url).host;
    try {
      const client = new RegistryClient(host, { username: 'bob', password: 'pw' });
      assert.deepEqual(await client.tags('app'), [], 'tags: null is an empty list');
      assert.deepEqual(await client.tags('app'), []);
      assert.deepEqual(
        seen.map((h) => h?.split(' ')[0]),
        [undefined, 'Basic', 'Basic'],
      );
      const anonymous = await registryError(new RegistryClient(host).tags('app'));
      assert.equal(anonymous.kind, 'unauthorized');
    } finally {
      await server.stop();
    }
  });
});
