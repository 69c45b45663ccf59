import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  commitReleaseFiles,
  commitsSince,
  createReleaseTag,
  lastReleaseTag,
  listReleaseRecords,
  pushRelease,
  tagExists,
  undoRelease,
} from '../../../src/release/gitRelease';
import type { ReleaseRecord } from '../../../src/release/releaseRecord';
import { changelogSection, prependChangelog } from '../../../src/release/version/changelog';
import { writeProjectVersion } from '../../../src/release/version/versionFile';
import { aReleaseRecord } from '../../support/builders';
import { sampleWorkspaces, type SampleWorkspace } from '../../support/sampleWorkspace';

const IDENTITY = ['-c', 'user.name=Conveyor Test', '-c', 'user.email=test@conveyor.invalid'];

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, stdio: 'pipe', encoding: 'utf8' }).trim();
}

function commit(ws: SampleWorkspace, message: string, file = 'app.txt'): string {
  ws.write(file, `${message}\n${Date.now()}-${Math.random()}\n`);
  git(ws.dir, 'add', '-A');
  git(ws.dir, ...IDENTITY, 'commit', '-q', '-m', message);
  return git(ws.dir, 'rev-parse', 'HEAD');
}

function record(version: string, commitSha: string): ReleaseRecord {
  return aReleaseRecord({
    version,
    commit: commitSha,
    image: { repository: '127.0.0.1:5000/shop-api', tags: [version, 'latest'], digest: `sha256:${'c'.repeat(64)}` },
    createdAt: '2026-11-26T10:00:00.000Z',
  });
}

describe('git side of a release, on real repositories (integration)', () => {
  const workspace = sampleWorkspaces();

  /** A repository with package.json at 1.3.2 and an identity in its local config, as a user would have. */
  function project(): SampleWorkspace {
    const ws = workspace({ 'package.json': '{\n  "name": "shop",\n  "version": "1.3.2"\n}\n' }, { git: true });
    git(ws.dir, 'config', 'user.name', 'Release Tester');
    git(ws.dir, 'config', 'user.email', 'release@conveyor.invalid');
    return ws;
  }

  it('without tags: no last release and every commit, newest first, with full messages', async () => {
    const ws = workspace({}, { git: true });
    commit(ws, 'fix(api): handle empty cart\n\nThe cart may be empty.\n\nBREAKING CHANGE: none really');
    assert.equal(await lastReleaseTag(ws.dir), undefined);
    const commits = await commitsSince(ws.dir);
    assert.deepEqual(
      commits.map((c) => c.message),
      ['fix(api): handle empty cart\n\nThe cart may be empty.\n\nBREAKING CHANGE: none really', 'chore: start'],
    );
    assert.match(commits[0].sha, /^[0-9a-f]{40}$/);
  });

  it('an empty repository has no release and no commits', async () => {
    const ws = workspace();
    git(ws.dir, 'init', '-q');
    assert.equal(await lastReleaseTag(ws.dir), undefined);
    assert.deepEqual(await commitsSince(ws.dir), []);
  });

  it('the last release is the highest semver tag reachable from HEAD, and commitsSince starts there', async () => {
    const ws = workspace({}, { git: true });
    commit(ws, 'feat: one');
    git(ws.dir, 'tag', 'v1.2.0');
    commit(ws, 'feat: two');
    git(ws.dir, ...IDENTITY, 'tag', '-a', '-m', 'Release v1.10.0', 'v1.10.0');
    commit(ws, 'fix: three');
    git(ws.dir, 'tag', 'vnext');
    git(ws.dir, 'switch', '-q', '-c', 'other');
    commit(ws, 'feat: elsewhere');
    git(ws.dir, 'tag', 'v9.0.0');
    git(ws.dir, 'switch', '-q', 'main');
    commit(ws, 'docs: four');

    assert.equal(await lastReleaseTag(ws.dir), 'v1.10.0');
    assert.deepEqual(
      (await commitsSince(ws.dir, 'v1.10.0')).map((c) => c.message),
      ['docs: four', 'fix: three'],
    );
    assert.deepEqual(
      (await commitsSince(ws.dir, 'v1.2.0')).map((c) => c.message),
      ['docs: four', 'fix: three', 'feat: two'],
    );
    await assert.rejects(commitsSince(ws.dir, 'v7.7.7'), /Reading commits since v7\.7\.7 failed/);
  });

  it('reads bare semver tags (1.4.0) as releases too, and sees a version tagged on another branch', async () => {
    const ws = workspace({}, { git: true });
    commit(ws, 'feat: one');
    git(ws.dir, 'tag', '1.4.0');
    commit(ws, 'fix: two');
    assert.equal(await lastReleaseTag(ws.dir), '1.4.0');
    assert.deepEqual(
      (await commitsSince(ws.dir, '1.4.0')).map((c) => c.message),
      ['fix: two'],
    );
    git(ws.dir, 'switch', '-q', '-c', 'hotfix');
    commit(ws, 'fix: elsewhere');
    git(ws.dir, 'tag', 'v1.4.1');
    git(ws.dir, 'switch', '-q', 'main');
    assert.equal(await lastReleaseTag(ws.dir), '1.4.0', 'a tag on another branch is not behind HEAD');
    assert.equal(await tagExists(ws.dir, 'v1.4.1'), true);
    assert.equal(await tagExists(ws.dir, 'v1.4.2'), false);
  });

  it('leaves merge commits out of commitsSince', async () => {
    const ws = workspace({}, { git: true });
    git(ws.dir, 'switch', '-q', '-c', 'feature');
    commit(ws, 'feat: on a branch');
    git(ws.dir, 'switch', '-q', 'main');
    commit(ws, 'fix: on main', 'other.txt');
    git(ws.dir, ...IDENTITY, 'merge', '-q', '--no-ff', '-m', "Merge branch 'feature'", 'feature');
    const messages = (await commitsSince(ws.dir)).map((c) => c.message).sort();
    assert.deepEqual(messages, ['chore: start', 'feat: on a branch', 'fix: on main']);
  });

  it('commits the release files, tags with the record and reads it back from the tag', async () => {
    const ws = project();
    commit(ws, 'feat(cart): coupons');
    git(ws.dir, 'tag', 'v1.0.0-manual');
    const before = git(ws.dir, 'rev-parse', 'HEAD');
    const section = changelogSection('1.4.0', new Date('2026-11-26T00:00:00Z'), await commitsSince(ws.dir));
    const changelog = ws.write('CHANGELOG.md', prependChangelog(undefined, section));
    const written = await writeProjectVersion(ws.dir, '1.4.0');
    ws.write('unrelated.txt', 'not part of the release\n');
    git(ws.dir, 'add', 'unrelated.txt');

    const sha = await commitReleaseFiles(ws.dir, [...written, changelog], '1.4.0');
    assert.equal(sha, git(ws.dir, 'rev-parse', 'HEAD'));
    assert.equal(git(ws.dir, 'rev-parse', 'HEAD~1'), before);
    assert.equal(git(ws.dir, 'log', '-1', '--format=%s|%an|%ae'), 'chore(release): v1.4.0|Release Tester|release@conveyor.invalid');
    assert.deepEqual(git(ws.dir, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort(), ['CHANGELOG.md', 'package.json']);
    assert.equal(git(ws.dir, 'status', '--porcelain'), 'A  unrelated.txt');

    const released = { ...record('1.4.0', sha), testedCommit: before, readyRun: 'run-3' };
    await createReleaseTag(ws.dir, released, section);
    assert.equal(git(ws.dir, 'cat-file', '-t', 'v1.4.0'), 'tag');
    assert.match(
      git(ws.dir, 'tag', '-l', '--format=%(contents)', 'v1.4.0'),
      /^Release v1\.4\.0\n\n## 1\.4\.0 \(2026-11-26\)\n\n### Features\n\n- \*\*cart:\*\* coupons/,
    );

    const entries = await listReleaseRecords(ws.dir);
    assert.deepEqual(
      entries.map((e) => e.tag),
      ['v1.4.0', 'v1.0.0-manual'],
    );
    assert.deepEqual(entries[0].record, released);
    assert.equal(entries[0].commit, sha);
    assert.equal(entries[0].error, undefined);
    assert.ok(!Number.isNaN(Date.parse(entries[0].date)), entries[0].date);
    assert.deepEqual([entries[1].record, entries[1].commit], [undefined, before]);
    assert.equal(await lastReleaseTag(ws.dir), 'v1.4.0');
  });

  it('commits nothing when there are no files or they did not change, and returns HEAD', async () => {
    const ws = project();
    const head = git(ws.dir, 'rev-parse', 'HEAD');
    assert.equal(await commitReleaseFiles(ws.dir, [], '1.3.2'), head);
    assert.equal(await commitReleaseFiles(ws.dir, [path.join(ws.dir, 'package.json')], '1.3.2'), head);
  });

  it('reports a broken record on its tag instead of failing the list', async () => {
    const ws = project();
    git(
      ws.dir,
      'tag',
      '-a',
      '--cleanup=verbatim',
      '-m',
      'Release v2.0.0\n\n--- conveyor-release ---\nversion: [\n--- end conveyor-release ---',
      'v2.0.0',
    );
    const [entry] = await listReleaseRecords(ws.dir);
    assert.equal(entry.record, undefined);
    assert.match(entry.error ?? '', /not valid YAML/);
  });

  it('refuses to create an existing tag and leaves it as it was', async () => {
    const ws = project();
    const first = git(ws.dir, 'rev-parse', 'HEAD');
    git(ws.dir, 'tag', '-a', '-m', 'by hand', 'v1.4.0');
    const tagObject = git(ws.dir, 'rev-parse', 'v1.4.0');
    const second = commit(ws, 'fix: later');
    await assert.rejects(
      createReleaseTag(ws.dir, record('1.4.0', second), '## 1.4.0\n'),
      /Tag v1\.4\.0 already exists \(on [0-9a-f]{7}\).*git tag -d v1\.4\.0/,
    );
    assert.equal(git(ws.dir, 'rev-parse', 'v1.4.0'), tagObject);
    assert.equal(git(ws.dir, 'rev-parse', 'v1.4.0^{commit}'), first);
    assert.equal(git(ws.dir, 'tag', '-l'), 'v1.4.0');
    await assert.rejects(
      createReleaseTag(ws.dir, { ...record('1.5.0', second), tag: 'v1.5.1' }, ''),
      /tag v1\.5\.1 does not match its version 1\.5\.0/,
    );
  });

  it('undoRelease takes back only the release: the commit and its files go, other uncommitted edits stay', async () => {
    const ws = project();
    const before = git(ws.dir, 'rev-parse', 'HEAD');
    const original = readFileSync(path.join(ws.dir, 'package.json'), 'utf8');
    const written = await writeProjectVersion(ws.dir, '1.4.0');
    const sha = await commitReleaseFiles(ws.dir, written, '1.4.0');
    assert.notEqual(sha, before);
    ws.write('app.txt', 'edited while the release was building\n');
    assert.equal(await undoRelease(ws.dir, before, sha, written), undefined);
    assert.equal(git(ws.dir, 'rev-parse', 'HEAD'), before);
    assert.equal(readFileSync(path.join(ws.dir, 'package.json'), 'utf8'), original);
    assert.equal(readFileSync(path.join(ws.dir, 'app.txt'), 'utf8'), 'edited while the release was building\n');
    await assert.rejects(undoRelease(ws.dir, '--hard', undefined, []), /is not a commit id/);
  });

  it('undoRelease leaves a HEAD that moved on during the release, and restores release files not yet committed', async () => {
    const ws = project();
    const before = git(ws.dir, 'rev-parse', 'HEAD');
    const written = await writeProjectVersion(ws.dir, '1.4.0');
    const sha = await commitReleaseFiles(ws.dir, written, '1.4.0');
    const later = commit(ws, 'fix: committed during the release');
    assert.match((await undoRelease(ws.dir, before, sha, written)) ?? '', /HEAD moved during the release .* git revert/);
    assert.equal(git(ws.dir, 'rev-parse', 'HEAD'), later, 'the commit made meanwhile is kept');

    const other = project();
    const tested = git(other.dir, 'rev-parse', 'HEAD');
    const original = readFileSync(path.join(other.dir, 'package.json'), 'utf8');
    const files = await writeProjectVersion(other.dir, '2.0.0');
    assert.equal(await undoRelease(other.dir, tested, undefined, files), undefined);
    assert.equal(readFileSync(path.join(other.dir, 'package.json'), 'utf8'), original);
  });

  it('pushes the branch and the tag to origin', async () => {
    const ws = project();
    const bare = workspace();
    git(bare.dir, 'init', '-q', '--bare');
    git(ws.dir, 'remote', 'add', 'origin', bare.dir);
    const sha = commit(ws, 'feat: ship it');
    await createReleaseTag(ws.dir, record('1.4.0', sha), '## 1.4.0\n');
    await pushRelease(ws.dir, 'v1.4.0');
    assert.equal(git(bare.dir, 'rev-parse', 'refs/heads/main'), sha);
    assert.equal(git(bare.dir, 'rev-parse', 'refs/tags/v1.4.0^{commit}'), sha);
    assert.equal(git(bare.dir, 'cat-file', '-t', 'refs/tags/v1.4.0'), 'tag');
  });

  it('pushes neither branch nor tag when the branch is rejected', async () => {
    const ws = project();
    const bare = workspace();
    git(bare.dir, 'init', '-q', '--bare');
    git(ws.dir, 'remote', 'add', 'origin', bare.dir);
    git(ws.dir, 'push', '-q', 'origin', 'main');
    const other = workspace();
    git(other.dir, 'clone', '-q', '-b', 'main', bare.dir, '.');
    commit(other, 'fix: pushed by someone else');
    git(other.dir, 'push', '-q', 'origin', 'main');
    const sha = commit(ws, 'feat: mine');
    await createReleaseTag(ws.dir, record('1.4.0', sha), '');
    await assert.rejects(pushRelease(ws.dir, 'v1.4.0'), /Pushing main and v1\.4\.0 to origin failed/);
    assert.equal(git(bare.dir, 'tag', '-l'), '');
  });

  it('says how to add a remote when there is none', async () => {
    const ws = project();
    await assert.rejects(
      pushRelease(ws.dir, 'v1.4.0'),
      /no git remote named "origin" to push v1\.4\.0 to: add one with `git remote add origin <url>`/,
    );
  });

  it('refuses to commit without a configured identity, before staging anything', async () => {
    const ws = workspace({ 'package.json': '{ "version": "1.0.0" }\n' }, { git: true });
    const emptyConfig = mkdtempSync(path.join(os.tmpdir(), 'conveyor-gitconfig-'));
    writeFileSync(path.join(emptyConfig, 'config'), '');
    const saved = { global: process.env.GIT_CONFIG_GLOBAL, nosystem: process.env.GIT_CONFIG_NOSYSTEM };
    process.env.GIT_CONFIG_GLOBAL = path.join(emptyConfig, 'config');
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    try {
      const written = await writeProjectVersion(ws.dir, '1.1.0');
      await assert.rejects(
        commitReleaseFiles(ws.dir, written, '1.1.0'),
        /no identity to release with: set one with `git config --global user\.name/,
      );
      assert.equal(git(ws.dir, 'diff', '--cached', '--name-only'), '');
      await assert.rejects(createReleaseTag(ws.dir, record('1.1.0', git(ws.dir, 'rev-parse', 'HEAD')), ''), /no identity/);
      assert.equal(git(ws.dir, 'tag', '-l'), '');
    } finally {
      restore('GIT_CONFIG_GLOBAL', saved.global);
      restore('GIT_CONFIG_NOSYSTEM', saved.nosystem);
      rmSync(emptyConfig, { recursive: true, force: true });
    }
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
