// A real HTTP server on 127.0.0.1 with the endpoints uptime checks and goals meet in the wild: ok, slow,
// 5xx, redirects, a redirect loop, a page with a keyword, a switchable health endpoint, JSON answers.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

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
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const send = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    switch (url.pathname) {
      case '/ok':
        return send(200, 'ok');
      case '/slow': {
        const timer = setTimeout(() => send(200, 'finally'), Number(url.searchParams.get('ms') ?? 5000));
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case '/slow-body': {
        // Headers at once, the body never ends: the timeout must cover the body too.
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<html><body>waiting');
        return;
      }
      case '/unavailable':
        return send(503, 'maintenance');
      case '/moved':
        res.writeHead(301, { location: '/ok' });
        return res.end();
      case '/hop': {
        const left = Number(url.searchParams.get('n') ?? 0);
        res.writeHead(302, { location: left > 0 ? `/hop?n=${left - 1}` : '/ok' });
        return res.end();
      }
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        return res.end();
      case '/page':
        return send(200, PAGE_HTML, 'text/html; charset=utf-8');
      case '/big': {
        // 3 MB of filler with the word at the very end: beyond what a probe reads.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(3 * 1024 * 1024) + 'needle');
        return;
      }
      case '/health':
        return send(health.status, health.status < 300 ? 'healthy' : 'unhealthy');
      case '/metrics.json':
        return send(200, JSON.stringify({ data: { users: { total: 1234, active: '87' } }, items: [{ value: 3.5 }] }), 'application/json');
      case '/not-json':
        return send(200, '<!DOCTYPE html><html><body>Sign in</body></html>', 'text/html');
      default:
        return send(404, 'not found');
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    health,
    hits,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
