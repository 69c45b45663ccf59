import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ErrorItemLinks } from '../../../src/loop/errorItems/errorItemLinks';
import { resolveAfterBelt } from '../../../src/loop/errorItems/errorResolution';
import type { ErrorIssue } from '../../../src/monitor/errors/errorModel';
import { ErrorReceiver, generatePublicKey } from '../../../src/monitor/errors/errorReceiver';
import { ErrorStore } from '../../../src/monitor/errors/errorStore';
import { scriptedHistory, type ScriptedHistory } from '../../support/scriptedHistory';

const REPO = path.resolve(__dirname, '..', '..', '..');
const SENTRY_APP = path.join(REPO, 'test', 'fixtures', 'sentry-app', 'app.js');
const run = promisify(execFile);

describe('resolution in a release, then a regression, with the real Sentry SDK (integration)', function () {
  this.timeout(120_000);
  let h: ScriptedHistory;
  let directory: string;
  let store: ErrorStore;
  let receiver: ErrorReceiver;

  before(async () => {
    h = await scriptedHistory();
    directory = mkdtempSync(path.join(tmpdir(), 'cnv-resolution-'));
    store = new ErrorStore({ directory, saveDelayMs: 20 });
    await store.load();
    receiver = new ErrorReceiver({ store, publicKey: generatePublicKey(), port: 0, notifyDelayMs: 20 });
    await receiver.start();
  });
  after(async () => {
    await receiver.dispose();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
    h.ws.remove();
  });

  /** The fixture app, as release `shop@<version>`: three TypeErrors (one issue), a RangeError and a message. */
  const reportErrors = (version: string) =>
    run(process.execPath, [SENTRY_APP], {
      env: {
        ...process.env,
        SENTRY_DSN: receiver.dsn,
        APP_RELEASE: `shop@${version}`,
        NODE_PATH: path.join(REPO, 'node_modules'),
        NODE_OPTIONS: '',
      },
      timeout: 20_000,
    });
  const reportAndSettle = async (version: string) => {
    await reportErrors(version);
    await receiver.settled();
  };
  const typeError = () => store.issues().find((i) => i.exceptionType === 'TypeError') as ErrorIssue;
  const folder = () => ({ folder: h.ws.dir, stateDir: h.stateDir, production: 'production' });

  it('resolves the error in the release that brought its fix to production; 1.4.0 keeps it resolved, 1.5.0 reopens it', async () => {
    const v140 = await h.releasedCommit('feat: checkout', 10, 'run-1', '1.4.0');
    await h.ship('belt-1', 9, '1.4.0', v140, [{ name: 'staging' }, { name: 'production' }]);
    await reportAndSettle('1.4.0');
    const issue = typeError();
    assert.equal(issue.count, 3);
    assert.equal(issue.status, undefined);
    await new ErrorItemLinks(h.stateDir).add({
      errorId: issue.id,
      errorShortId: issue.shortId,
      itemKey: 'SHOP-12',
      provider: 'local',
      createdAt: new Date().toISOString(),
    });
    assert.deepEqual(await resolveAfterBelt(store, folder()), [], 'no release carries SHOP-12 yet');

    const v150 = await h.releasedCommit('fix: SHOP-12 orders without a customer', 0.02, 'run-2', '1.5.0');
    await h.ship('belt-2', 0.02, '1.5.0', v150, [{ name: 'staging' }]);
    assert.deepEqual(await resolveAfterBelt(store, folder()), [], 'in staging only');

    await h.ship('belt-3', 0.01, '1.5.0', v150, [{ name: 'staging' }, { name: 'production' }]);
    const resolved = await resolveAfterBelt(store, folder());
    assert.deepEqual(
      resolved.map((r) => [r.errorShortId, r.itemKey, r.version, r.environment]),
      [[issue.shortId, 'SHOP-12', '1.5.0', 'production']],
      'only the linked error',
    );
    assert.equal(typeError().status, 'resolved');
    assert.equal(typeError().resolvedIn, '1.5.0');
    assert.equal(store.issues().find((i) => i.exceptionType === 'RangeError')?.status, undefined);

    // The old release still runs somewhere: its events count, the issue stays resolved.
    await reportAndSettle('1.4.0');
    assert.equal(typeError().count, 6);
    assert.equal(typeError().status, 'resolved');
    assert.deepEqual(await resolveAfterBelt(store, folder()), [], 'already resolved');

    await reportAndSettle('1.5.0');
    assert.equal(typeError().count, 9);
    assert.equal(typeError().status, 'regressed');
    assert.equal(typeError().resolvedIn, '1.5.0');
    assert.deepEqual(await resolveAfterBelt(store, folder()), [], 'no later release of SHOP-12 to resolve the regression in');

    await store.flush();
    const reloaded = new ErrorStore({ directory });
    await reloaded.load();
    assert.equal(reloaded.issue(issue.id)?.status, 'regressed', 'the regression is kept on disk');
  });
});
