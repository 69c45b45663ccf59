// A real HTTP server on 127.0.0.1 with the endpoints uptime checks and goals meet in the wild: ok, slow,
// 5xx, redirects, a redirect loop, a page with a keyword, a switchable health endpoint, JSON answers.
import { StubServer } from './stubServer';
import type { StubExchange } from './stubServer';

export interface ProbeTargets {
  url: string;
  /** What /health answers; tests flip it to make a check go down and recover. */
  health: { status: number };
  /** Requests seen, by path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export const PAGE_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title></head>
<body><h1>Shop</h1><p>Welcome to the shop. Everything is in stock today.</p></body></html>`;

export async function startProbeTargets(): Promise<ProbeTargets> {
  const health = { status: 200 };
  const hits = new Map<string, number>();
  const answer = (exchange: StubExchange): void => {
    const { pathname, searchParams } = exchange.url;
    hits.set(pathname, (hits.get(pathname) ?? 0) + 1);
    const send = (status: number, body: string, type = 'text/plain') => exchange.send(status, body, { 'content-type': type });
    const redirect = (status: number, location: string) => exchange.send(status, '', { location });
    switch (pathname) {
      case '/ok':
        return send(200, 'ok');
      case '/slow':
        return exchange.later(Number(searchParams.get('ms') ?? 5000), () => send(200, 'finally'));
      case '/slow-body':
        // Headers at once, the body never ends: the timeout must cover the body too.
        exchange.res.writeHead(200, { 'content-type': 'text/html' });
        exchange.res.write('<html><body>waiting');
        return;
      case '/unavailable':
        return send(503, 'maintenance');
      case '/moved':
        return redirect(301, '/ok');
      case '/hop': {
        const left = Number(searchParams.get('n') ?? 0);
        return redirect(302, left > 0 ? `/hop?n=${left - 1}` : '/ok');
      }
      case '/loop':
        return redirect(302, '/loop');
      case '/page':
        return send(200, PAGE_HTML, 'text/html; charset=utf-8');
      case '/big':
        // 3 MB of filler with the word at the very end: beyond what a probe reads.
        return send(200, 'x'.repeat(3 * 1024 * 1024) + 'needle');
      case '/health':
        return send(health.status, health.status < 300 ? 'healthy' : 'unhealthy');
      case '/metrics.json':
        return send(200, JSON.stringify({ data: { users: { total: 1234, active: '87' } }, items: [{ value: 3.5 }] }), 'application/json');
      case '/private':
        // Basic auth as a health endpoint behind a proxy asks for it: probe:s3cret.
        return exchange.req.headers.authorization === `Basic ${Buffer.from('probe:s3cret').toString('base64')}`
          ? send(200, 'private ok')
          : send(401, 'sign in');
      case '/not-json':
        return send(200, '<!DOCTYPE html><html><body>Sign in</body></html>', 'text/html');
      default:
        return send(404, 'not found');
    }
  };
  const server = await StubServer.start({ handle: answer });
  return { url: server.url, health, hits, close: () => server.stop() };
}
