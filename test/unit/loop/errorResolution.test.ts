import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ReleaseToDeploy } from '../../../src/deploy/renderManifests';
import type { BeltRun } from '../../../src/loop/belt/beltRun';
import type { ErrorItemLink } from '../../../src/loop/errorItems/errorItemLinks';
import { errorResolutions, resolveFixedErrors } from '../../../src/loop/errorItems/errorResolution';
import type { ReleaseChange } from '../../../src/loop/loopRecords';
import type { ErrorIssue } from '../../../src/monitor/errors/errorModel';
import { ErrorStore } from '../../../src/monitor/errors/errorStore';
import { scriptedBeltRun, type ScriptedEnvironment } from '../../support/beltScript';
import { anErrorIssue } from '../../support/builders';

const sha = (c: string) => c.repeat(40);
const release = (version: string, commits: string[]): ReleaseChange => ({
  version,
  tag: `v${version}`,
  commit: sha(version[2]),
  date: '2026-11-01T00:00:00.000Z',
  commits: commits.map((subject, i) => ({ sha: sha(String(i)), subject, authoredAt: '2026-11-01T00:00:00.000Z' })),
});
const RELEASES = [
  release('1.4.0', ['feat: checkout']),
  release('1.5.0', ['fix: SHOP-12 orders without a customer', 'feat: SHOP-120 coupons']),
  release('1.6.0', ['fix: SHOP-12 guest orders too']),
];
const toDeploy = (version: string): ReleaseToDeploy => ({
  version: `v${version}`,
  commit: sha(version[2]),
  image: '127.0.0.1:5000/shop',
  digest: `sha256:${'a'.repeat(64)}`,
});
const ship = (version: string, at: string, environments: ScriptedEnvironment[]) =>
  scriptedBeltRun({ id: `belt-${version}`, at, release: toDeploy(version), environments });
const BOTH: ScriptedEnvironment[] = [{ name: 'staging' }, { name: 'production' }];

/** 1.4.0 everywhere on Nov 1; 1.5.0 on Nov 5 from 10:00, its production deploy starting 10:02 (after staging's deploy and verify). */
async function shipped(v150: ScriptedEnvironment[] = BOTH): Promise<BeltRun[]> {
  return [await ship('1.5.0', '2026-11-05T10:00:00.000Z', v150), await ship('1.4.0', '2026-11-01T10:00:00.000Z', BOTH)];
}
const PRODUCTION_DEPLOY = '2026-11-05T10:02:00.000Z';

const link = (errorId: string, itemKey = 'SHOP-12'): ErrorItemLink => ({
  errorId,
  errorShortId: `LOCAL-${errorId}`,
  itemKey,
  provider: 'local',
  createdAt: '2026-11-03T00:00:00.000Z',
});
const issue = (id: string, releasesSeen: Record<string, string>, fields: Partial<ErrorIssue> = {}): ErrorIssue =>
  anErrorIssue({ id, releasesSeen, lastSeen: Object.values(releasesSeen).sort().at(-1), ...fields });
const BEFORE_FIX = { 'shop@1.4.0': '2026-11-04T09:00:00.000Z' };

const versionsResolved = (resolutions: ReturnType<typeof errorResolutions>) => resolutions.map((r) => [r.errorId, r.version]);

describe('error resolution when a fix reaches production (unit)', () => {
  it('resolves a linked error in the first release of its item verified in production, when that release does not send it', async () => {
    const resolutions = errorResolutions({
      records: { releases: RELEASES, belt: await shipped() },
      // Issue 2 still comes from 1.4.0 (still running elsewhere) after the deploy: that does not hold it back.
      issues: [issue('1', BEFORE_FIX), issue('2', { 'shop@1.4.0': '2026-11-05T11:00:00.000Z' }), issue('3', BEFORE_FIX)],
      links: [link('1'), link('2')],
    });
    assert.deepEqual(resolutions, [
      {
        errorId: '1',
        errorShortId: 'LOCAL-1',
        itemKey: 'SHOP-12',
        environment: 'production',
        version: '1.5.0',
        deployedAt: PRODUCTION_DEPLOY,
      },
      {
        errorId: '2',
        errorShortId: 'LOCAL-2',
        itemKey: 'SHOP-12',
        environment: 'production',
        version: '1.5.0',
        deployedAt: PRODUCTION_DEPLOY,
      },
    ]);
  });

  it('waits while the release is not in production yet (the belt stopped at staging)', async () => {
    const belt = await shipped([{ name: 'staging' }]);
    assert.deepEqual(errorResolutions({ records: { releases: RELEASES, belt }, issues: [issue('1', BEFORE_FIX)], links: [link('1')] }), []);
  });

  it('does not resolve while the release, a later one, or an event without a release still sends it since the deploy', async () => {
    const belt = await shipped();
    const since = '2026-11-05T10:05:00.000Z';
    const resolutions = errorResolutions({
      records: { releases: RELEASES, belt },
      issues: [
        issue('1', { ...BEFORE_FIX, 'shop@1.5.0': since }),
        issue('2', { ...BEFORE_FIX, 'v1.6.0-beta.1': since }),
        issue('3', { ...BEFORE_FIX, '': since }),
        // Sent by 1.5.0 in staging before the production deploy began: production has been quiet since.
        issue('4', { ...BEFORE_FIX, 'shop@1.5.0': '2026-11-05T10:01:00.000Z' }),
      ],
      links: ['1', '2', '3', '4'].map((id) => link(id)),
    });
    assert.deepEqual(versionsResolved(resolutions), [['4', '1.5.0']]);
  });

  it('does not resolve when the release was rolled back in production, or failed to roll out', async () => {
    for (const outcome of ['fails-verification', 'fails-rollout'] as const) {
      const belt = await shipped([{ name: 'staging' }, { name: 'production', outcome }]);
      assert.deepEqual(
        errorResolutions({ records: { releases: RELEASES, belt }, issues: [issue('1', BEFORE_FIX)], links: [link('1')] }),
        [],
        outcome,
      );
    }
  });

  it("takes production to be the delivery plan's last environment when it is given", async () => {
    const belt = [await ship('1.5.0', '2026-11-05T10:00:00.000Z', [{ name: 'staging' }, { name: 'live' }])];
    const input = { records: { releases: RELEASES, belt }, issues: [issue('1', BEFORE_FIX)], links: [link('1')] };
    assert.deepEqual(errorResolutions(input), [], 'no environment named production');
    assert.deepEqual(versionsResolved(errorResolutions({ ...input, production: 'live' })), [['1', '1.5.0']]);
  });

  it('leaves alone errors without an item, resolved ones, hosted Sentry issues, and items no release mentions', async () => {
    const belt = await shipped();
    const resolutions = errorResolutions({
      records: { releases: RELEASES, belt },
      issues: [
        issue('1', BEFORE_FIX),
        issue('2', BEFORE_FIX, { status: 'resolved', resolvedIn: '1.5.0' }),
        issue('3', BEFORE_FIX, { source: 'sentry' }),
        issue('4', BEFORE_FIX),
      ],
      links: [link('2'), link('3'), link('4', 'SHOP-1')],
    });
    assert.deepEqual(resolutions, []);
  });

  it('resolves a regression only in a later release of its item that reached production quietly', async () => {
    const regressed = issue('1', { 'shop@1.5.0': '2026-11-06T00:00:00.000Z' }, { status: 'regressed', resolvedIn: '1.5.0' });
    const input = { issues: [regressed], links: [link('1')] };
    assert.deepEqual(errorResolutions({ ...input, records: { releases: RELEASES, belt: await shipped() } }), []);
    const belt = [await ship('1.6.0', '2026-11-07T10:00:00.000Z', BOTH), ...(await shipped())];
    assert.deepEqual(versionsResolved(errorResolutions({ ...input, records: { releases: RELEASES, belt } })), [['1', '1.6.0']]);
  });

  it('reads an issue stored before releases were remembered by its newest event', async () => {
    const belt = await shipped();
    const old = (lastRelease: string) => anErrorIssue({ id: '1', lastRelease, lastSeen: '2026-11-05T11:00:00.000Z' });
    const decide = (i: ErrorIssue) => errorResolutions({ records: { releases: RELEASES, belt }, issues: [i], links: [link('1')] });
    assert.deepEqual(versionsResolved(decide(old('shop@1.4.0'))), [['1', '1.5.0']]);
    assert.deepEqual(decide(old('shop@1.5.0')), []);
  });

  it("applies the decision to the local receiver's store", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'cnv-resolution-'));
    const store = new ErrorStore({ directory });
    try {
      const frames = [{ filename: '/ws/src/orders.js', function: 'parseOrder', lineno: 15, inApp: true }];
      const [recorded] = store.record([
        {
          detail: {
            eventId: 'e1',
            timestamp: '2026-11-04T09:00:00.000Z',
            release: 'shop@1.4.0',
            exceptionType: 'TypeError',
            exceptionValue: 'no customer',
            frames,
          },
          level: 'error',
          messageOnly: false,
        },
      ]);
      const resolved = resolveFixedErrors(store, { records: { releases: RELEASES, belt: await shipped() }, links: [link(recorded.id)] });
      assert.deepEqual(versionsResolved(resolved), [[recorded.id, '1.5.0']]);
      assert.equal(store.issue(recorded.id)?.status, 'resolved');
      assert.equal(store.issue(recorded.id)?.resolvedIn, '1.5.0');
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
