// bench/errorStoreBounds: memory and store-file size of the local receiver holding 500 issues (its bound)
// of the largest events it keeps (every text over its limit, 500 frames, 1,000 users an issue), against
// 500 issues of the recorded SDK event measured in the same run. Each side runs in its own process
// (--expose-gc) so one does not inherit the other's heap.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { ReceivedEvent } from '../src/monitor/errors/envelope';
import { ErrorReceiver, generatePublicKey } from '../src/monitor/errors/errorReceiver';
import { ErrorStore, STORE_FILE_NAME } from '../src/monitor/errors/errorStore';

const ISSUES = 500;
const USERS_PER_ISSUE = 1000;
const RECORDED_EVENT = readFileSync(
  path.join(__dirname, '..', 'test', 'fixtures', 'sentry-app', 'envelopes', 'node-exception.envelope'),
  'utf8',
);

interface ProbeResult {
  heapMb: number;
  peakRssMb: number;
  fileMb: number;
  saveErrors: number;
  loadedAfterRestart: number;
}

type Kind = 'recorded' | 'largest';

/** Gzip envelopes, one per issue: the recorded event as is, or with every text past its limit. */
function bodies(kind: Kind): Buffer[] {
  const [header, itemHeader, payload] = RECORDED_EVENT.split('\n');
  const event = JSON.parse(payload) as { exception: { values: Array<Record<string, unknown>> }; fingerprint?: string[] };
  if (kind === 'largest') {
    const long = (n: number) => 'w'.repeat(n);
    Object.assign(event.exception.values[0], {
      value: long(1024 * 1024),
      stacktrace: {
        frames: Array.from({ length: 500 }, (_, n) => ({
          filename: `/app/${long(400)}/${n}.js`,
          abs_path: `/abs/${long(400)}/${n}.js`,
          module: long(400),
          function: `${long(400)}${n}`,
          context_line: long(1000),
          lineno: n + 1,
          in_app: true,
        })),
      },
    });
  }
  const text = JSON.stringify({ ...event, fingerprint: ['ISSUE'], release: `shop@1.0.0-${'r'.repeat(300)}` });
  return Array.from({ length: ISSUES }, (_, n) =>
    zlib.gzipSync(Buffer.from([header, itemHeader, text.replace('"ISSUE"', `"issue-${n}"`), ''].join('\n'))),
  );
}

function post(port: number, key: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: `/api/1/envelope/?sentry_key=${key}`, headers: { 'Content-Encoding': 'gzip' } },
      (response) => {
        response.resume();
        response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`status ${response.statusCode}`))));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Older events of each issue from other users, so every issue holds its full user list. */
function otherUsersOf(issue: number): ReceivedEvent[] {
  return Array.from({ length: USERS_PER_ISSUE - 1 }, (_, user) => ({
    detail: { eventId: '', timestamp: '2020-01-01T00:00:00.000Z', exceptionType: 'Error', exceptionValue: '', frames: [] },
    level: 'error',
    userKey: `user-${user}@example.com`,
    fingerprint: [`issue-${issue}`],
    messageOnly: false,
  }));
}

async function probe(kind: Kind): Promise<ProbeResult> {
  const directory = mkdtempSync(path.join(tmpdir(), 'cnv-bench-store-'));
  const envelopes = bodies(kind);
  let saveErrors = 0;
  const store = new ErrorStore({ directory, onSaveError: () => saveErrors++ });
  const publicKey = generatePublicKey();
  const receiver = new ErrorReceiver({ store, publicKey, port: 0 });
  await receiver.start();
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  try {
    for (const [issue, body] of envelopes.entries()) {
      if (kind === 'largest') store.record(otherUsersOf(issue));
      await post(receiver.port, publicKey, body);
    }
    // The receiver reads each envelope just after answering it.
    await receiver.settled();
    await store.flush();
    envelopes.length = 0;
    global.gc?.();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1048576;
    clearInterval(sampler);
    const fileMb = statSync(path.join(directory, STORE_FILE_NAME)).size / 1048576;
    const reloaded = new ErrorStore({ directory });
    const { loaded } = await reloaded.load();
    return { heapMb, peakRssMb: peakRss / 1048576, fileMb, saveErrors, loadedAfterRestart: loaded };
  } finally {
    clearInterval(sampler);
    await receiver.dispose();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

function runProbe(kind: Kind): ProbeResult {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, 'probe', kind], {
    cwd: path.resolve(__dirname, '..'),
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(out) as ProbeResult;
}

export function benchErrorStoreBounds(): { largest: ProbeResult; recorded: ProbeResult } {
  const recorded = runProbe('recorded');
  const largest = runProbe('largest');
  for (const [kind, result] of Object.entries({ recorded, largest })) {
    if (result.saveErrors > 0 || result.loadedAfterRestart !== ISSUES)
      throw new Error(`${kind}: ${result.saveErrors} failed saves, ${result.loadedAfterRestart} of ${ISSUES} issues loaded back`);
  }
  const mb = (value: number) => `${value.toFixed(1)} MB`;
  console.log(
    `error store bounds (${ISSUES} issues, every save succeeded, all loaded back): largest accepted events (${USERS_PER_ISSUE} users an issue) ` +
      `heap ${mb(largest.heapMb)}, peak RSS ${mb(largest.peakRssMb)}, file ${mb(largest.fileMb)}; ` +
      `recorded SDK event heap ${mb(recorded.heapMb)}, peak RSS ${mb(recorded.peakRssMb)}, file ${mb(recorded.fileMb)}; ` +
      `ratio heap ${(largest.heapMb / recorded.heapMb).toFixed(1)}, file ${(largest.fileMb / recorded.fileMb).toFixed(1)}`,
  );
  return { largest, recorded };
}

if (require.main === module) {
  if (process.argv[2] === 'probe') {
    void probe(process.argv[3] as Kind).then((result) => process.stdout.write(JSON.stringify(result)));
  } else {
    benchErrorStoreBounds();
  }
}
