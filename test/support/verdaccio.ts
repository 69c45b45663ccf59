// A real npm registry (Verdaccio) on loopback for integration tests: htpasswd users, no uplinks (nothing
// leaves the machine), anyone may read (or, with `readAccess: '$authenticated'`, only a signed-in user, as on
// GitHub Packages or most Nexus and Artifactory), only a signed-in user may publish.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface LocalNpmRegistry {
  /** `http://127.0.0.1:<port>/`, with the trailing slash npm writes. */
  url: string;
  /** A publish token for a new user (each call signs up another one). */
  token(): Promise<string>;
  close(): Promise<void>;
}

interface VerdaccioModule {
  runServer: (config: Record<string, unknown>) => Promise<{ listen(port: number, host: string, ready: () => void): Server }>;
}

let users = 0;

/** Starts Verdaccio; `storage` keeps the packages in a folder of the caller's (a temporary one otherwise, removed on close). */
export async function startVerdaccio(
  options: { storage?: string; readAccess?: '$all' | '$authenticated' } = {},
): Promise<LocalNpmRegistry> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'conveyor-verdaccio-'));
  // Verdaccio is CommonJS and only a test dependency: required here so nothing else loads it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runServer } = require('verdaccio') as VerdaccioModule;
  const app = await runServer({
    self_path: home,
    storage: options.storage ?? path.join(home, 'storage'),
    auth: { htpasswd: { file: path.join(home, 'htpasswd'), max_users: 1000 } },
    uplinks: {},
    packages: { '**': { access: options.readAccess ?? '$all', publish: '$authenticated' } },
    log: { type: 'stdout', format: 'pretty', level: 'fatal' },
    web: { enable: false },
  });
  const server = await new Promise<Server>((resolve) => {
    const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    async token() {
      const name = `conveyor-test-${process.pid}-${++users}`;
      const answer = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name, password: 'test-password-1' }),
      });
      const body = (await answer.json()) as { token?: string };
      if (!answer.ok || !body.token) throw new Error(`Verdaccio refused the user ${name}: ${answer.status} ${JSON.stringify(body)}`);
      return body.token;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(home, { recursive: true, force: true });
    },
  };
}
