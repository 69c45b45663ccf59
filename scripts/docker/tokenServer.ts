// A token service for the registry's `auth.token` mode, after the Docker Registry token specification:
// GET /token?service=…&scope=… with Basic credentials answers a JWT signed RS256 by a self-signed
// certificate (made here with openssl) that the registry trusts through its `rootcertbundle`. Anonymous
// requests get a token that grants nothing, so the registry still refuses them.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate the registry uses to check token signatures. */
  certificateFile: string;
  stop(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

const TOKEN_LIFETIME_S = 300;

export async function startTokenServer(dir: string, account: { user: string; password: string }): Promise<TokenServer> {
  const keyFile = path.join(dir, 'token-key.pem');
  const certificateFile = path.join(dir, 'token-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certificateFile,
      '-days',
      '2',
      '-subj',
      '/CN=conveyor-test-token-issuer',
    ],
    { stdio: 'ignore' },
  );
  const signer = {
    key: createPrivateKey(readFileSync(keyFile)),
    x5c: new X509Certificate(readFileSync(certificateFile)).raw.toString('base64'),
  };
  const service = 'conveyor-test-registry';
  const issuer = 'conveyor-test-token-issuer';

  const server = createServer((req, res) => answer(req, res, { account, service, issuer, signer }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certificateFile,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface TokenContext {
  account: { user: string; password: string };
  service: string;
  issuer: string;
  signer: { key: ReturnType<typeof createPrivateKey>; x5c: string };
}

function answer(req: IncomingMessage, res: ServerResponse, context: TokenContext): void {
  const url = new URL(req.url ?? '/', 'http://token');
  if (req.method !== 'GET' || url.pathname !== '/token') {
    return json(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'only GET /token is served' }] });
  }
  const user = basicUser(req.headers.authorization);
  if (user === 'invalid' || (user !== undefined && (user.name !== context.account.user || user.password !== context.account.password))) {
    res.setHeader('WWW-Authenticate', 'Basic realm="conveyor-test-token"');
    return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] });
  }
  const access = user ? url.searchParams.getAll('scope').flatMap(parseScope) : [];
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: context.issuer,
    sub: user?.name ?? '',
    aud: context.service,
    exp: now + TOKEN_LIFETIME_S,
    nbf: now - 10,
    iat: now,
    jti: randomUUID(),
    access,
  };
  const token = jwt(claims, context.signer);
  json(res, 200, { token, access_token: token, expires_in: TOKEN_LIFETIME_S, issued_at: new Date(now * 1000).toISOString() });
}

function basicUser(header: string | undefined): { name: string; password: string } | 'invalid' | undefined {
  if (!header) {
    return undefined;
  }
  const match = /^Basic (.+)$/i.exec(header);
  const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  return colon < 0 ? 'invalid' : { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `repository:shop/api:pull,push` → one access entry; the name may itself contain colons only before the last one. */
function parseScope(scope: string): Access[] {
  return scope.split(' ').flatMap((one) => {
    const first = one.indexOf(':');
    const last = one.lastIndexOf(':');
    if (first < 0 || last === first) {
      return [];
    }
    return [{ type: one.slice(0, first), name: one.slice(first + 1, last), actions: one.slice(last + 1).split(',') }];
  });
}

function jwt(claims: object, signer: TokenContext['signer']): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ typ: 'JWT', alg: 'RS256', x5c: [signer.x5c] })}.${encode(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), signer.key).toString('base64url')}`;
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
