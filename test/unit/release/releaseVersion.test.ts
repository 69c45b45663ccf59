import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseLog, parseTagList, remoteCompareUrl } from '../../../src/release/gitRelease';
import { formatTagMessage, parseTagMessage } from '../../../src/release/releaseRecord';
import { changelogSection, prependChangelog } from '../../../src/release/version/changelog';
import { nextVersion, parseConventionalCommit, releaseBump } from '../../../src/release/version/conventionalCommits';
import {
  locateJsonString,
  readProjectVersion,
  setLockfileVersion,
  setPackageVersion,
  writeProjectVersion,
} from '../../../src/release/version/versionFile';
import { aReleaseRecord } from '../../support/builders';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

const messages = (...list: string[]) =>
  list.map((message, i) => ({ sha: `${String(i).padStart(2, '0')}aa11bb22cc33dd44ee55ff66aa77bb88cc99dd`, message }));

describe('conventional commit messages (unit)', () => {
  it('reads type, scope, subject and body of a conventional header', () => {
    assert.deepEqual(parseConventionalCommit('feat(cart): add coupons\n\nCoupons apply before tax.\n'), {
      type: 'feat',
      scope: 'cart',
      breaking: false,
      breakingNote: undefined,
      subject: 'add coupons',
      body: 'Coupons apply before tax.',
      conventional: true,
    });
  });

  it('marks `!` headers breaking, with or without a scope, and uses the subject as the note', () => {
    const bare = parseConventionalCommit('feat!: drop Node 18');
    assert.equal(bare.breaking, true);
    assert.equal(bare.type, 'feat');
    assert.equal(bare.breakingNote, 'drop Node 18');
    const scoped = parseConventionalCommit('refactor(api)!: rename /v1 routes');
    assert.deepEqual([scoped.type, scoped.scope, scoped.breaking, scoped.subject], ['refactor', 'api', true, 'rename /v1 routes']);
  });

  it('reads BREAKING CHANGE and BREAKING-CHANGE footers, joining continuation lines up to the next footer', () => {
    const spaced = parseConventionalCommit(
      'fix: parse dates strictly\n\nLong body.\n\nBREAKING CHANGE: dates without a zone\nare now rejected.\nRefs: #42',
    );
    assert.equal(spaced.breaking, true);
    assert.equal(spaced.breakingNote, 'dates without a zone are now rejected.');
    assert.match(spaced.body, /^Long body\.\n\nBREAKING CHANGE/);
    const hyphen = parseConventionalCommit('feat: x\r\n\r\nBREAKING-CHANGE: config moved to conveyor.yml\r\n');
    assert.equal(hyphen.breakingNote, 'config moved to conveyor.yml');
  });

  it('ignores a lower-case "breaking change:" line and an empty footer falls back to the subject', () => {
    assert.equal(parseConventionalCommit('feat: x\n\nbreaking change: not a footer').breaking, false);
    assert.equal(parseConventionalCommit('feat: add y\n\nBREAKING CHANGE:').breakingNote, 'add y');
  });

  it('lower-cases the type and accepts hyphenated types', () => {
    assert.equal(parseConventionalCommit('Fix: typo').type, 'fix');
    assert.equal(parseConventionalCommit('build-deps: bump yaml').type, 'build-deps');
  });

  it('treats everything else as non-conventional: subject is the first line', () => {
    for (const message of [
      'Update README',
      "Merge branch 'main' into feat",
      'fixup! feat: add x',
      'feat:missing space',
      'feat(): ',
      'feat(a)(b): twice',
      ': no type',
    ]) {
      const parsed = parseConventionalCommit(message);
      assert.equal(parsed.conventional, false, message);
      assert.equal(parsed.type, undefined, message);
      assert.equal(parsed.subject, message.trim(), message);
    }
    assert.equal(parseConventionalCommit('Update README\n\nBREAKING CHANGE: ignored').breaking, false);
  });

  it('reads a breaking footer after a header with an empty description, its text on the next line (as conventional-commits-parser does)', () => {
    const parsed = parseConventionalCommit('feat(api):\n\nBREAKING CHANGE:\nthe /v1 routes are gone\nuse /v2');
    assert.deepEqual(
      [parsed.conventional, parsed.type, parsed.scope, parsed.breaking, parsed.breakingNote],
      [true, 'feat', 'api', true, 'the /v1 routes are gone use /v2'],
    );
    assert.equal(releaseBump(messages('feat(api):\n\nBREAKING CHANGE:\nthe /v1 routes are gone')), 'major');
    assert.equal(parseConventionalCommit('feat(api):').conventional, false);
  });

  it('treats an empty scope as no scope', () => {
    assert.equal(parseConventionalCommit('fix(): tidy').scope, undefined);
  });
});

describe('release bump and next version (unit)', () => {
  it('picks the largest bump the commits call for', () => {
    assert.equal(releaseBump(messages('chore: deps', 'docs: readme', 'Update stuff')), undefined);
    assert.equal(releaseBump(messages('chore: deps', 'fix: crash')), 'patch');
    assert.equal(releaseBump(messages('perf: cache')), 'patch');
    assert.equal(releaseBump(messages('fix: a', 'feat: b', 'fix: c')), 'minor');
    assert.equal(releaseBump(messages('fix: a', 'chore!: drop support', 'feat: b')), 'major');
    assert.equal(releaseBump(messages('fix: a\n\nBREAKING CHANGE: b')), 'major');
    assert.equal(releaseBump([]), undefined);
  });

  it('bumps from the commits and says why', () => {
    const next = nextVersion('1.3.2', messages('feat: coupons', 'fix: rounding', 'fix: tax', 'chore: lint'));
    assert.equal(next.version, '1.4.0');
    assert.equal(next.bump, 'minor');
    assert.equal(next.reason, 'minor release: 1 feature, 2 fixes in 4 commits.');
  });

  it('keeps semver strict before 1.0.0: a breaking change makes 0.x a 1.0.0', () => {
    assert.equal(nextVersion('0.3.1', messages('feat!: new API')).version, '1.0.0');
    assert.equal(nextVersion('0.3.1', messages('feat: more')).version, '0.4.0');
    assert.equal(nextVersion('0.3.1', messages('feat!: new API'), 'minor').version, '0.4.0');
  });

  it('returns the current version and no bump when nothing calls for a release', () => {
    const next = nextVersion('2.0.0', messages('docs: typo'));
    assert.deepEqual([next.version, next.bump], ['2.0.0', undefined]);
    assert.match(next.reason, /^No release needed: 1 commit, none of them a feat, fix, perf or breaking change\./);
    assert.match(nextVersion('2.0.0', []).reason, /no commits since the last release/);
  });

  it('graduates a prerelease when the commits call for no bump of their own, and bumps from it otherwise', () => {
    const next = nextVersion('4.0.0-1', messages('chore: tidy'));
    assert.deepEqual([next.version, next.bump], ['4.0.0', 'major']);
    assert.equal(
      next.reason,
      '4.0.0 release: the prerelease 4.0.0-1 graduates (1 commit, none of them a feat, fix, perf or breaking change).',
    );
    assert.deepEqual(pick(nextVersion('4.1.3-rc.2', [])), ['4.1.3', 'patch']);
    assert.deepEqual(pick(nextVersion('4.0.0-1', messages('fix: a'))), ['4.0.0', 'patch']);
    assert.deepEqual(pick(nextVersion('4.0.1-1', messages('feat: a'))), ['4.1.0', 'minor']);
  });

  it('applies a requested bump and notes when it differs from the commits', () => {
    const next = nextVersion('1.3.2', messages('fix: a'), 'major');
    assert.deepEqual([next.version, next.bump], ['2.0.0', 'major']);
    assert.match(next.reason, /^major release requested \(the commits alone call for patch\): 1 fix in 1 commit\.$/);
    assert.equal(
      nextVersion('1.3.2', messages('docs: a'), 'patch').reason,
      'patch release requested (the commits alone call for no release): 1 commit, none of them a feat, fix, perf or breaking change.',
    );
    assert.equal(nextVersion('1.3.2', messages('fix: a'), 'patch').reason, 'patch release requested: 1 fix in 1 commit.');
  });

  it('accepts an explicit greater version and names the part that changed', () => {
    assert.deepEqual(pick(nextVersion('1.3.2', [], '1.5.0')), ['1.5.0', 'minor']);
    assert.deepEqual(pick(nextVersion('1.3.2', [], ' 2.0.0-rc.1 ')), ['2.0.0-rc.1', 'major']);
    assert.deepEqual(pick(nextVersion('2.0.0-rc.1', [], '2.0.0-rc.2')), ['2.0.0-rc.2', 'patch']);
  });

  it('rejects invalid or non-increasing versions with an error that says what to do', () => {
    assert.throws(() => nextVersion('1.3.2', [], '1.4'), /"1\.4" is not a valid version: use semver such as 1\.5\.0/);
    assert.throws(() => nextVersion('1.3.2', [], 'huge'), /not a valid version/);
    assert.throws(() => nextVersion('1.3.2', [], '1.3.2'), /Version 1\.3\.2 is not greater than the current version 1\.3\.2/);
    assert.throws(() => nextVersion('1.3.2', [], '1.3.2-rc.1'), /not greater/);
    assert.throws(() => nextVersion('banana', messages('fix: a')), /current version "banana" is not valid semver/);
  });

  function pick(next: { version: string; bump?: string }) {
    return [next.version, next.bump];
  }
});

describe('changelog section (unit)', () => {
  const date = new Date('2026-11-26T23:30:00Z');

  it('groups features, fixes and performance, lists breaking changes first and omits housekeeping', () => {
    const commits = messages(
      'feat(cart): add coupons',
      'fix: rounding of totals',
      'chore: bump deps',
      'docs: readme',
      'style: prettier',
      'test: more',
      'ci: cache',
      'build: esbuild 0.28',
      'perf(db): index orders',
      'refactor(api)!: rename routes\n\nBREAKING CHANGE: /v1 routes are now /api/v1',
      'Tweak the logo',
    );
    assert.equal(
      changelogSection('1.4.0', date, commits, { compareUrl: 'https://github.com/acme/shop/compare/v1.3.2...v1.4.0' }),
      [
        '## [1.4.0](https://github.com/acme/shop/compare/v1.3.2...v1.4.0) (2026-11-26)',
        '',
        '### ⚠ BREAKING CHANGES',
        '',
        '- **api:** /v1 routes are now /api/v1 (09aa11b)',
        '',
        '### Features',
        '',
        '- **cart:** add coupons (00aa11b)',
        '',
        '### Bug Fixes',
        '',
        '- rounding of totals (01aa11b)',
        '',
        '### Performance',
        '',
        '- **db:** index orders (08aa11b)',
        '',
        '### Other changes',
        '',
        '- **api:** rename routes (09aa11b)',
        '- Tweak the logo (10aa11b)',
        '',
      ].join('\n'),
    );
  });

  it('writes a plain heading without a link and a note when nothing is worth listing', () => {
    assert.equal(changelogSection('1.4.1', date, messages('chore: deps')), '## 1.4.1 (2026-11-26)\n\n_No notable changes._\n');
    assert.equal(
      changelogSection('1.4.1', date, [], { previousTag: 'v1.4.0' }),
      '## 1.4.1 (2026-11-26)\n\n_No notable changes since v1.4.0._\n',
    );
  });

  it('puts a breaking feature both under BREAKING CHANGES and under Features', () => {
    const text = changelogSection('2.0.0', date, messages('feat!: new checkout'));
    assert.match(text, /### ⚠ BREAKING CHANGES\n\n- new checkout \(00aa11b\)\n\n### Features\n\n- new checkout \(00aa11b\)\n$/);
  });
});

describe('prepending to CHANGELOG.md (unit)', () => {
  const section = '## 1.4.0 (2026-11-26)\n\n### Features\n\n- a (abc1234)\n';

  it('creates a titled changelog when there is none', () => {
    assert.equal(prependChangelog(undefined, section), `# Changelog\n\n${section}`);
    assert.equal(prependChangelog('  \n', section), `# Changelog\n\n${section}`);
  });

  it('keeps the title and introduction and goes above the previous newest section', () => {
    const existing = '# Changelog\n\nAll notable changes.\n\n## 1.3.0 (2026-10-01)\n\n- old\n\n## 1.2.0 (2026-09-01)\n\n- older\n';
    assert.equal(
      prependChangelog(existing, section),
      '# Changelog\n\nAll notable changes.\n\n## 1.4.0 (2026-11-26)\n\n### Features\n\n- a (abc1234)\n\n## 1.3.0 (2026-10-01)\n\n- old\n\n## 1.2.0 (2026-09-01)\n\n- older\n',
    );
  });

  it('goes after a lone title, at the top of an untitled file, and keeps CRLF line endings', () => {
    assert.equal(prependChangelog('# Changes\n', section), `# Changes\n\n${section}`);
    assert.equal(prependChangelog('## 1.3.0\n\n- old\n', section), `${section}\n## 1.3.0\n\n- old\n`);
    assert.equal(
      prependChangelog('# Changelog\r\n\r\n## 1.3.0\r\n', section),
      `# Changelog\n\n${section}\n## 1.3.0\n`.replace(/\n/g, '\r\n'),
    );
  });
});

describe('release record in the tag message (unit)', () => {
  const record = aReleaseRecord({
    version: '1.4.0',
    testedCommit: '1234567e89012345678901234567890123456789',
    readyRun: 'run-17',
    gateOverride: { reason: 'hotfix, e2e flaky', by: 'ana', at: '2026-11-26T10:00:00.000Z' },
    image: { repository: '127.0.0.1:5000/shop-api', tags: ['1.4.0', '1.4', 'latest'], digest: 'sha256:' + 'ab'.repeat(32) },
    createdAt: '2026-11-26T10:05:00.000Z',
  });
  const section = '## 1.4.0 (2026-11-26)\n\n### Features\n\n- a (abc1234)\n';

  it('puts the human text first and the YAML block last, in a fixed key order', () => {
    const message = formatTagMessage(record, section);
    assert.ok(
      message.startsWith(`Release v1.4.0\n\n${section}\n--- conveyor-release ---\nversion: 1.4.0\ntag: v1.4.0\ncommit: 4c7e1d2f`),
      message,
    );
    assert.ok(message.endsWith('createdAt: 2026-11-26T10:05:00.000Z\n--- end conveyor-release ---\n'), message);
  });

  it('round-trips every field, including strings YAML would otherwise read as numbers', () => {
    assert.deepEqual(parseTagMessage(formatTagMessage(record, section)), record);
    const minimal = aReleaseRecord({ version: '0.1.0', commit: 'abc' });
    assert.deepEqual(parseTagMessage(formatTagMessage(minimal, '')), minimal);
    assert.deepEqual(parseTagMessage(formatTagMessage(minimal, '').replace(/\n/g, '\r\n')), minimal);
  });

  it('is undefined for a message without a block', () => {
    assert.equal(parseTagMessage('Release 1.0 by hand\n'), undefined);
    assert.equal(parseTagMessage(''), undefined);
  });

  it('reports a malformed block clearly', () => {
    const wrap = (yaml: string) => `Release v1\n\n--- conveyor-release ---\n${yaml}\n--- end conveyor-release ---\n`;
    assert.throws(() => parseTagMessage('x\n--- conveyor-release ---\nversion: 1.0.0\n'), /has no "--- end conveyor-release ---" line/);
    assert.throws(() => parseTagMessage(wrap('version: [1.0.0\ntag: v1')), /is not valid YAML/);
    assert.throws(() => parseTagMessage(wrap('- a\n- b')), /must be a YAML mapping/);
    assert.throws(() => parseTagMessage(wrap('version: 1.0.0\ntag: v1.0.0\ncreatedAt: x')), /missing "commit"/);
    assert.throws(
      () =>
        parseTagMessage(wrap('version: 1.0.0\ntag: v1.0.0\ncommit: a\ncreatedAt: x\nimage:\n  repository: r\n  digest: d\n  tags: [1, 2]')),
      /"image\.tags" must be a list of strings/,
    );
    assert.throws(
      () => parseTagMessage(wrap('version: 1.0.0\ntag: v1.0.0\ncommit: a\ncreatedAt: x\ngateOverride:\n  at: now')),
      /missing "gateOverride\.reason"/,
    );
  });
});

describe('version files (unit)', () => {
  const workspace = sampleWorkspaces();

  it('replaces only the top-level version, keeping indentation, key order and the trailing newline', () => {
    const text =
      '{\n\t"name": "shop",\n\t"config": { "version": "9.9.9" },\n\t"version" :  "1.3.2",\n\t"files": ["a\\"b", 1, true, null]\n}\n';
    assert.equal(setPackageVersion(text, '1.4.0'), text.replace('"1.3.2"', '"1.4.0"'));
    const noNewline = '{"version":"1.0.0","name":"x"}';
    assert.equal(setPackageVersion(noNewline, '1.0.1'), '{"version":"1.0.1","name":"x"}');
    assert.equal(setPackageVersion('{"name":"x"}\n', '1.0.1'), '{"name":"x"}\n');
  });

  it('updates a lockfile\'s top-level and packages[""] versions but not its dependencies', () => {
    const lock = JSON.stringify(
      {
        name: 'shop',
        version: '1.3.2',
        lockfileVersion: 3,
        packages: { '': { name: 'shop', version: '1.3.2' }, 'node_modules/semver': { version: '1.3.2' } },
      },
      null,
      2,
    );
    const updated = setLockfileVersion(lock + '\n', '1.4.0');
    const parsed = JSON.parse(updated) as { version: string; packages: Record<string, { version: string }> };
    assert.equal(parsed.version, '1.4.0');
    assert.equal(parsed.packages[''].version, '1.4.0');
    assert.equal(parsed.packages['node_modules/semver'].version, '1.3.2');
    assert.equal(updated, JSON.stringify(JSON.parse(updated), null, 2) + '\n');
  });

  it('finds strings at a path even after nested containers, escapes and a byte order mark', () => {
    const text = '\uFEFF{"a":[{"version":"x"}],"b":"\\\\","version":"1.0.0","version2":"y"}';
    const range = locateJsonString(text, ['version']);
    assert.equal(range && text.slice(range.start, range.end), '"1.0.0"');
    assert.equal(locateJsonString(text, ['a', 'version']), undefined);
  });

  it('reads package.json first, then VERSION, and nothing when there is neither', async () => {
    const both = workspace({ 'package.json': '{ "version": "1.3.2" }\n', VERSION: '9.0.0\n' });
    assert.deepEqual(await readProjectVersion(both.dir), {
      file: path.join(both.dir, 'package.json'),
      version: '1.3.2',
      kind: 'package.json',
    });
    const versionOnly = workspace({ 'package.json': '{ "private": true }\n', VERSION: ' 0.7.0 \nnotes\n' });
    assert.deepEqual(await readProjectVersion(versionOnly.dir), {
      file: path.join(versionOnly.dir, 'VERSION'),
      version: '0.7.0',
      kind: 'VERSION',
    });
    const none = workspace({ 'README.md': '# x\n' });
    assert.equal(await readProjectVersion(none.dir), undefined);
    assert.deepEqual(await writeProjectVersion(none.dir, '1.0.0'), []);
    await assert.rejects(
      readProjectVersion(workspace({ 'package.json': '{ nope' }).dir),
      /package\.json is not valid JSON .*fix it before releasing/,
    );
  });

  it('writes package.json and its lockfile in place, formatting untouched', async () => {
    const pkg = '{\n    "name": "shop",\n    "version": "1.3.2",\n    "scripts": { "build": "tsc" }\n}';
    const lock =
      '{\n  "name": "shop",\n  "version": "1.3.2",\n  "lockfileVersion": 3,\n  "packages": {\n    "": {\n      "name": "shop",\n      "version": "1.3.2"\n    }\n  }\n}\n';
    const ws = workspace({ 'package.json': pkg, 'package-lock.json': lock });
    const written = await writeProjectVersion(ws.dir, '1.4.0');
    assert.deepEqual(written, [path.join(ws.dir, 'package.json'), path.join(ws.dir, 'package-lock.json')]);
    assert.equal(readFileSync(written[0], 'utf8'), pkg.replace('1.3.2', '1.4.0'));
    assert.equal(readFileSync(written[1], 'utf8'), lock.replaceAll('1.3.2', '1.4.0'));
  });

  it('writes a VERSION file keeping its other lines and line ending, and refuses a non-semver version', async () => {
    const ws = workspace({ VERSION: '0.7.0\r\n' });
    assert.deepEqual(await writeProjectVersion(ws.dir, '0.8.0'), [path.join(ws.dir, 'VERSION')]);
    assert.equal(readFileSync(path.join(ws.dir, 'VERSION'), 'utf8'), '0.8.0\r\n');
    await assert.rejects(writeProjectVersion(ws.dir, 'next'), /Cannot write version "next": it is not valid semver/);
  });

  it('leaves package.json untouched when its lockfile is broken', async () => {
    const ws = workspace({ 'package.json': '{ "version": "1.0.0" }', 'package-lock.json': '{ "version": ' });
    await assert.rejects(writeProjectVersion(ws.dir, '1.1.0'), /package-lock\.json is not valid JSON/);
    assert.equal(readFileSync(path.join(ws.dir, 'package.json'), 'utf8'), '{ "version": "1.0.0" }');
  });
});

describe('compare links for GitHub and GitLab remotes (unit)', () => {
  it('builds compare URLs from https, ssh and scp-like remotes', () => {
    assert.equal(
      remoteCompareUrl('https://github.com/acme/shop.git', 'v1.3.2', 'v1.4.0'),
      'https://github.com/acme/shop/compare/v1.3.2...v1.4.0',
    );
    assert.equal(
      remoteCompareUrl('git@github.com:acme/shop.git', 'v1.3.2', 'v1.4.0'),
      'https://github.com/acme/shop/compare/v1.3.2...v1.4.0',
    );
    assert.equal(remoteCompareUrl('ssh://git@GitHub.com:22/acme/shop/', 'a', 'b'), 'https://github.com/acme/shop/compare/a...b');
    assert.equal(
      remoteCompareUrl('https://ci:token@gitlab.com/group/sub/shop.git', 'v1', 'v2'),
      'https://gitlab.com/group/sub/shop/-/compare/v1...v2',
    );
    assert.equal(
      remoteCompareUrl('git@gitlab.example.com:team/shop.git', 'v1', 'v2'),
      'https://gitlab.example.com/team/shop/-/compare/v1...v2',
    );
  });

  it('has no link for other hosts, local paths or no remote', () => {
    assert.equal(remoteCompareUrl('https://bitbucket.org/acme/shop.git', 'a', 'b'), undefined);
    assert.equal(remoteCompareUrl('/srv/git/shop.git', 'a', 'b'), undefined);
    assert.equal(remoteCompareUrl('git@github.com:shop.git', 'a', 'b'), undefined);
    assert.equal(remoteCompareUrl(undefined, 'a', 'b'), undefined);
  });
});

describe('git log and for-each-ref output (unit)', () => {
  const sha = 'a'.repeat(40);
  const tagObject = 'b'.repeat(40);

  it("splits git log records, keeping multi-line messages and dropping the separators' newlines", () => {
    const output = `${sha}\x1ffeat: a\n\nbody line\n\x1e\n${'c'.repeat(40)}\x1fchore: start\n\x1e\n`;
    assert.deepEqual(parseLog(output), [
      { sha, message: 'feat: a\n\nbody line' },
      { sha: 'c'.repeat(40), message: 'chore: start' },
    ]);
    assert.deepEqual(parseLog(''), []);
  });

  it('reads annotated tags (peeled commit, record) and lightweight ones (no record, even if the commit message has a block)', () => {
    const block = '--- conveyor-release ---\nversion: 1.0.0\ntag: v1.0.0\ncommit: x\ncreatedAt: now\n--- end conveyor-release ---\n';
    const output = [
      `refs/tags/v1.0.0\x1f${tagObject}\x1f${sha}\x1f2026-11-26T10:00:00+00:00\x1fRelease v1.0.0\n\n${block}\x1e`,
      `refs/tags/v0.9.0\x1f${sha}\x1f\x1f2026-11-01T10:00:00+00:00\x1f${block}\x1e`,
      '',
    ].join('\n');
    assert.deepEqual(parseTagList(output), [
      {
        tag: 'v1.0.0',
        date: '2026-11-26T10:00:00+00:00',
        commit: sha,
        record: { version: '1.0.0', tag: 'v1.0.0', commit: 'x', createdAt: 'now' },
      },
      { tag: 'v0.9.0', date: '2026-11-01T10:00:00+00:00', commit: sha },
    ]);
  });
});
